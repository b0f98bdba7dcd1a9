"""The daily pull of earned reach: who pins the shop, beside what the shop pins itself.

Once a UTC day, inside the analytics budget the metrics sweep keeps (`pinbot.metrics.budget`: the
calls are counted in the same daily counter), pinbot asks Pinterest for:

- the account's daily numbers twice: `source=OTHER_PINS, from_claimed_content=CLAIMED` (earned:
  pins other people made of the claimed website) and `source=YOUR_PINS` (owned), from the first
  day not yet final (or 89 days back on the first pull) to yesterday: 2 calls;
- one day's top pins, by saves, outbound clicks and impressions, earned and owned, and others' pins
  made in the last 30 days by impressions (7 calls): for
  yesterday, for any of the last `REFETCH_DAYS` days still provisional, and on the first pull for
  the last `BACKFILL_DAYS` days so a pin has a past to be judged against at once.

Everything is kept forever (Pinterest keeps 90 days); a final (READY) row is never overwritten
by a provisional one. Typical cost: 16 calls a day, 80 (the cap) on the first day.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import Engine, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from pinbot.clock import Clock
from pinbot.metrics import budget as mb
from pinbot.pinterest.errors import MaybeSent, NotSent, RateLimited, RequestRejected
from pinbot.pinterest.types import DailyMetrics
from pinbot.store.db import session_scope
from pinbot.store.models import ReachDaily, TopPinDaily, TopPinList
from pinbot.words import plural

log = logging.getLogger(__name__)

SOURCES = {"earned": ("OTHER_PINS", "CLAIMED"), "owned": ("YOUR_PINS", "BOTH")}
# Impressions too: a pin listed by impressions is known to exist that day (its age, for new pins).
SORTS = {"SAVE": "saves", "OUTBOUND_CLICK": "outbound_clicks", "IMPRESSION": "impressions"}
# Others' pins made in the last 30 days, by impressions: a new pin shows up here from its first
# days, so a pin first seen here is young, and its past before that is unknown, not zero.
NEW_LIST = "IMPRESSION_NEW"
NEW_SOURCE = "earned_new"
TOP_N = 50
BACKFILL_DAYS = 16
REFETCH_DAYS = 3
MAX_CALLS = 80
_FIELDS = {"IMPRESSION": "impressions", "SAVE": "saves", "PIN_CLICK": "pin_clicks", "OUTBOUND_CLICK": "outbound_clicks"}


@runtime_checkable
class ReachAPI(Protocol):
    """What the pull needs of the Pinterest client (`PinterestClient` satisfies it)."""

    def account_analytics(
        self, start: date, end: date, *, source: str = "ALL", claimed: str = "BOTH"
    ) -> list[DailyMetrics]: ...

    def top_pins(
        self,
        sort_by: str,
        start: date,
        end: date,
        num_of_pins: int = 50,
        *,
        source: str = "ALL",
        claimed: str = "BOTH",
        created_recently: str = "",
    ) -> list[dict[str, Any]]: ...


@dataclass
class PullResult:
    calls: int = 0
    reach_days: int = 0
    top_days: int = 0
    top_rows: int = 0
    stopped: str | None = None
    errors: list[str] = field(default_factory=list)

    def message(self) -> str:
        # In the owner's words ("15 calls, 0 account days, 7 top-pin rows over 15 lists" was not).
        text = (
            f"earned reach: {plural(self.reach_days, 'day')} of your account's numbers and "
            f"{plural(self.top_rows, 'top pin')} fetched ({plural(self.calls, 'request')} to Pinterest); "
            "`pinbot earned show` shows them"
        )
        return text + (f"; stopped: {self.stopped}" if self.stopped else "")


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _upsert(session: Session, model: type, keys: list[str], rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    table = model.__table__  # type: ignore[attr-defined]
    stmt = _insert(session)(table)
    cols = [c for c in rows[0] if c not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=keys,
        set_={name: stmt.excluded[name] for name in cols},
        where=or_(table.c.data_status != "READY", stmt.excluded.data_status == "READY"),
    )
    session.execute(stmt, rows)
    return len(rows)


def _whole(value: Any) -> int:
    return round(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def top_rows(pins: Sequence[dict[str, Any]], day: date) -> tuple[list[dict[str, Any]], str]:
    """Rows of one single-day top-pins answer, and the day's data status."""
    rows, statuses = [], set()
    for item in pins:
        pin_id = str(item.get("pin_id") or "")
        if not pin_id.isdigit():
            continue
        raw_metrics, raw_status = item.get("metrics"), item.get("data_status")
        metrics: dict[str, Any] = raw_metrics if isinstance(raw_metrics, dict) else {}
        status_map: dict[str, Any] = raw_status if isinstance(raw_status, dict) else {}
        status = str(status_map.get(day.isoformat()) or next(iter(status_map.values()), "UNKNOWN"))
        statuses.add(status)
        rows.append(
            {"pinterest_pin_id": pin_id, **{f: _whole(metrics.get(k)) for k, f in _FIELDS.items()}, "status": status}
        )
    day_status = "READY" if statuses == {"READY"} else (sorted(statuses - {"READY"}) or ["UNKNOWN"])[0]
    return rows, day_status


