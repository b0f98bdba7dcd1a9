"""Analytics request rules and response parsing (pure functions, no I/O).

Owns: the 90-day rules checked before anything is sent (a window spans at most 90 days and starts
at most 90 days back), the metric lists pinbot asks for, and reading `daily_metrics` with each
day's `data_status` (period numbers live there and in `summary_metrics`, never in
`lifetime_metrics`, which stays empty for period metric types; see docs/pinterest-api.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from pinbot.errors import InvalidInput
from pinbot.pinterest.types import PIN_METRICS, DailyMetrics

MAX_WINDOW_DAYS = 90
MAX_LOOKBACK_DAYS = 90
MAX_MULTI_PIN_IDS = 100
ACCOUNT_METRICS = ("ENGAGEMENT", "IMPRESSION", "OUTBOUND_CLICK", "PIN_CLICK", "SAVE")
TOP_PIN_SORTS = ("ENGAGEMENT", "IMPRESSION", "OUTBOUND_CLICK", "PIN_CLICK", "SAVE")
_FIELDS = {
    "IMPRESSION": "impressions",
    "SAVE": "saves",
    "PIN_CLICK": "pin_clicks",
    "OUTBOUND_CLICK": "outbound_clicks",
    "ENGAGEMENT": "engagement",
}
_PIN_ID = re.compile(r"^\d+$")


def check_window(start: date, end: date, today: date) -> None:
    """Reject, before sending, what Pinterest would refuse (or silently truncate)."""
    if end < start:
        raise InvalidInput("end_date", f"{end} is before start_date {start}")
    if (end - start).days > MAX_WINDOW_DAYS:
        raise InvalidInput(
            "date range",
            f"{start}..{end} spans {(end - start).days} days; Pinterest allows at most {MAX_WINDOW_DAYS}",
        )
    oldest = today - timedelta(days=MAX_LOOKBACK_DAYS)
    if start < oldest:
        raise InvalidInput(
            "start_date",
            f"{start} is more than {MAX_LOOKBACK_DAYS} days before today ({today}); the earliest allowed is {oldest}",
        )


def check_pin_ids(pin_ids: Sequence[str]) -> list[str]:
    ids = [str(p) for p in pin_ids]
    if not 1 <= len(ids) <= MAX_MULTI_PIN_IDS:
        raise InvalidInput("pin_ids", f"give 1 to {MAX_MULTI_PIN_IDS} pin ids per call, got {len(ids)}")
    bad = [p for p in ids if not _PIN_ID.match(p)]
    if bad:
        raise InvalidInput("pin_ids", f"{bad[0]!r} is not a Pinterest pin id (digits only)")
    return ids


def date_params(start: date, end: date) -> dict[str, str]:
    return {"start_date": start.isoformat(), "end_date": end.isoformat()}


def pin_metric_types() -> str:
    # The spec declares metric_types with style=form, explode=false: one comma-separated value.
    return ",".join(PIN_METRICS)


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return round(value)


def _no_split(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The NO_SPLIT entry of a response keyed by app type ("all" in practice)."""
    for key in ("all", "ALL"):
        value = data.get(key)
        if isinstance(value, Mapping):
            return value
    for value in data.values():
        if isinstance(value, Mapping):
            return value
    return {}


def parse_daily(data: Any) -> list[DailyMetrics]:
    """`{"all": {"daily_metrics": [{date, data_status, metrics}]}}` -> one row per day, by date."""
    if not isinstance(data, Mapping):
        return []
    rows: dict[date, DailyMetrics] = {}
    daily = _no_split(data).get("daily_metrics") or []
    for item in daily if isinstance(daily, list) else []:
        if not isinstance(item, Mapping):
            continue
        try:
            day = date.fromisoformat(str(item.get("date", "")))
        except ValueError:
            continue
        metrics = item.get("metrics")
        metrics = metrics if isinstance(metrics, Mapping) else {}
        values = {field: _whole(metrics.get(name)) for name, field in _FIELDS.items()}
        # A day without a status is treated as provisional: only READY is final.
        status = str(item.get("data_status") or "UNKNOWN")
        rows[day] = DailyMetrics(day=day, data_status=status, **values)
    return [rows[d] for d in sorted(rows)]


def parse_multi(data: Any, pin_ids: Sequence[str]) -> dict[str, list[DailyMetrics]]:
    """`{pin_id: {app_type: {...}}}` -> {pin_id: days}; a pin Pinterest left out gets no rows."""
    out: dict[str, list[DailyMetrics]] = {}
    if not isinstance(data, Mapping):
        return out
    for pin_id in pin_ids:
        entry = data.get(pin_id)
        if isinstance(entry, Mapping):
            out[pin_id] = parse_daily(entry)
    return out
