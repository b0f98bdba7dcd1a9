"""An in-memory Pinterest: the whole `PinterestAPI` protocol, for tests and benchmarks.

The one test double of the client (in the manner of huey's `MemoryStorage`): it lives in the
package so that mypy checks it against the protocol (`_check` below), and every test that needs a
Pinterest without HTTP uses it instead of mocks. It can fail in every way the poster must handle
(a fault is consumed per `create_pin`: raised before the pin is stored, or, for the `*_after_create`
kinds, after it), and it answers analytics as Pinterest does (the 90-day rules enforced, the
newest days ESTIMATE until they settle), counting every call. The HTTP-level stand-in for whole
runs is the emulator (`pinbot.emulator`); this one answers in-process with no I/O at all.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pinbot.clock import Clock
from pinbot.links import marker_in
from pinbot.pinterest.analytics import check_pin_ids, check_window
from pinbot.pinterest.errors import (
    FeatureUnavailable,
    InvalidGrant,
    MaybeSent,
    NotSent,
    RateLimited,
    RequestRejected,
    SpamBlocked,
    Unauthorized,
)
from pinbot.pinterest.trends import TrendingKeyword, check_request
from pinbot.pinterest.types import DailyMetrics, NewPin, PinterestAPI

__all__ = ["FAULTS_AFTER", "FAULTS_BEFORE", "MemoryPinterest", "default_day"]

# create_pin faults: raised before storing the pin, or (the *_after_create ones) after it.
FAULTS_BEFORE: dict[str, Callable[[], Exception]] = {
    "not_sent": lambda: NotSent("POST /pins: connection refused"),
    "rate": lambda: RateLimited("rate limit", retry_after=120, status=429, code=8, request_id="rid-429"),
    "spam": lambda: SpamBlocked("your activity looks like spam", status=429, code=8),
    "401": lambda: Unauthorized("token expired", status=401, code=2),
    "invalid_grant": lambda: InvalidGrant("The authorization grant is invalid", status=400, code=283),
    "reject": lambda: RequestRejected("Board not found.", status=404, code=50, request_id="rid-404"),
    "maybe": lambda: MaybeSent("POST /pins: HTTP 502", status=502),
}
FAULTS_AFTER: dict[str, Callable[[], Exception]] = {
    "maybe_after_create": lambda: MaybeSent("POST /pins: connection reset after send"),
    "crash_after_create": lambda: RuntimeError("bug in our own code after the request"),
}

DayFn = Callable[[str, date], tuple[int, int, int, int]]  # (impressions, saves, pin clicks, outbound)


def default_day(pin_id: str, day: date) -> tuple[int, int, int, int]:
    """A pin's numbers on a day: different per pin and day, and the same on every call."""
    base = 100 + int(pin_id[-2:] or 0) + day.day
    return base, base // 50, base // 20, base // 100


