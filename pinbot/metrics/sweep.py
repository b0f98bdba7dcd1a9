"""The daily metrics sweep: ask Pinterest about the pins that need it, store one row per pin per day.

Owns: reading the posted pins' state, spending the analytics budget (see `metrics/budget.py`) on the
most valuable pins, the multi-pin endpoint when the app has it (100 pins a call, remembered for a
week when it has not), the idempotent upserts (a READY row is never overwritten by a provisional
one; history older than Pinterest's 90 days is never touched), the daily account snapshot, and a
clean stop with a message when the budget or the client's own pacing says so. Called by
`pinbot metrics pull` and by the service's daily job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, case, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from pinbot.clock import Clock, as_utc
from pinbot.experiments.status import evaluate
from pinbot.metrics import budget as mb
from pinbot.pinterest.errors import (
    FeatureUnavailable,
    MaybeSent,
    NotSent,
    RateLimited,
    RequestRejected,
)
from pinbot.pinterest.types import DailyMetrics, PinterestAPI
from pinbot.store import state
from pinbot.store.db import session_scope
from pinbot.store.models import AccountMetricDaily, Pin, PinMetricDaily, PinStatus
from pinbot.store.tables import AMD, PIN, PMD
from pinbot.words import plural

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
_PIN_FIELDS = ("impressions", "saves", "pin_clicks", "outbound_clicks")
_ACCOUNT_FIELDS = (*_PIN_FIELDS, "engagement")
MULTI_RETRY_DAYS = 7


@dataclass
class SweepResult:
    pins_due: int = 0
    pins_fetched: int = 0
    calls_used: int = 0
    rows_upserted: int = 0
    account_rows: int = 0
    budget_left: int = 0
    pins_left: int = 0
    multi_pin: bool = False
    next_sweep_at: datetime | None = None
    stopped: str | None = None  # why the sweep ended early, in words
    errors: list[str] = field(default_factory=list)
    experiments_finished: list[str] = field(default_factory=list)

    def message(self) -> str:
        done = (
            f"metrics: {self.pins_fetched} of {self.pins_due} due pins fetched with {self.calls_used} calls "
            f"({'multi-pin' if self.multi_pin else 'one pin a call'}), {self.rows_upserted} daily rows stored"
        )
        if self.account_rows:
            done += f", {self.account_rows} account days"
        parts = [done]
        if self.stopped:
            parts.append(f"stopped: {self.stopped}")
        if self.pins_left:
            parts.append(f"{plural(self.pins_left, 'pin')} wait for the next sweep")
        if self.experiments_finished:
            parts.append(f"experiments with a verdict: {', '.join(self.experiments_finished)}")
        if self.next_sweep_at:
            parts.append(f"next sweep at {self.next_sweep_at:%Y-%m-%d %H:%M} UTC")
        return "; ".join(parts)

    def as_dict(self) -> dict[str, object]:
        return {
            "pins_due": self.pins_due,
            "pins_fetched": self.pins_fetched,
            "calls_used": self.calls_used,
            "rows_upserted": self.rows_upserted,
            "account_rows": self.account_rows,
            "budget_left": self.budget_left,
            "pins_left": self.pins_left,
            "multi_pin": self.multi_pin,
            "next_sweep_at": self.next_sweep_at.isoformat() if self.next_sweep_at else None,
            "stopped": self.stopped,
            "errors": self.errors,
            "experiments_finished": self.experiments_finished,
        }


def _insert_for(session: Session) -> Callable[..., object]:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def upsert_pin_days(session: Session, pin_id: int, days: Iterable[DailyMetrics], now: datetime) -> int:
    """Insert or update one row per (pin, day); a READY row is never replaced by a provisional one."""
    rows = [
        {
            "pin_id": pin_id,
            "day": d.day,
            "impressions": d.impressions,
            "saves": d.saves,
            "pin_clicks": d.pin_clicks,
            "outbound_clicks": d.outbound_clicks,
            "data_status": d.data_status[:40],
            "fetched_at": now,
        }
        for d in days
    ]
    return _upsert(session, PinMetricDaily, ["pin_id", "day"], rows, (*_PIN_FIELDS, "data_status", "fetched_at"))


def upsert_account_days(session: Session, account_id: int, days: Iterable[DailyMetrics], now: datetime) -> int:
    rows = [
        {
            "account_id": account_id,
            "day": d.day,
            **{name: getattr(d, name) for name in _ACCOUNT_FIELDS},
            "data_status": d.data_status[:40],
            "fetched_at": now,
        }
        for d in days
    ]
    return _upsert(
        session, AccountMetricDaily, ["account_id", "day"], rows, (*_ACCOUNT_FIELDS, "data_status", "fetched_at")
    )


def _upsert(session: Session, model: type, keys: list[str], rows: list[dict[str, object]], cols: Sequence[str]) -> int:
    if not rows:
        return 0
    table = model.__table__  # type: ignore[attr-defined]
    stmt = _insert_for(session)(table)
    stmt = stmt.on_conflict_do_update(  # type: ignore[attr-defined]
        index_elements=keys,
        set_={name: stmt.excluded[name] for name in cols},  # type: ignore[attr-defined]
        where=or_(table.c.data_status != "READY", stmt.excluded.data_status == "READY"),  # type: ignore[attr-defined]
    )
    session.execute(stmt, rows)
    return len(rows)


class MetricsService:
    def __init__(
        self,
        engine: Engine,
        account_id: int,
        client: PinterestAPI,
        clock: Clock,
        tier: str = "trial",
        progress: Progress | None = None,
    ) -> None:
        self.engine = engine
        self.account_id = account_id
        self.client = client
        self.clock = clock
        self.tier = tier
        self.progress = progress

    # -- reading state ---------------------------------------------------------------------
    def pin_states(self, today: date) -> list[mb.PinState]:
        horizon = today - timedelta(days=mb.LOOKBACK_DAYS + 1)
        with session_scope(self.engine) as session:
            pmd, pin = PMD.c, PIN.c
            pins = session.execute(
                sa_select(
                    pin.id, pin.pinterest_pin_id, pin.posted_at, pin.metrics_fetched_at, pin.experiment_variant_id
                )
                .where(pin.account_id == self.account_id, pin.status == PinStatus.posted.value)
                .where(pin.pinterest_pin_id.is_not(None))
            ).all()
            stored = session.execute(
                sa_select(
                    pmd.pin_id,
                    func.max(case((pmd.data_status == "READY", pmd.day))),
                    func.min(case((pmd.data_status != "READY", pmd.day))),
                )
                .join_from(PMD, PIN, pin.id == pmd.pin_id)
                .where(pin.account_id == self.account_id, pmd.day >= horizon)
                .group_by(pmd.pin_id)
            ).all()
        known = {pin_id: (ready, pending) for pin_id, ready, pending in stored}
        states = []
        for pin_id, remote_id, posted_at, fetched_at, variant_id in pins:
            if pin_id is None or not remote_id:
                continue
            ready, pending = known.get(pin_id, (None, None))
            posted_on = as_utc(posted_at).date() if posted_at else today
            states.append(
                mb.PinState(
                    pin_id=pin_id,
                    pinterest_pin_id=remote_id,
                    posted_on=posted_on,
                    last_fetch_day=as_utc(fetched_at).date() if fetched_at else None,
                    last_ready_day=_as_date(ready),
                    first_pending_day=_as_date(pending),
                    in_experiment=variant_id is not None,
                )
            )
        return states

    def _multi_available(self, now: datetime) -> bool:
        stored = state.get_value(self.engine, self.account_id, state.METRICS_MULTI_PIN)
        if stored is None or stored[0] != "unavailable":
            return True
        return stored[1] + timedelta(days=MULTI_RETRY_DAYS) <= now

    def _remember(self, key: str, value: str, now: datetime) -> None:
        state.set_value(self.engine, self.account_id, key, value, now)

    # -- the sweep -------------------------------------------------------------------------
    def sweep(self, since: date | None = None) -> SweepResult:
        now = self.clock.now()
        today = now.astimezone(UTC).date()
        result = SweepResult()
        budget = mb.budget_for(self.engine, self.account_id, self.tier, now)
        left = budget.calls
        due = mb.select_due(self.pin_states(today), today, since)
        result.pins_due = len(due)
        try:
            left -= self._account_snapshot(today, now, left, result)
            use_multi = self._multi_available(now)
            done = 0
            queue = list(due)
            while queue and left > 0:
                if use_multi:
                    batch = queue[: mb.MULTI_PIN_MAX]
                    try:
                        data = self.client.multi_pin_analytics(
                            [d.state.pinterest_pin_id for d in batch], min(d.start for d in batch), batch[0].end
                        )
                    except FeatureUnavailable:
                        use_multi = False
                        self._remember(state.METRICS_MULTI_PIN, "unavailable", now)
                        log.info("multi-pin analytics not available to this app; one call per pin")
                        continue
                    result.multi_pin = True
                    self._store(batch, data, today, now, result)
                else:
                    batch = queue[:1]
                    item = batch[0]
                    try:
                        days = self.client.pin_analytics(item.state.pinterest_pin_id, item.start, item.end)
                    except RequestRejected as exc:
                        days = []
                        result.errors.append(f"pin {item.state.pin_id}: {exc}")
                    self._store(batch, {item.state.pinterest_pin_id: days}, today, now, result)
                left -= 1
                queue = queue[len(batch) :]
                done += len(batch)
                if self.progress:
                    self.progress(done, len(due))
            if queue and left <= 0:
                result.stopped = (
                    f"the {budget.period}'s analytics budget is spent ({budget.limit} calls for metrics)"
                    if budget.period == "day"
                    else f"this sweep's limit of {budget.limit} calls is reached"
                )
                result.next_sweep_at = mb.next_day_start(now) if budget.period == "day" else now + timedelta(hours=1)
        except RateLimited as exc:
            result.stopped = f"Pinterest's analytics budget is spent for now ({exc.api_message})"
            result.next_sweep_at = self.clock.now() + timedelta(seconds=max(exc.retry_after, 60))
        except (NotSent, MaybeSent) as exc:
            result.stopped = f"Pinterest could not be reached ({exc.api_message}); nothing is lost"
            result.next_sweep_at = self.clock.now() + timedelta(hours=1)
        result.pins_left = result.pins_due - result.pins_fetched
        result.budget_left = max(0, left)
        # Experiments whose plan the new rows complete get their (single) verdict now, so that an
        # auto-applied winner reaches the planner without anyone running `experiment status`.
        statuses = evaluate(self.engine, self.account_id, self.clock.now())
        result.experiments_finished = [s.name for s in statuses if s.just_finished]
        if result.next_sweep_at is None:
            result.next_sweep_at = mb.next_day_start(now)
        return result

    def _store(
        self,
        batch: list[mb.DuePin],
        by_remote: dict[str, list[DailyMetrics]],
        today: date,
        now: datetime,
        result: SweepResult,
    ) -> None:
        ids = [d.state.pin_id for d in batch]
        with session_scope(self.engine) as session:
            for item in batch:
                days = [
                    d
                    for d in by_remote.get(item.state.pinterest_pin_id, [])
                    if d.day >= item.state.posted_on and d.day <= item.end
                ]
                result.rows_upserted += upsert_pin_days(session, item.state.pin_id, days, now)
            session.execute(update(Pin).where(col(Pin.id).in_(ids)).values(metrics_fetched_at=now))
            mb.add_spent(session, self.account_id, today, 1, now)
        result.calls_used += 1
        result.pins_fetched += len(batch)

    def _account_snapshot(self, today: date, now: datetime, left: int, result: SweepResult) -> int:
        """Once a UTC day: the account's own daily numbers. Returns the calls spent (0 or 1)."""
        if left <= 0:
            return 0
        with session_scope(self.engine) as session:
            stored = state.read_in(session, self.account_id, state.METRICS_ACCOUNT_DAY)
            if stored is not None and stored[0] == today.isoformat():
                return 0
            amd = AMD.c
            last_ready, first_pending = session.execute(
                sa_select(
                    func.max(case((amd.data_status == "READY", amd.day))),
                    func.min(case((amd.data_status != "READY", amd.day))),
                ).where(amd.account_id == self.account_id)
            ).one()
        oldest = today - timedelta(days=mb.LOOKBACK_DAYS)
        candidates = [d for d in (_next_day(_as_date(last_ready)), _as_date(first_pending)) if d is not None]
        start = max(oldest, min(candidates)) if candidates else oldest
        end = today - timedelta(days=1)
        if start > end:
            return 0
        try:
            days = self.client.account_analytics(start, end)
        except RequestRejected as exc:
            # Not worth losing the pins' sweep over; tomorrow's sweep asks again.
            result.errors.append(f"account analytics: {exc}")
            with session_scope(self.engine) as session:
                mb.add_spent(session, self.account_id, today, 1, now)
            result.calls_used += 1
            return 1
        with session_scope(self.engine) as session:
            result.account_rows = upsert_account_days(session, self.account_id, days, now)
            mb.add_spent(session, self.account_id, today, 1, now)
            state.write_in(session, self.account_id, state.METRICS_ACCOUNT_DAY, today.isoformat(), now)
        result.calls_used += 1
        return 1


def _as_date(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _next_day(value: date | None) -> date | None:
    return value + timedelta(days=1) if value else None
