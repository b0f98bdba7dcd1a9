"""Small named values the service and the CLI share through the database (`ServiceState` rows).

The one owner of every key and of how it is read and written; no other module queries the
`ServiceState` table. The keys: `paused` (set by `pinbot pause`, obeyed by a running service),
`spam_block` (Pinterest flagged the account: no posting until the owner runs `pinbot resume`),
`posting_hold` (posting waits until a time, e.g. after a dead token, with the reason), `heartbeat`
(the last tick of a running service, for `pinbot doctor`), the pacer's `ratelimit_until:<category>`,
the metrics sweep's budget counter, account day and multi-pin verdict, and each experiment's plan
and result. Callers that must write a value inside their own transaction use `read_in`/`write_in`
with their session. No transaction here is held across anything slow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, Table, bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from pinbot.clock import as_utc
from pinbot.store.db import read_connection, read_scope, session_scope
from pinbot.store.driver import Sql, hot_connection
from pinbot.store.models import ServiceState

PAUSED = "paused"
SPAM_BLOCK = "spam_block"
POSTING_HOLD = "posting_hold"
HEARTBEAT = "heartbeat"
METRICS_CALLS = "metrics_calls"  # the sweep's analytics calls today
METRICS_ACCOUNT_DAY = "metrics_account_day"  # the last day of account analytics stored
METRICS_MULTI_PIN = "metrics_multi_pin"  # whether the multi-pin endpoint works for this app


def rate_limit_key(category: str) -> str:
    """Pinterest asked pinbot to pause calls of this category until the stored time."""
    return f"ratelimit_until:{category}"


def experiment_plan_key(experiment_id: int | None) -> str:
    assert experiment_id is not None, "a stored experiment has an id"
    return f"experiment:{experiment_id}:plan"


def experiment_result_key(experiment_id: int | None) -> str:
    assert experiment_id is not None, "a stored experiment has an id"
    return f"experiment:{experiment_id}:result"


def experiment_looks_key(experiment_id: int | None) -> str:
    """The sequential test's looks so far (information fractions), so later looks spend alpha right."""
    assert experiment_id is not None, "a stored experiment has an id"
    return f"experiment:{experiment_id}:looks"


def _row(session: Session, account_id: int, key: str) -> ServiceState | None:
    stmt = select(ServiceState).where(ServiceState.account_id == account_id, ServiceState.key == key)
    return session.exec(stmt).first()


def read_in(session: Session, account_id: int, key: str) -> tuple[str, datetime] | None:
    """(value, when written) inside the caller's transaction, or None."""
    row = _row(session, account_id, key)
    return (row.value, as_utc(row.updated_at)) if row is not None else None


def write_in(session: Session, account_id: int, key: str, value: str, now: datetime) -> None:
    """Set a value inside the caller's transaction (it commits or rolls back with the caller's work)."""
    row = _row(session, account_id, key) or ServiceState(account_id=account_id, key=key)
    row.value = value
    row.updated_at = as_utc(now)
    session.add(row)


def delete_in(session: Session, account_id: int, key: str) -> None:
    session.execute(
        delete(ServiceState).where(col(ServiceState.account_id) == account_id, col(ServiceState.key) == key)
    )


def set_value(engine: Engine, account_id: int, key: str, value: str, now: datetime) -> None:
    for tries_left in (1, 0):
        try:
            with session_scope(engine) as session:
                write_in(session, account_id, key, value, now)
            return
        except IntegrityError:
            # Two processes inserted the first row of this key at once (PostgreSQL); update it now.
            if not tries_left:
                raise


def get_value(engine: Engine, account_id: int, key: str) -> tuple[str, datetime] | None:
    with read_scope(engine) as session:
        row = _row(session, account_id, key)
        return (row.value, as_utc(row.updated_at)) if row else None


def clear(engine: Engine, account_id: int, *keys: str) -> int:
    with session_scope(engine) as session:
        stmt = delete(ServiceState).where(col(ServiceState.account_id) == account_id, col(ServiceState.key).in_(keys))
        return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


# -- pause ---------------------------------------------------------------------------------------
def pause(engine: Engine, account_id: int, now: datetime, reason: str = "paused by the owner") -> None:
    set_value(engine, account_id, PAUSED, reason, now)


def resume(engine: Engine, account_id: int) -> list[str]:
    """Clear the pause flag, a spam block and any posting hold; returns what was cleared."""
    cleared = []
    for key in (PAUSED, SPAM_BLOCK, POSTING_HOLD):
        if clear(engine, account_id, key):
            cleared.append(key)
    return cleared