@dataclass
class MemoryPinterest:
    """Satisfies `PinterestAPI` in memory. Faults for `create_pin` are queued with `inject`."""

    clock: Clock
    multi: bool = True  # whether the multi-pin analytics beta is enabled for this app
    day_fn: DayFn = default_day
    settle_days: int = 2  # days newer than this are ESTIMATE, older READY
    rate_limit_after: int | None = None  # analytics calls before a 429
    missing: Sequence[str] = ()  # pin ids analytics says are not found
    pins: dict[str, dict[str, Any]] = field(default_factory=dict)
    boards: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    create_calls: int = 0
    list_calls: int = 0
    list_down: bool = False  # board listings fail (reconcile must wait, not decide)
    listing: Any = None  # when set, iter_board_pins yields exactly this (a malformed answer)
    answer: Any = None  # when set, create_pin stores the pin but answers this instead of it
    deleted: list[str] = field(default_factory=list)  # pin ids passed to delete_pin
    calls: list[tuple[str, tuple[str, ...], date, date]] = field(default_factory=list)  # analytics calls
    trends: dict[str, list[TrendingKeyword]] = field(default_factory=dict)  # trend type -> keywords, best first
    trend_calls: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)  # region, type, interests
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))

    # -- faults ------------------------------------------------------------------------------
    def inject(self, *kinds: str) -> None:
        unknown = [k for k in kinds if k not in FAULTS_BEFORE and k not in FAULTS_AFTER]
        if unknown:
            raise ValueError(f"unknown fault kinds: {unknown}")
        self.faults.extend(kinds)

    # -- account and boards ------------------------------------------------------------------
    def get_user_account(self) -> dict[str, Any]:
        return {"username": "shop", "account_type": "BUSINESS"}

    def list_boards(self) -> list[dict[str, Any]]:
        return [dict(b) for b in self.boards.values()]

    def create_board(self, name: str, description: str = "", privacy: str = "PUBLIC") -> dict[str, Any]:
        if any(b["name"] == name for b in self.boards.values()):
            raise RequestRejected(f"A board named {name!r} already exists.", status=409, code=58)
        bid = str(next(self._ids))
        self.boards[bid] = {"id": bid, "name": name, "description": description, "privacy": privacy}
        return dict(self.boards[bid])

    # -- pins --------------------------------------------------------------------------------
    def create_pin(self, pin: NewPin) -> dict[str, Any]:
        self.create_calls += 1
        fault = self.faults.pop(0) if self.faults else None
        if fault in FAULTS_BEFORE:
            raise FAULTS_BEFORE[fault]()
        pid = str(next(self._ids))
        self.pins[pid] = {
            "id": pid,
            "board_id": pin.board_id,
            "title": pin.title,
            "description": pin.description,
            "alt_text": pin.alt_text,
            "link": pin.link,
            "created_at": self.clock.now().isoformat(),
        }
        if fault in FAULTS_AFTER:
            raise FAULTS_AFTER[fault]()
        if self.answer is not None:
            return self.answer  # type: ignore[no-any-return]
        return dict(self.pins[pid])

    def get_pin(self, pin_id: str) -> dict[str, Any]:
        if pin_id not in self.pins:
            raise RequestRejected("Pin not found.", status=404, code=50)
        return dict(self.pins[pin_id])

    def delete_pin(self, pin_id: str) -> None:
        self.deleted.append(pin_id)
        self.pins.pop(pin_id, None)

    def iter_board_pins(self, board_id: str, page_size: int = 250) -> Iterator[dict[str, Any]]:
        self.list_calls += 1
        if self.list_down:
            raise MaybeSent(f"GET /boards/{board_id}/pins: HTTP 503", status=503)
        if self.listing is not None:
            return iter(self.listing)
        return iter([dict(p) for p in self.pins.values() if p["board_id"] == board_id])

    def by_marker(self) -> Counter[str]:
        """How many pins carry each reconcile marker (a duplicate shows as a count of 2)."""
        return Counter(marker_in(p["link"]) or "" for p in self.pins.values())

    # -- analytics ---------------------------------------------------------------------------
    def _spend(self, kind: str, ids: tuple[str, ...], start: date, end: date) -> None:
        if self.rate_limit_after is not None and len(self.calls) >= self.rate_limit_after:
            raise RateLimited("org_analytics budget spent", retry_after=3600, status=429, code=8)
        check_window(start, end, self.clock.now().date())
        self.calls.append((kind, ids, start, end))

    def _days(self, pin_id: str, start: date, end: date) -> list[DailyMetrics]:
        today = self.clock.now().date()
        out = []
        day = start
        while day <= end:
            imp, saves, clicks, outbound = self.day_fn(pin_id, day)
            status = "READY" if (today - day).days > self.settle_days else "ESTIMATE"
            out.append(DailyMetrics(day, status, imp, saves, clicks, outbound))
            day += timedelta(days=1)
        return out

    def pin_analytics(self, pin_id: str, start: date, end: date) -> list[DailyMetrics]:
        self._spend("pin", (pin_id,), start, end)
        if pin_id in self.missing:
            raise RequestRejected("Pin not found.", status=404, code=50)
        return self._days(pin_id, start, end)

    def multi_pin_analytics(self, pin_ids: Sequence[str], start: date, end: date) -> dict[str, list[DailyMetrics]]:
        if not self.multi:
            raise FeatureUnavailable("multi-pin analytics is not enabled for this app", status=403)
        ids = tuple(check_pin_ids(pin_ids))
        self._spend("multi", ids, start, end)
        return {p: self._days(p, start, end) for p in ids if p not in self.missing}

    def account_analytics(self, start: date, end: date) -> list[DailyMetrics]:
        self._spend("account", (), start, end)
        return self._days("9999", start, end)

    def pin_calls(self) -> list[tuple[str, tuple[str, ...], date, date]]:
        """The analytics calls that asked about pins (not the account)."""
        return [c for c in self.calls if c[0] != "account"]

    # -- trends ------------------------------------------------------------------------------
    def trending_keywords(
        self,
        region: str = "US",
        trend_type: str = "growing",
        interests: Sequence[str] = (),
        limit: int = 50,
        include_keywords: Sequence[str] = (),
    ) -> list[TrendingKeyword]:
        check_request(region, trend_type, interests, limit)
        self.trend_calls.append((region, trend_type, tuple(interests)))
        found = self.trends.get(trend_type, [])
        if include_keywords:
            wanted = [k.lower() for k in include_keywords]
            found = [t for t in found if any(w in t.keyword.lower() for w in wanted)]
        return found[:limit]


def _check(fake: MemoryPinterest) -> PinterestAPI:
    return fake  # mypy proves here that the fake is a whole PinterestAPI
