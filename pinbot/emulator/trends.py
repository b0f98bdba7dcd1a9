"""Trending searches in the emulator: a small catalogue of craft and home keywords with yearly curves.

Owns `GET /trends/keywords/{region}/top/{trend_type}`. Each keyword has a base volume, an optional
seasonal peak (month-day) with a width in weeks, and a slow yearly growth; its weekly series over the
past year is computed from the emulator's clock, so a simulated October shows Christmas searches
climbing. Ranking by type follows the spec's definitions: `growing` by growth over the last quarter,
`monthly` and `yearly` by volume over the last month and year, `seasonal` only keywords with a
peak, by growth over the last month. Values are deterministic: same clock, same answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pinbot.emulator.protocol import ApiError, Request, Response

TREND_TYPES = ("growing", "monthly", "yearly", "seasonal")
REGIONS = frozenset(
    [
        "US",
        "CA",
        "DE",
        "FR",
        "ES",
        "IT",
        "DE+AT+CH",
        "GB+IE",
        "IT+ES+PT+GR+MT",
        "PL+RO+HU+SK+CZ",
        "SE+DK+FI+NO",
        "NL+BE+LU",
        "AR",
        "BR",
        "CO",
        "MX",
        "MX+AR+CO+CL",
        "AU+NZ",
    ]
)
INTERESTS = frozenset(
    [
        "animals",
        "architecture",
        "art",
        "beauty",
        "childrens_fashion",
        "design",
        "diy_and_crafts",
        "education",
        "electronics",
        "entertainment",
        "event_planning",
        "finance",
        "food_and_drinks",
        "gardening",
        "health",
        "home_decor",
        "mens_fashion",
        "parenting",
        "quotes",
        "sport",
        "travel",
        "vehicles",
        "wedding",
        "womens_fashion",
    ]
)


@dataclass(frozen=True)
class Keyword:
    keyword: str
    interests: tuple[str, ...]
    base: float  # relative weekly searches off season
    peak: str | None = None  # "MM-DD"
    width_weeks: float = 4.0
    amplitude: float = 0.0  # extra searches at the peak
    yearly_growth: float = 0.0  # e.g. 0.3: 30% more searches than a year ago


CATALOGUE = (
    Keyword("christmas gifts", ("event_planning", "home_decor", "diy_and_crafts"), 20, "12-18", 4, 300, 0.05),
    Keyword("handmade christmas ornaments", ("diy_and_crafts", "home_decor"), 8, "12-10", 4, 160, 0.2),
    Keyword("christmas mug", ("home_decor", "food_and_drinks"), 6, "12-15", 3.5, 120, 0.1),
    Keyword("valentines day gifts", ("event_planning", "diy_and_crafts"), 10, "02-10", 2.5, 180, 0.0),
    Keyword("mothers day gift ideas", ("event_planning", "diy_and_crafts"), 10, "05-05", 2.5, 170, 0.08),
    Keyword("fall decor", ("home_decor",), 15, "09-25", 6, 140, 0.12),
    Keyword("halloween decorations diy", ("diy_and_crafts", "home_decor"), 8, "10-20", 3, 200, 0.15),
    Keyword("wedding favors", ("wedding", "event_planning"), 25, "06-10", 8, 60, -0.05),
    Keyword("spring planters", ("gardening", "home_decor"), 12, "04-15", 5, 90, 0.25),
    Keyword("handmade pottery", ("diy_and_crafts", "art", "home_decor"), 60, None, 4, 0, 0.35),
    Keyword("stoneware mug", ("home_decor", "food_and_drinks"), 45, None, 4, 0, 0.18),
    Keyword("ceramic planter", ("gardening", "home_decor"), 40, None, 4, 0, 0.22),
    Keyword("silver earrings", ("womens_fashion", "beauty"), 70, None, 4, 0, 0.04),
    Keyword("minimalist jewelry", ("womens_fashion",), 55, None, 4, 0, 0.4),
    Keyword("pottery for beginners", ("diy_and_crafts", "education"), 35, None, 4, 0, 0.5),
    Keyword("wire wrapping tutorial", ("diy_and_crafts",), 20, None, 4, 0, 0.3),
)


def _season(kw: Keyword, day: date) -> float:
    if not kw.peak:
        return 0.0
    month, dom = int(kw.peak[:2]), int(kw.peak[3:])
    gaps = []
    for year in (day.year - 1, day.year, day.year + 1):
        try:
            peak = date(year, month, dom)
        except ValueError:
            peak = date(year, month, 28)
        gaps.append(abs((day - peak).days))
    weeks = min(gaps) / 7.0
    return kw.amplitude * math.exp(-((weeks / kw.width_weeks) ** 2))


def volume(kw: Keyword, day: date, today: date) -> float:
    """Searches in the week ending `day`; the yearly growth makes the older weeks smaller."""
    age_years = (today - day).days / 365.0
    return (kw.base + _season(kw, day)) / (1 + kw.yearly_growth) ** age_years


def weeks_ending(today: date, n: int = 52) -> list[date]:
    last = today - timedelta(days=(today.weekday() + 2) % 7)  # the last Saturday
    return [last - timedelta(weeks=i) for i in range(n - 1, -1, -1)]


def _growth(new: float, old: float) -> int:
    if old <= 0:
        return 10001
    return max(-10000, min(10001, round((new / old - 1) * 100)))


def keyword_json(kw: Keyword, today: date) -> tuple[dict[str, Any], dict[str, float]]:
    weeks = weeks_ending(today, 52)
    series = [volume(kw, d, today) for d in weeks]
    top = max(series) or 1.0
    year_ago = [volume(kw, d - timedelta(days=364), today) for d in weeks]
    body = {
        "keyword": kw.keyword,
        "pct_growth_wow": _growth(series[-1], series[-2]),
        "pct_growth_mom": _growth(sum(series[-4:]), sum(series[-8:-4])),
        "pct_growth_yoy": _growth(sum(series), sum(year_ago)),
        "time_series": {d.isoformat(): round(100 * v / top) for d, v in zip(weeks, series, strict=True)},
    }
    scores = {
        "growing": sum(series[-13:]) / max(sum(series[-26:-13]), 1e-9),
        "monthly": sum(series[-4:]),
        "yearly": sum(series),
        "seasonal": sum(series[-4:]) / max(sum(series[-8:-4]), 1e-9) if kw.peak else -1.0,
    }
    return body, scores


def trending_keywords(req: Request, now: datetime, region: str, trend_type: str) -> Response:
    if region not in REGIONS or trend_type not in TREND_TYPES:
        raise ApiError(400, 400, "Invalid trending keywords request parameters")
    interests = req.list_arg("interests")
    if any(i not in INTERESTS for i in interests):
        raise ApiError(400, 400, "Invalid trending keywords request parameters")
    try:
        limit = int(req.arg("limit", "50") or 50)
    except ValueError:
        raise ApiError(400, 400, "Invalid trending keywords request parameters") from None
    if not 1 <= limit <= 50:
        raise ApiError(400, 400, "Invalid trending keywords request parameters")
    include = [k.lower() for k in req.list_arg("include_keywords")]
    today = now.date()
    ranked = []
    for kw in CATALOGUE:
        if interests and not set(interests) & set(kw.interests):
            continue
        if include and not any(word in kw.keyword for word in include):
            continue
        body, scores = keyword_json(kw, today)
        if scores[trend_type] >= 0:
            ranked.append((scores[trend_type], kw.keyword, body))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    return Response(200, {"trends": [body for _, _, body in ranked[:limit]]})
