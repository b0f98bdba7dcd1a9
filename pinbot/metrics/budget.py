"""Which pins the metrics sweep asks about today, and how many analytics calls it may spend.

Owns the cadence (fresh pins daily, 15-60 day old pins every 3 days, older pins weekly, and any
pin whose provisional days should have settled by now), the priority when the budget is short
(experiment pins first, then the freshest), each pin's fetch window (from the first day not yet
READY, within Pinterest's 90-day look-back, up to yesterday since today's numbers are partial),
and the call budget per access tier:

- trial: 1,000 calls a day for everything. The sweep keeps to its own share (700) and leaves
  200 calls of the day's universal budget to posting, board reads and token refreshes.
- standard: 60 analytics calls a minute. The client paces itself; the sweep stops after an hour's
  worth of calls (3,600) so that one sweep never runs all day.
Pure functions plus two small reads/writes of the counters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from pinbot.store import state as stored_values
from pinbot.store.db import session_scope
from pinbot.store.models import ApiUsage

LOOKBACK_DAYS = 89  # Pinterest: start_date at most 90 days before today; one day of slack for clocks
FRESH_DAYS = 14
MIDDLE_DAYS = 60
SETTLE_DAYS = 3  # a day still not READY this long after the fact is fetched daily, whatever the cadence
TRIAL_DAILY_TOTAL = 1000
TRIAL_METRICS_SHARE = 700
TRIAL_RESERVE = 200
STANDARD_SWEEP_CALLS = 3600
MULTI_PIN_MAX = 100


def cadence_days(age_days: int) -> int:
    """How often a pin of this age is fetched."""
    if age_days <= FRESH_DAYS:
        return 1
    if age_days <= MIDDLE_DAYS:
        return 3
    return 7


@dataclass(frozen=True)
class PinState:
    """What the sweep knows about one posted pin before deciding."""

    pin_id: int
    pinterest_pin_id: str
    posted_on: date
    last_fetch_day: date | None
    last_ready_day: date | None
    first_pending_day: date | None  # earliest stored day that is not READY
    in_experiment: bool = False


@dataclass(frozen=True)
class DuePin:
    state: PinState
    start: date
    end: date
    reason: str


def first_needed_day(state: PinState, today: date, since: date | None = None) -> date:
    start = state.posted_on
    if since is not None:
        start = max(start, since)
    else:
        candidates = []
        if state.last_ready_day is not None:
            candidates.append(state.last_ready_day + timedelta(days=1))
        if state.first_pending_day is not None:
            candidates.append(state.first_pending_day)
        if candidates:
            start = max(start, min(candidates))
    return max(start, today - timedelta(days=LOOKBACK_DAYS))


def due_reason(state: PinState, today: date, since: date | None = None) -> str | None:
    """Why the pin should be fetched today, or None. Never twice in one UTC day."""
    if state.last_fetch_day is not None and state.last_fetch_day >= today:
        return None
    if since is not None:
        return "requested"
    if state.last_fetch_day is None:
        return "new"
    # Provisional days are normally refetched at the next cadence fetch (the window starts at them);
    # a day that was still provisional long after the fact is asked about again every day.
    if state.first_pending_day is not None and (state.last_fetch_day - state.first_pending_day).days >= SETTLE_DAYS:
        return "unsettled"
    age = (today - state.posted_on).days
    if (today - state.last_fetch_day).days >= cadence_days(age):
        return "fresh" if age <= FRESH_DAYS else "cadence"
    return None


def select_due(states: list[PinState], today: date, since: date | None = None) -> list[DuePin]:
    """Due pins with a non-empty window, most valuable first."""
    end = today - timedelta(days=1)
    due = []
    for state in states:
        reason = due_reason(state, today, since)
        if reason is None:
            continue
        start = first_needed_day(state, today, since)
        if start > end:
            continue
        due.append(DuePin(state, start, end, reason))
    # Experiment pins first (their verdict waits on them), then the freshest, then the longest unfetched.
    due.sort(
        key=lambda d: (
            not d.state.in_experiment,
            -d.state.posted_on.toordinal(),
            d.state.last_fetch_day or date.min,
            d.state.pin_id,
        )
    )
    return due


def next_day_start(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(0, 0), tzinfo=UTC)


def spent_today(session: Session, account_id: int, today: date) -> int:
    stored = stored_values.read_in(session, account_id, stored_values.METRICS_CALLS)
    if stored is None:
        return 0
    try:
        data = json.loads(stored[0])
        return int(data["calls"]) if data.get("day") == today.isoformat() else 0
    except (ValueError, KeyError, TypeError):
        return 0


def add_spent(session: Session, account_id: int, today: date, calls: int, now: datetime) -> None:
    """Count calls in the sweep's own daily counter (same transaction as the rows they produced)."""
    total = spent_today(session, account_id, today) + calls
    counter = json.dumps({"day": today.isoformat(), "calls": total})
    stored_values.write_in(session, account_id, stored_values.METRICS_CALLS, counter, now)


def _client_usage_today(session: Session, account_id: int, now: datetime) -> dict[str, int]:
    """Calls the client's pacer counted in today's trial window (empty if it keeps no counters)."""
    start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = session.exec(
        select(ApiUsage).where(ApiUsage.account_id == account_id, col(ApiUsage.window_start) == start)
    ).all()
    return {r.category: r.calls for r in rows}


@dataclass(frozen=True)
class Budget:
    calls: int  # calls this sweep may make
    limit: int  # the sweep's own limit for the period
    period: str


def budget_for(engine: Engine, account_id: int, tier: str, now: datetime) -> Budget:
    today = now.astimezone(UTC).date()
    with session_scope(engine) as session:
        mine = spent_today(session, account_id, today)
        usage = _client_usage_today(session, account_id, now) if tier == "trial" else {}
    if tier == "standard":
        return Budget(STANDARD_SWEEP_CALLS, STANDARD_SWEEP_CALLS, "sweep")
    left = TRIAL_METRICS_SHARE - mine
    left = min(left, TRIAL_DAILY_TOTAL - TRIAL_RESERVE - usage.get("all", 0))
    left = min(left, TRIAL_DAILY_TOTAL - usage.get("org_analytics", 0))
    return Budget(max(0, left), TRIAL_METRICS_SHARE, "day")
