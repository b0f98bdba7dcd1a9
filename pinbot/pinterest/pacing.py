"""Client-side pacing per Pinterest rate-limit category, persisted so budgets survive restarts.

Owns: the budgets per access tier (trial: per UTC day per category plus 1000 calls a day in all;
standard: per minute), the `ApiUsage` counters (one row per account, category and window, bumped
atomically with INSERT ... ON CONFLICT DO NOTHING then UPDATE ... WHERE calls < limit), the
"blocked until" hints learnt from Pinterest (`Retry-After` on a 429, `X-RateLimit-Remaining: 0`
with `X-RateLimit-Reset`), and the account's spam block (a 429 that mentions spam stops posting
until the owner clears it with `pinbot resume`). Short waits go through the injected `sleep`; a budget that resets
later than `max_wait` raises `BudgetExhausted(retry_after=...)` instead of sleeping for hours.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from pinbot.clock import Clock, as_utc
from pinbot.logs import OWNER
from pinbot.pinterest.errors import BudgetExhausted
from pinbot.store import state
from pinbot.store.db import session_scope
from pinbot.store.models import ApiUsage

log = logging.getLogger(__name__)

ALL = "all"  # the trial tier's universal daily budget, counted beside the category
CATEGORIES = ("org_read", "org_write", "org_analytics")
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
# Sources, and which figures are unconfirmed: docs/pinterest-api.md; Pinterest may change them.
BUDGETS: dict[str, tuple[timedelta, dict[str, int]]] = {
    "trial": (DAY, {"org_read": 1000, "org_write": 300, "org_analytics": 1000, ALL: 1000}),
    "standard": (MINUTE, {"org_read": 1000, "org_write": 100, "org_analytics": 60}),
}
MAX_HINT_SECONDS = 24 * 3600.0  # never trust a hint to block us for longer than a day


def window_start(now: datetime, length: timedelta) -> datetime:
    now = as_utc(now)
    if length >= DAY:
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    return now.replace(second=0, microsecond=0)


class _Spent(Exception):
    """Internal: roll back the counters bumped so far; wait `seconds`."""

    def __init__(self, seconds: float, what: str) -> None:
        self.seconds = seconds
        self.what = what


class Pacer:
    def __init__(
        self,
        engine: Engine,
        account_id: int,
        tier: str,
        clock: Clock,
        sleep: Callable[[float], object] | None = None,
        *,
        max_wait: float = 60.0,
        budgets: Mapping[str, int] | None = None,
    ) -> None:
        self.engine = engine
        self.account_id = account_id
        self.tier = tier
        self.clock = clock
        self.sleep = sleep or clock.sleep
        self.max_wait = max_wait
        self.window, default = BUDGETS[tier]
        self.budgets = dict(budgets) if budgets is not None else dict(default)

    def __repr__(self) -> str:
        return f"Pacer(account_id={self.account_id}, tier={self.tier})"

    def acquire(self, category: str) -> None:
        """Spend one call of `category` (and of the universal budget), waiting briefly if needed."""
        for _ in range(3):
            now = self.clock.now()
            try:
                self._spend(category, now)
                return
            except _Spent as spent:
                if spent.seconds > self.max_wait:
                    raise BudgetExhausted(
                        f"{spent.what}; nothing was sent. It resets in {_human(spent.seconds)}",
                        retry_after=spent.seconds,
                        category=category,
                    ) from None
                # OWNER: a one-off command would otherwise sit silent through the wait.
                log.info("waiting %.0f s: %s", max(1.0, spent.seconds), spent.what, extra=OWNER)
                self.sleep(spent.seconds)
        raise BudgetExhausted(
            f"{category}: still over budget after waiting; nothing was sent",
            retry_after=self.max_wait,
            category=category,
        )

    def _spend(self, category: str, now: datetime) -> None:
        start = window_start(now, self.window)
        reset_in = (start + self.window - now).total_seconds()
        counters = [c for c in (category, ALL) if c in self.budgets]
        with session_scope(self.engine) as session:
            hint = state.read_in(session, self.account_id, state.rate_limit_key(category))
            if hint is not None and hint[0]:
                until = datetime.fromisoformat(hint[0])
                if until > now:
                    raise _Spent((until - now).total_seconds(), f"Pinterest asked pinbot to pause {category} calls")
            for name in counters:
                limit = self.budgets[name]
                self._ensure_row(session, name, start)
                bumped = session.execute(
                    update(ApiUsage)
                    .where(
                        ApiUsage.account_id == self.account_id,  # type: ignore[arg-type]
                        ApiUsage.category == name,  # type: ignore[arg-type]
                        ApiUsage.window_start == start,  # type: ignore[arg-type]
                        ApiUsage.calls < limit,  # type: ignore[arg-type]
                    )
                    .values(calls=ApiUsage.calls + 1)
                )
                if bumped.rowcount != 1:  # type: ignore[attr-defined]
                    per = "day" if self.window >= DAY else "minute"
                    raise _Spent(reset_in, f"{name} budget of the {self.tier} tier ({limit} calls per {per}) is spent")

    def _ensure_row(self, session: Session, category: str, start: datetime) -> None:
        values = {"account_id": self.account_id, "category": category, "window_start": start, "calls": 0}
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(ApiUsage).values(**values).on_conflict_do_nothing()  # type: ignore[attr-defined]
        session.execute(stmt)

    def block(self, category: str, seconds: float) -> None:
        """Pinterest said to wait (429 Retry-After, or no calls remaining): pause the category."""
        seconds = min(max(seconds, 0.0), MAX_HINT_SECONDS)
        if seconds <= 0:
            return
        now = self.clock.now()
        until = (now + timedelta(seconds=seconds)).isoformat()
        with session_scope(self.engine) as session:
            state.write_in(session, self.account_id, state.rate_limit_key(category), until, now)

    def observe(self, category: str, headers: Mapping[str, str]) -> None:
        """Read `X-RateLimit-Remaining` / `X-RateLimit-Reset` when Pinterest sends them."""
        remaining = _number(headers.get("x-ratelimit-remaining"))
        if remaining is None or remaining > 0:
            return
        reset = _number(headers.get("x-ratelimit-reset"))
        now = self.clock.now()
        if reset is None:
            wait = (window_start(now, self.window) + self.window - now).total_seconds()
        elif reset > 1e9:  # an epoch timestamp rather than a number of seconds
            wait = reset - now.timestamp()
        else:
            wait = reset
        self.block(category, wait)

    def usage(self) -> dict[str, tuple[int, int]]:
        """Calls spent in the current window and the budget, per category (for `auth status`)."""
        now = self.clock.now()
        start = window_start(now, self.window)
        with session_scope(self.engine) as session:
            rows = session.exec(
                select(ApiUsage).where(ApiUsage.account_id == self.account_id, ApiUsage.window_start == start)
            ).all()
            spent = {r.category: r.calls for r in rows}
        return {name: (spent.get(name, 0), limit) for name, limit in self.budgets.items()}


def _number(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        return float(raw.strip())
    except ValueError:
        return None


def _human(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
