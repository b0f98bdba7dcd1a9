"""Plain data returned by the Pinterest client and what the rest of pinbot codes against.

`PinterestAPI` is a Protocol: the real `PinterestClient`, and any test double, satisfy it; the
poster, metrics and sync services accept it, never the concrete class.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pinbot.pinterest.trends import TrendingKeyword

# What pinbot stores per day; the API's metric names map onto these fields.
PIN_METRICS = ("IMPRESSION", "SAVE", "PIN_CLICK", "OUTBOUND_CLICK")


@dataclass(frozen=True)
class DailyMetrics:
    day: date
    data_status: str  # READY, ESTIMATE, PROCESSING, BEFORE_* ...
    impressions: int = 0
    saves: int = 0
    pin_clicks: int = 0
    outbound_clicks: int = 0
    engagement: int = 0

    @property
    def ready(self) -> bool:
        return self.data_status == "READY"


@dataclass(frozen=True)
class PinImage:
    """Exactly one of `data` (rendered bytes, sent as image_base64) or `url` (image_url)."""

    data: bytes | None = None
    content_type: str = "image/jpeg"
    url: str | None = None


@dataclass(frozen=True)
class NewPin:
    board_id: str
    title: str
    description: str
    link: str
    alt_text: str
    image: PinImage
    board_section_id: str | None = None
    # The request must be over by then: after it, reconcile may decide without knowing of it (a
    # worker frozen after its claim must not wake up and send). None: no limit.
    deadline: datetime | None = None


class PinterestAPI(Protocol):
    def get_user_account(self) -> dict[str, Any]: ...

    def list_boards(self) -> list[dict[str, Any]]: ...

    def create_board(self, name: str, description: str = "", privacy: str = "PUBLIC") -> dict[str, Any]: ...

    def create_pin(self, pin: NewPin) -> dict[str, Any]:
        """POST /pins, never retried inside the client: raises NotSent or MaybeSent on failure."""
        ...

    def get_pin(self, pin_id: str) -> dict[str, Any]: ...

    def delete_pin(self, pin_id: str) -> None: ...

    def iter_board_pins(self, board_id: str, page_size: int = 250) -> Iterator[dict[str, Any]]: ...

    def pin_analytics(self, pin_id: str, start: date, end: date) -> list[DailyMetrics]: ...

    def multi_pin_analytics(self, pin_ids: Sequence[str], start: date, end: date) -> dict[str, list[DailyMetrics]]:
        """Up to 100 ids per call; raises FeatureUnavailable when the app lacks the beta."""
        ...

    def account_analytics(self, start: date, end: date) -> list[DailyMetrics]: ...

    def trending_keywords(
        self,
        region: str = "US",
        trend_type: str = "growing",
        interests: Sequence[str] = (),
        limit: int = 50,
        include_keywords: Sequence[str] = (),
    ) -> list[TrendingKeyword]:
        """Top trending searches (GET /trends/keywords/{region}/top/{trend_type})."""
        ...