@dataclass(frozen=True)
class PostingGate:
    """Why posting is stopped right now (None fields: not stopped for that reason)."""

    paused: str | None = None
    spam_block: str | None = None
    hold_until: datetime | None = None
    hold_reason: str | None = None

    def blocked(self, now: datetime) -> str | None:
        if self.paused is not None:
            return f"paused ({self.paused}); run `pinbot resume` to post again"
        if self.spam_block is not None:
            return (
                f"Pinterest flagged the account for spam ({self.spam_block}); posting stopped. "
                "Check the account, then run `pinbot resume`"
            )
        if self.hold_until is not None and as_utc(now) < self.hold_until:
            return f"{self.hold_reason}; next try at {self.hold_until:%Y-%m-%d %H:%M} UTC"
        return None


_STATE: Table = ServiceState.__table__  # type: ignore[attr-defined]
# Read on every tick of the service: built once, no ORM session (see `read_connection`).
_GATE = sa_select(_STATE.c.key, _STATE.c.value).where(
    _STATE.c.account_id == bindparam("p_account"), _STATE.c.key.in_((PAUSED, SPAM_BLOCK, POSTING_HOLD))
)
# The same three values as columns of a driver-level SELECT with an `:account` parameter: the
# service's idle check (`pinbot.posting.claim.posting_outlook`) asks them with the next due time in
# one statement; `gate_from_values` reads them.
GATE_COLUMNS = ", ".join(
    f"(SELECT value FROM {_STATE.name} WHERE account_id = :account AND key = '{key}')"
    for key in (PAUSED, SPAM_BLOCK, POSTING_HOLD)
)


def posting_gate(engine: Engine, account_id: int) -> PostingGate:
    """One read of everything that can stop posting."""
    with read_connection(engine) as conn:
        values = {key: value for key, value in conn.execute(_GATE, {"p_account": account_id})}
    return gate_from_values(values.get(PAUSED), values.get(SPAM_BLOCK), values.get(POSTING_HOLD))


def gate_from_values(paused: str | None, spam_block: str | None, hold: str | None) -> PostingGate:
    """The gate from the stored `paused`, `spam_block` and `posting_hold` values (None: not set)."""
    hold_until = hold_reason = None
    if hold is not None:
        try:
            data = json.loads(hold)
            hold_until = as_utc(datetime.fromisoformat(data["until"]))
            hold_reason = str(data.get("reason", "posting on hold"))
        except (ValueError, KeyError, TypeError):
            hold_until, hold_reason = None, None
    return PostingGate(paused, spam_block, hold_until, hold_reason)


def hold_posting(engine: Engine, account_id: int, until: datetime, reason: str, now: datetime) -> None:
    set_value(engine, account_id, POSTING_HOLD, json.dumps({"until": as_utc(until).isoformat(), "reason": reason}), now)


def record_spam_block(engine: Engine, account_id: int, message: str, now: datetime) -> None:
    """Stop posting for the account: Pinterest flagged its activity as spam (the only writer)."""
    set_value(engine, account_id, SPAM_BLOCK, message or "spam block", now)


def spam_block(engine: Engine, account_id: int) -> tuple[datetime, str] | None:
    """(since when, Pinterest's message) while posting is stopped for spam, else None."""
    value = get_value(engine, account_id, SPAM_BLOCK)
    if value is None or not value[0]:
        return None
    return value[1], value[0]


# -- heartbeat -----------------------------------------------------------------------------------
def write_heartbeat(engine: Engine, account_id: int, now: datetime, worker_id: str) -> None:
    """One UPDATE through the driver (the service writes it every few minutes for ever; through the
    ORM it cost 50 times as much client CPU); the account's first beat inserts the row."""
    with hot_connection(engine) as conn:
        beat = conn.count(_HEARTBEAT, {"worker": worker_id, "now": as_utc(now), "account": account_id})
    if not beat:
        set_value(engine, account_id, HEARTBEAT, worker_id, now)


_HEARTBEAT = Sql(
    f"UPDATE {_STATE.name} SET value = :worker, updated_at = :now WHERE account_id = :account AND key = '{HEARTBEAT}'"
)


def read_heartbeat(engine: Engine, account_id: int) -> datetime | None:
    """When a running service last ticked (any worker of the account), or None if never."""
    value = get_value(engine, account_id, HEARTBEAT)
    return value[1] if value else None


def read_heartbeat_detail(engine: Engine, account_id: int) -> tuple[datetime, str] | None:
    """(last tick, worker id) for `pinbot doctor`."""
    value = get_value(engine, account_id, HEARTBEAT)
    return (value[1], value[0]) if value else None
