"""Seasons as "MM-DD" dates that recur every year (a season may wrap the new year: 11-01 to 01-06)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from pinbot.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from pinbot.pinterest.types import PinterestAPI


def parse_md(value: str, field: str) -> str:
    """ "MM-DD" (or an ISO date, whose year is dropped) -> "MM-DD"; one clear error otherwise."""
    text = value.strip()
    if len(text) == 10:
        text = text[5:]
    try:
        date.fromisoformat(f"2024-{text}")  # a leap year, so 02-29 is accepted
    except ValueError:
        raise InvalidInput(field, f"expected a date like 12-25 (month-day), got {value!r}") from None
    return text


def _on(md: str, year: int) -> date:
    month, day = int(md[:2]), int(md[3:])
    if (month, day) == (2, 29):
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def in_season(day: date, start: str, end: str) -> bool:
    md = day.strftime("%m-%d")
    return start <= md <= end if start <= end else (md >= start or md <= end)


def season_around(day: date, start: str, end: str) -> tuple[date, date]:
    """The season (first day, last day) that contains `day`, or else the next one to come."""
    for year in (day.year - 1, day.year, day.year + 1):
        first = _on(start, year)
        last = _on(end, year if start <= end else year + 1)
        if last >= day:
            return first, last
    raise AssertionError("unreachable")


def lead_start(peak: str, lead_days: int) -> str:
    """The start of a season that climbs `lead_days` before its peak (searches start 45-60 days early)."""
    return (_on(peak, 2025) - timedelta(days=lead_days)).strftime("%m-%d")


def season_from_trend(client: PinterestAPI, keyword: str, region: str, lead: int) -> tuple[str, str, str]:
    """(start, end, keyword) of a season around the peak week of a seasonal trend: from `lead` days
    before the peak to the end of the peak week (GET /trends/keywords/{region}/top/seasonal)."""
    trends = client.trending_keywords(region, "seasonal", include_keywords=[keyword])
    match = next((t for t in trends if t.keyword.lower() == keyword.lower()), None) or (trends[0] if trends else None)
    if match is None or match.peak_week is None:
        raise NotFound(f"no seasonal trend for {keyword!r} in {region} now (pinbot keywords trends --type seasonal)")
    peak = match.peak_week.strftime("%m-%d")
    return lead_start(peak, lead), (match.peak_week + timedelta(days=3)).strftime("%m-%d"), match.keyword