class EarnedPull:
    def __init__(self, engine: Engine, account_id: int, client: ReachAPI, clock: Clock, tier: str = "trial") -> None:
        self.engine = engine
        self.account_id = account_id
        self.client = client
        self.clock = clock
        self.tier = tier

    def run(self) -> PullResult:
        now = self.clock.now()
        today = now.astimezone(UTC).date()
        result = PullResult()
        left = min(MAX_CALLS, mb.budget_for(self.engine, self.account_id, self.tier, now).calls)
        try:
            for source in SOURCES:
                if left <= 0:
                    break
                left -= self._reach(source, today, now, result)
            lists = [(source, sort_by) for source in SOURCES for sort_by in SORTS] + [(NEW_SOURCE, NEW_LIST)]
            for day in self._top_days(today):
                for source, sort_by in lists:
                    if left <= 0:
                        result.stopped = "the day's analytics budget is spent; the rest waits for tomorrow"
                        return result
                    left -= self._top(source, sort_by, day, now, result)
        except RateLimited as exc:
            result.stopped = f"Pinterest's analytics budget is spent for now ({exc.api_message})"
        except (NotSent, MaybeSent) as exc:
            result.stopped = f"Pinterest could not be reached ({exc.api_message}); nothing is lost"
        return result

    def _spend(self, session: Session, now: datetime, result: PullResult) -> None:
        mb.add_spent(session, self.account_id, now.astimezone(UTC).date(), 1, now)
        result.calls += 1

    def _reach(self, source: str, today: date, now: datetime, result: PullResult) -> int:
        rd = ReachDaily.__table__.c  # type: ignore[attr-defined]
        with session_scope(self.engine) as session:
            last_ready, first_pending, fetched = session.execute(
                sa_select(
                    func.max(rd.day).filter(rd.data_status == "READY"),
                    func.min(rd.day).filter(rd.data_status != "READY"),
                    func.max(rd.fetched_at),
                ).where(rd.account_id == self.account_id, rd.source == source)
            ).one()
        if fetched is not None and fetched.date() >= today:
            return 0
        oldest = today - timedelta(days=mb.LOOKBACK_DAYS)
        starts = [d for d in (last_ready and last_ready + timedelta(days=1), first_pending) if d]
        start = max(oldest, min(starts)) if starts else oldest
        end = today - timedelta(days=1)
        if start > end:
            return 0
        api_source, claimed = SOURCES[source]
        try:
            days = self.client.account_analytics(start, end, source=api_source, claimed=claimed)
        except RequestRejected as exc:
            days = []
            result.errors.append(f"{source} account analytics: {exc}")
        rows = [
            {
                "account_id": self.account_id,
                "day": d.day,
                "source": source,
                **{f: getattr(d, f) for f in ("impressions", "saves", "pin_clicks", "outbound_clicks", "engagement")},
                "data_status": d.data_status[:40],
                "fetched_at": now,
            }
            for d in days
        ]
        with session_scope(self.engine) as session:
            result.reach_days += _upsert(session, ReachDaily, ["account_id", "day", "source"], rows)
            self._spend(session, now, result)
        return 1

    def _top_days(self, today: date) -> list[date]:
        """Days whose top-pins lists are missing or not final, newest first."""
        tl = TopPinList.__table__.c  # type: ignore[attr-defined]
        with session_scope(self.engine) as session:
            ready = set(
                session.execute(
                    sa_select(tl.day)
                    .where(tl.account_id == self.account_id, tl.data_status == "READY")
                    .group_by(tl.day)
                    .having(func.count() >= len(SOURCES) * len(SORTS) + 1)
                ).scalars()
            )
            any_list = session.execute(sa_select(func.count()).where(tl.account_id == self.account_id)).scalar()
        span = REFETCH_DAYS if any_list else BACKFILL_DAYS
        days = [today - timedelta(days=n) for n in range(1, span + 1)]
        return [d for d in days if d not in ready]

    def _top(self, source: str, sort_by: str, day: date, now: datetime, result: PullResult) -> int:
        tl = TopPinList.__table__.c  # type: ignore[attr-defined]
        with session_scope(self.engine) as session:
            done = session.execute(
                sa_select(tl.data_status).where(
                    tl.account_id == self.account_id, tl.day == day, tl.source == source, tl.sort_by == sort_by
                )
            ).scalar()
        if done == "READY":
            return 0
        api_source, claimed = SOURCES["earned" if source == NEW_SOURCE else source]
        recent = "30" if sort_by == NEW_LIST else ""
        try:
            pins = self.client.top_pins(
                sort_by.removesuffix("_NEW"),
                day,
                day,
                TOP_N,
                source=api_source,
                claimed=claimed,
                created_recently=recent,
            )
        except RequestRejected as exc:
            result.errors.append(f"{source} top pins {day}: {exc}")
            with session_scope(self.engine) as session:
                self._spend(session, now, result)
            return 1
        rows, status = top_rows(pins, day)
        metric = SORTS[sort_by.removesuffix("_NEW")]
        pin_rows = [
            {
                "account_id": self.account_id,
                "day": day,
                "source": source,
                "pinterest_pin_id": r["pinterest_pin_id"],
                **{f: r[f] for f in _FIELDS.values()},
                "data_status": r["status"][:40],
                "fetched_at": now,
            }
            for r in rows
        ]
        listing = {
            "account_id": self.account_id,
            "day": day,
            "source": source,
            "sort_by": sort_by,
            "asked": TOP_N,
            "listed": len(rows),
            "cutoff": min((r[metric] for r in rows), default=0),
            "data_status": status[:40],
            "fetched_at": now,
        }
        with session_scope(self.engine) as session:
            keys = ["account_id", "source", "pinterest_pin_id", "day"]
            result.top_rows += _upsert(session, TopPinDaily, keys, pin_rows)
            _upsert(session, TopPinList, ["account_id", "day", "source", "sort_by"], [listing])
            self._spend(session, now, result)
        result.top_days += 1
        return 1
