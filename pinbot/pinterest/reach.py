"""The account-level analytics requests of `PinterestClient`: the shop's daily numbers (its own pins,
or others' pins of its claimed website), its top pins, and the websites it claimed.

Mixed into the client (its request pipeline makes the call: pacing, retries, error classes), so the
client module stays one concept: sending requests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from pinbot.pinterest import analytics as an
from pinbot.pinterest import payloads as req
from pinbot.pinterest.types import DailyMetrics


class ReachCalls:
    _call: Callable[..., Any]
    _paginate: Callable[..., Iterator[dict[str, Any]]]
    _today: Callable[[], date]

    def account_analytics(self, start: date, end: date, **filters: str) -> list[DailyMetrics]:
        """Daily numbers; source OTHER_PINS: others' pins of the claimed website (earned), YOUR_PINS: own."""
        an.check_window(start, end, self._today())
        params = {**an.date_params(start, end), "metric_types": ",".join(an.ACCOUNT_METRICS), "app_types": "ALL"}
        params.update(an.reach_filters(**filters))
        return an.parse_daily(self._call("GET", "/user_account/analytics", req.ANALYTICS, req.S_USER, params=params))

    def top_pins(
        self, sort_by: str, start: date, end: date, num_of_pins: int = 50, **filters: str
    ) -> list[dict[str, Any]]:
        """Top pins by one metric: ids, metrics, data_status (titles via get_pin); filters as account_analytics."""
        params = an.top_pins_params(sort_by, start, end, num_of_pins, self._today(), **filters)
        data = self._call("GET", "/user_account/analytics/top_pins", req.ANALYTICS, req.S_TOP_PINS, params=params) or {}
        return [p for p in (data.get("pins") if isinstance(data, dict) else None) or [] if isinstance(p, dict)]

    def list_websites(self) -> list[dict[str, Any]]:  # the websites the account claimed (or tried to)
        return list(self._paginate("/user_account/websites", req.S_USER, req.MAX_PAGE_SIZE))
