"""The token store: one account's OAuth tokens in the `Token` table, rotated single-flight.

Owns: seeding the row once from PINTEREST_ACCESS_TOKEN / PINTEREST_REFRESH_TOKEN (after that the
stored tokens win, whatever the environment says), saving a fresh grant after `auth login`, and
the refresh itself. A refresh runs inside one write transaction that locks the token row
(SQLite: the engine's BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE), re-reads the row, skips
the call when another process already rotated the token, and commits the new refresh token
before the new access token is handed to anyone. Holding a transaction across the one HTTP call
to the token endpoint is deliberate: it is the cross-process lock (the call's timeout is short).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from pinbot.clock import Clock, as_utc
from pinbot.config import Secret
from pinbot.logs import register_secrets
from pinbot.pinterest.errors import NotAuthenticated, PinterestError
from pinbot.store.db import session_scope
from pinbot.store.models import Token

log = logging.getLogger(__name__)

# Refresh ahead of time: an access token with less than this left is refreshed before use, and
# a continuous refresh token (60 days) is renewed when it has less than REFRESH_RENEW_BEFORE left.
ACCESS_REFRESH_BEFORE = timedelta(days=1)
REFRESH_RENEW_BEFORE = timedelta(days=7)

Exchange = Callable[[str], Mapping[str, Any]]
T = TypeVar("T")


@dataclass(frozen=True)
class TokenState:
    """A snapshot of the stored tokens. The tokens are `Secret`s: a repr never shows them."""

    access_token: Secret
    refresh_token: Secret
    access_expires_at: datetime | None
    refresh_expires_at: datetime | None
    scopes: tuple[str, ...]
    seeded_from_env: bool
    updated_at: datetime | None = None

    def needs_refresh(self, now: datetime) -> bool:
        """True when the access token is (nearly) expired or the refresh token needs renewing."""
        if self.access_expires_at is not None and self.access_expires_at - now < ACCESS_REFRESH_BEFORE:
            return True
        return (
            bool(self.refresh_token)
            and self.refresh_expires_at is not None
            and self.refresh_expires_at - now < REFRESH_RENEW_BEFORE
        )

    def missing_scopes(self, wanted: str) -> list[str]:
        """Scopes of the comma-separated `wanted` not granted (empty when scopes are unknown)."""
        if not self.scopes:
            return []
        return [s for s in wanted.split(",") if s and s not in self.scopes]


def _parse_scopes(raw: str) -> tuple[str, ...]:
    # Pinterest returns scopes space-separated; we store them comma-separated like SCOPES.
    return tuple(s for s in raw.replace(",", " ").split() if s)


def _state(row: Token) -> TokenState:
    return TokenState(
        access_token=Secret(row.access_token),
        refresh_token=Secret(row.refresh_token),
        access_expires_at=as_utc(row.access_expires_at) if row.access_expires_at else None,
        refresh_expires_at=as_utc(row.refresh_expires_at) if row.refresh_expires_at else None,
        scopes=_parse_scopes(row.scopes),
        seeded_from_env=row.seeded_from_env,
        updated_at=as_utc(row.updated_at) if row.updated_at else None,
    )


def _seconds(payload: Mapping[str, Any], key: str) -> float | None:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


def apply_grant(row: Token, payload: Mapping[str, Any], now: datetime) -> None:
    """Copy a token-endpoint response onto the row. Never replaces a refresh token with an empty one."""
    access = payload.get("access_token")
    if not isinstance(access, str) or not access:
        raise PinterestError("token endpoint answered without an access_token; nothing was stored")
    row.access_token = access
    expires_in = _seconds(payload, "expires_in")
    row.access_expires_at = now + timedelta(seconds=expires_in) if expires_in else None
    refresh = payload.get("refresh_token")
    if isinstance(refresh, str) and refresh:
        row.refresh_token = refresh
        at = _seconds(payload, "refresh_token_expires_at")
        within = _seconds(payload, "refresh_token_expires_in")
        if at:
            row.refresh_expires_at = datetime.fromtimestamp(at, UTC)
        elif within:
            row.refresh_expires_at = now + timedelta(seconds=within)
    scope = payload.get("scope")
    if isinstance(scope, str) and scope.strip():
        row.scopes = ",".join(_parse_scopes(scope))
    row.seeded_from_env = False
    row.updated_at = now
    register_secrets([row.access_token, row.refresh_token])


class TokenStore:
    def __init__(
        self,
        engine: Engine,
        account_id: int,
        clock: Clock,
        *,
        seed_access: Secret | None = None,
        seed_refresh: Secret | None = None,
    ) -> None:
        self.engine = engine
        self.account_id = account_id
        self.clock = clock
        self._seed_access = seed_access or Secret("")
        self._seed_refresh = seed_refresh or Secret("")

    def __repr__(self) -> str:
        return f"TokenStore(account_id={self.account_id})"

    def _row(self, session: Session, *, lock: bool) -> Token | None:
        stmt = select(Token).where(Token.account_id == self.account_id)
        if lock:
            stmt = stmt.with_for_update()
        row = session.exec(stmt).first()
        if row is None and self._seed_access:
            row = Token(
                account_id=self.account_id,
                access_token=self._seed_access.get(),
                refresh_token=self._seed_refresh.get(),
                seeded_from_env=True,
                updated_at=self.clock.now(),
            )
            session.add(row)
            session.flush()
            log.info("token store seeded from the environment for account %s", self.account_id)
        if row is not None:
            register_secrets([row.access_token, row.refresh_token])
        return row

    def _retrying_seed_race(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except IntegrityError:
            # Another process seeded the row between our read and insert; its row wins.
            return fn()

    def load(self) -> TokenState | None:
        """The stored tokens (seeding them from the environment first if no row exists)."""

        def run() -> TokenState | None:
            with session_scope(self.engine) as session:
                row = self._row(session, lock=False)
                return _state(row) if row else None

        return self._retrying_seed_race(run)

    def require(self) -> TokenState:
        state = self.load()
        if state is None or not state.access_token:
            raise NotAuthenticated(
                "no Pinterest token stored for this account: run `pinbot auth login` "
                "(or set PINTEREST_ACCESS_TOKEN to seed one)"
            )
        return state

    def save_grant(self, payload: Mapping[str, Any]) -> TokenState:
        """Store the tokens of a fresh authorization (auth login): they replace whatever was there."""
        now = self.clock.now()
        with session_scope(self.engine) as session:
            row = session.exec(select(Token).where(Token.account_id == self.account_id).with_for_update()).first()
            if row is None:
                row = Token(account_id=self.account_id)
            apply_grant(row, payload, now)
            session.add(row)
            session.flush()
            return _state(row)

    def rotate(
        self,
        exchange: Exchange,
        *,
        stale_access: str | None = None,
        force: bool = False,
    ) -> tuple[TokenState, bool]:
        """Refresh single-flight. Returns (tokens, True if this call refreshed them).

        `stale_access` is the access token a caller just saw rejected: if the stored one differs,
        another process already rotated it and no refresh is made. `force` always refreshes
        (`pinbot auth refresh`); otherwise only a token that `needs_refresh` is refreshed.
        """

        # Seed (if needed) in a transaction of its own, so a failed refresh does not roll it back.
        self.load()

        def run() -> tuple[TokenState, bool]:
            with session_scope(self.engine) as session:
                row = self._row(session, lock=True)
                if row is None or not row.access_token:
                    raise NotAuthenticated("no Pinterest token stored for this account: run `pinbot auth login`")
                now = self.clock.now()
                current = _state(row)
                rejected = stale_access is not None and row.access_token == stale_access
                if not (force or rejected or current.needs_refresh(now)):
                    return current, False
                if not row.refresh_token:
                    raise NotAuthenticated(
                        "no refresh token stored, so the access token cannot be renewed: run `pinbot auth login`"
                    )
                payload = exchange(row.refresh_token)
                apply_grant(row, payload, now)
                session.add(row)
                session.flush()
                log.info("Pinterest tokens refreshed for account %s", self.account_id)
                return _state(row), True
            # Commit (with the new refresh token) happens on leaving the block, before we return.

        return self._retrying_seed_race(run)
