"""Trending searches (`GET /trends/keywords/{region}/top/{trend_type}`, spec 5.23.0): the request's
checks and the answer as plain data.

Owns the allowed regions, trend types and interests (the spec's enums), the limit (1-50), and
`TrendingKeyword`: the keyword, its growth week/month/year over, and its weekly relative search
volume over the past year (0-100), from which `peak_week` says when the season tops out.
Scope `user_accounts:read`; rate-limit category `trends_read`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pinbot.errors import InvalidInput

TREND_TYPES = ("growing", "monthly", "yearly", "seasonal")
REGIONS = (
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
)
INTERESTS = (
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
)
CATEGORY = "trends_read"
SCOPES = "user_accounts:read"
MAX_LIMIT = 50


@dataclass(frozen=True)
class TrendingKeyword:
    keyword: str
    pct_growth_wow: int | None = None
    pct_growth_mom: int | None = None
    pct_growth_yoy: int | None = None
    time_series: dict[date, int] = field(default_factory=dict)

    @property
    def peak_week(self) -> date | None:
        """The end of the week with the most searches over the past year (the season's top)."""
        if not self.time_series:
            return None
        return max(self.time_series.items(), key=lambda kv: (kv[1], kv[0]))[0]

    def as_dict(self) -> dict[str, Any]:
        peak = self.peak_week
        return {
            "keyword": self.keyword,
            "pct_growth_wow": self.pct_growth_wow,
            "pct_growth_mom": self.pct_growth_mom,
            "pct_growth_yoy": self.pct_growth_yoy,
            "peak_week": peak.isoformat() if peak else None,
            "time_series": {d.isoformat(): v for d, v in sorted(self.time_series.items())},
        }


def check_request(region: str, trend_type: str, interests: Sequence[str], limit: int) -> None:
    if region not in REGIONS:
        raise InvalidInput("region", f"{region!r} is not a trends region ({', '.join(REGIONS)})")
    if trend_type not in TREND_TYPES:
        raise InvalidInput("type", f"{trend_type!r} is not a trend type ({', '.join(TREND_TYPES)})")
    unknown = [i for i in interests if i not in INTERESTS]
    if unknown:
        raise InvalidInput("interest", f"{unknown[0]!r} is not a Pinterest interest (e.g. diy_and_crafts, home_decor)")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", f"must be 1 to {MAX_LIMIT}, got {limit}")


def params(interests: Sequence[str], limit: int, include_keywords: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"limit": limit}
    if interests:
        out["interests"] = list(interests)  # explode=true: one interests=... per value
    if include_keywords:
        out["include_keywords"] = [k for k in include_keywords if k.strip()][:50]
    return out


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def parse(data: Any) -> list[TrendingKeyword]:
    trends = data.get("trends") if isinstance(data, dict) else None
    out: list[TrendingKeyword] = []
    for item in trends or []:
        if not isinstance(item, dict) or not item.get("keyword"):
            continue
        series: dict[date, int] = {}
        for day, value in (item.get("time_series") or {}).items():
            try:
                series[date.fromisoformat(str(day))] = int(value)
            except (TypeError, ValueError):
                continue
        out.append(
            TrendingKeyword(
                str(item["keyword"]),
                _int(item.get("pct_growth_wow")),
                _int(item.get("pct_growth_mom")),
                _int(item.get("pct_growth_yoy")),
                series,
            )
        )
    return out


class TrendsCalls:
    """The trends request of `PinterestClient` (mixed in: the client's request pipeline does the call)."""

    _call: Callable[..., Any]

    def trending_keywords(
        self,
        region: str = "US",
        trend_type: str = "growing",
        interests: Sequence[str] = (),
        limit: int = MAX_LIMIT,
        include_keywords: Sequence[str] = (),
    ) -> list[TrendingKeyword]:
        """What people search for now: the top keywords of one trend type in one region."""
        check_request(region, trend_type, interests, limit)
        path = f"/trends/keywords/{region}/top/{trend_type}"
        return parse(self._call("GET", path, CATEGORY, SCOPES, params=params(interests, limit, include_keywords)))
