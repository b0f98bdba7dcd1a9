""" "Who pins your shop": earned vs owned over time, the top pins others made, and the surges.

One read of what the pull and the surge detector stored, shaped for the CLI (`pinbot earned
show`), the report's section and `--json` (stable keys). Pure reads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, func
from sqlalchemy import select as sa_select

from pinbot.advocates.surges import pin_page, recent_surges
from pinbot.store.db import session_scope
from pinbot.store.models import ReachDaily, Surge, TopPinDaily

FIELDS = ("impressions", "saves", "outbound_clicks")


@dataclass
class ReachDay:
    day: date
    earned: dict[str, int]
    owned: dict[str, int]


@dataclass
class EarnedPin:
    pinterest_pin_id: str
    saves: int
    outbound_clicks: int
    impressions: int
    days_listed: int
    first_seen: date
    daily_saves: list[tuple[date, int]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return pin_page(self.pinterest_pin_id)


@dataclass
class WhoPins:
    since: date
    until: date
    days: list[ReachDay]
    top_earned: list[EarnedPin]
    surges: list[Surge]

    def total(self, source: str) -> dict[str, int]:
        out = dict.fromkeys(FIELDS, 0)
        for d in self.days:
            for f in FIELDS:
                out[f] += getattr(d, source)[f]
        return out

    @property
    def earned_share(self) -> float | None:
        earned, owned = self.total("earned")["saves"], self.total("owned")["saves"]
        return earned / (earned + owned) if earned + owned else None

    def headline(self) -> str:
        e, o = self.total("earned"), self.total("owned")
        share = self.earned_share
        part = f" ({share * 100:.0f} % of all saves)" if share is not None else ""
        return (
            f"{self.since} to {self.until}: pins others made of your shop got {e['saves']:,} saves{part} and sent "
            f"{e['outbound_clicks']:,} visitors; your own pins got {o['saves']:,} saves and sent "
            f"{o['outbound_clicks']:,} visitors"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "earned": self.total("earned"),
            "owned": self.total("owned"),
            "earned_share_of_saves": round(self.earned_share, 4) if self.earned_share is not None else None,
            "daily": [{"day": d.day.isoformat(), "earned": d.earned, "owned": d.owned} for d in self.days],
            "top_earned": [
                {
                    "pin": p.pinterest_pin_id,
                    "url": p.url,
                    "saves": p.saves,
                    "outbound_clicks": p.outbound_clicks,
                    "impressions": p.impressions,
                    "days_listed": p.days_listed,
                    "first_seen": p.first_seen.isoformat(),
                }
                for p in self.top_earned
            ],
            "surges": [
                {
                    "id": s.id,
                    "pin": s.pinterest_pin_id,
                    "url": pin_page(s.pinterest_pin_id),
                    "source": s.source,
                    "detected_on": s.detected_on.isoformat(),
                    "recent": s.recent,
                    "metric": s.metric,
                    "action": s.action,
                }
                for s in self.surges
            ],
        }


def who_pins(engine: Engine, account_id: int, today: date, days: int = 28, top: int = 20) -> WhoPins:
    until = today - timedelta(days=1)
    since = until - timedelta(days=days - 1)
    rd = ReachDaily.__table__.c  # type: ignore[attr-defined]
    tp = TopPinDaily.__table__.c  # type: ignore[attr-defined]
    zero = dict.fromkeys(FIELDS, 0)
    by_day: dict[date, dict[str, dict[str, int]]] = defaultdict(lambda: {"earned": dict(zero), "owned": dict(zero)})
    with session_scope(engine) as session:
        for day, source, impressions, saves, clicks in session.execute(
            sa_select(rd.day, rd.source, rd.impressions, rd.saves, rd.outbound_clicks).where(
                rd.account_id == account_id, rd.day >= since, rd.day <= until
            )
        ).all():
            by_day[day][source] = {"impressions": impressions, "saves": saves, "outbound_clicks": clicks}
        pins = session.execute(
            sa_select(
                tp.pinterest_pin_id,
                func.sum(tp.saves),
                func.sum(tp.outbound_clicks),
                func.sum(tp.impressions),
                func.count(),
                func.min(tp.day),
            )
            .where(tp.account_id == account_id, tp.source == "earned", tp.day >= since, tp.day <= until)
            .group_by(tp.pinterest_pin_id)
            .order_by(func.sum(tp.saves).desc(), func.sum(tp.outbound_clicks).desc(), tp.pinterest_pin_id)
            .limit(top)
        ).all()
        ids = [p[0] for p in pins]
        series: dict[str, list[tuple[date, int]]] = defaultdict(list)
        if ids:
            for remote, day, saves in session.execute(
                sa_select(tp.pinterest_pin_id, tp.day, tp.saves)
                .where(tp.account_id == account_id, tp.source == "earned", tp.pinterest_pin_id.in_(ids))
                .where(tp.day >= since, tp.day <= until)
                .order_by(tp.day)
            ).all():
                series[remote].append((day, saves))
    days_out = [ReachDay(d, by_day[d]["earned"], by_day[d]["owned"]) for d in sorted(by_day)]
    earned = [EarnedPin(str(r[0]), r[1] or 0, r[2] or 0, r[3] or 0, r[4], r[5], series.get(r[0], [])) for r in pins]
    return WhoPins(since, until, days_out, earned, recent_surges(engine, account_id, since))
