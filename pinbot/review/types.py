"""The review's data: totals with their rates and intervals, groups, recommendations, the whole review.

Owns the minimums a group needs before it is ranked or gets a recommendation, and the stable
JSON shape of each piece (`as_dict`), which `pinbot report --json` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pinbot.render.names import design_name
from pinbot.stats import Rate, wilson

MIN_IMPRESSIONS = 1000
MIN_PINS = 3
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DIMENSIONS = ("pin", "board", "design", "product", "weekday", "hour", "design_board")


@dataclass
class Totals:
    impressions: int = 0
    saves: int = 0
    pin_clicks: int = 0
    outbound_clicks: int = 0
    pins: int = 0

    def add(self, other: Totals) -> None:
        self.impressions += other.impressions
        self.saves += other.saves
        self.pin_clicks += other.pin_clicks
        self.outbound_clicks += other.outbound_clicks
        self.pins += other.pins

    @property
    def save_rate(self) -> Rate:
        return wilson(self.saves, self.impressions)

    @property
    def outbound_rate(self) -> Rate:
        return wilson(self.outbound_clicks, self.impressions)

    @property
    def pin_click_rate(self) -> Rate:
        return wilson(self.pin_clicks, self.impressions)

    @property
    def enough(self) -> bool:
        return self.impressions >= MIN_IMPRESSIONS and self.pins >= MIN_PINS

    def as_dict(self) -> dict[str, Any]:
        return {
            "impressions": self.impressions,
            "saves": self.saves,
            "pin_clicks": self.pin_clicks,
            "outbound_clicks": self.outbound_clicks,
            "pins": self.pins,
            "save_rate": self.save_rate.as_dict(),
            "outbound_click_rate": self.outbound_rate.as_dict(),
            "pin_click_rate": self.pin_click_rate.as_dict(),
        }


@dataclass(frozen=True)
class IdleProduct:
    """An in-stock product with nothing on its way to Pinterest: a "Start pinning" candidate.
    `ref` is how the owner types it (`etsy:28`): an Etsy SKU "4" may also be product id 4."""

    product_id: int
    title: str
    ref: str
    has_photo: bool


@dataclass
class PinRow:
    """One posted pin with its totals over the period."""

    pin_id: int
    title: str
    board: str
    design: str
    product_id: int | None
    product: str
    posted_at: datetime | None
    totals: Totals


@dataclass
class Group:
    dimension: str
    key: str
    label: str
    totals: Totals
    rank: int | None = None  # by outbound click rate, only among groups with enough data
    # Per pin (pin id, outbound clicks, saves, impressions): the units the recommendations compare.
    units: list[tuple[int, int, int, int]] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        head: dict[str, Any] = {"key": self.key, "label": self.label, "rank": self.rank}
        if self.dimension in ("design", "design_board"):
            design_id = self.key.split("|", 1)[0]
            head |= {"design_id": design_id, "design_name": design_name(design_id)}
        return head | {"enough_data": self.totals.enough} | self.totals.as_dict()


@dataclass
class Recommendation:
    kind: str  # stop, start, continue, change
    subject: str
    text: str
    numbers: dict[str, Any] = field(default_factory=dict)
    action: str = ""  # how to act on it: which file and key to change, which command to run

    def as_dict(self) -> dict[str, Any]:
        out = {"kind": self.kind, "subject": self.subject, "text": self.text, "action": self.action}
        return out | {"numbers": self.numbers}


@dataclass
class DayRow:
    day: date
    totals: Totals


@dataclass
class Review:
    since: date
    until: date
    timezone: str
    shop: Totals
    pins: list[PinRow]
    groups: dict[str, list[Group]]
    daily: list[DayRow]
    recommendations: list[Recommendation]

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "timezone": self.timezone,
            "minimums": {"impressions": MIN_IMPRESSIONS, "pins": MIN_PINS},
            "shop": self.shop.as_dict(),
            "groups": {dim: [g.as_dict() for g in groups] for dim, groups in self.groups.items()},
            "daily": [{"day": d.day.isoformat()} | d.totals.as_dict() for d in self.daily],
            "recommendations": [r.as_dict() for r in self.recommendations],
        }
