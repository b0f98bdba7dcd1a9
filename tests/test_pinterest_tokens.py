"""The token store: env seeding, rotation rules, and single-flight refresh across processes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from pinbot.clock import FakeClock
from pinbot.config import Secret
from pinbot.pinterest.errors import InvalidGrant, NotAuthenticated, PinterestError
from pinbot.pinterest.tokens import TokenStore
from pinbot.store import db
from pinbot.store.db import session_scope
from pinbot.store.models import Token
from tests.pinterest_helpers import ACCESS, REFRESH, account_id, token_response


def store(engine: Engine, clock: FakeClock, access: str = ACCESS, refresh: str = REFRESH) -> TokenStore:
    return TokenStore(engine, account_id(engine), clock, seed_access=Secret(access), seed_refresh=Secret(refresh))


def row(engine: Engine) -> Token:
    with session_scope(engine) as session:
        found = session.exec(select(Token)).one()
        session.expunge(found)
        return found


def test_environment_seeds_the_store_once_then_the_stored_tokens_win(engine: Engine, clock: FakeClock) -> None:
    state = store(engine, clock).require()
    assert (state.access_token.get(), state.refresh_token.get(), state.seeded_from_env) == (ACCESS, REFRESH, True)
    store(engine, clock).rotate(lambda _: token_response(1), force=True)
    # A later process still has the old values in its environment: they must not win.
    again = store(engine, clock, access="pina_env_changed", refresh="pinr_env_changed").require()
    assert again.access_token.get() == "pina_rotated_access_0001"
    assert again.refresh_token.get() == "pinr_rotated_refresh_0001"
    assert not again.seeded_from_env


def test_no_token_anywhere_says_log_in(engine: Engine, clock: FakeClock) -> None:
    empty = store(engine, clock, access="", refresh="")
    assert empty.load() is None
    with pytest.raises(NotAuthenticated, match="pinbot auth login"):
        empty.require()
    with pytest.raises(NotAuthenticated):
        empty.rotate(lambda _: token_response(1), force=True)


def test_rotation_stores_tokens_expiries_and_scopes(engine: Engine, clock: FakeClock) -> None:
    seen: list[str] = []

    def exchange(refresh_token: str) -> dict[str, Any]:
        seen.append(refresh_token)
        return token_response(1)

    state, refreshed = store(engine, clock).rotate(exchange, force=True)
    assert refreshed and seen == [REFRESH]
    assert state.access_expires_at == clock.now() + timedelta(days=30)
    assert state.refresh_expires_at == datetime.fromtimestamp(1_900_000_000, UTC)
    assert state.scopes == ("boards:read", "boards:write", "pins:read", "pins:write", "user_accounts:read")
    stored = row(engine)
    assert stored.refresh_token == "pinr_rotated_refresh_0001"
    assert stored.scopes == "boards:read,boards:write,pins:read,pins:write,user_accounts:read"


@pytest.mark.parametrize("refresh_value", [None, ""])
def test_an_empty_refresh_token_never_overwrites_the_stored_one(
    engine: Engine, clock: FakeClock, refresh_value: str | None
) -> None:
    answer = token_response(2, refresh=False)
    if refresh_value is not None:
        answer["refresh_token"] = refresh_value
    s = store(engine, clock)
    s.rotate(lambda _: answer, force=True)
    assert row(engine).refresh_token == REFRESH
    # The reconnect path (auth login) obeys the same rule.
    s.save_grant({**answer, "access_token": "pina_relogin"})
    assert (row(engine).access_token, row(engine).refresh_token) == ("pina_relogin", REFRESH)


def test_a_failed_or_malformed_refresh_changes_nothing(engine: Engine, clock: FakeClock) -> None:
    s = store(engine, clock)
    s.require()

    def dead(_: str) -> dict[str, Any]:
        raise InvalidGrant("grant invalid", code=283)

    with pytest.raises(InvalidGrant):
        s.rotate(dead, force=True)
    with pytest.raises(PinterestError, match="without an access_token"):
        s.rotate(lambda _: {"refresh_token": "pinr_new", "expires_in": 10}, force=True)
    stored = row(engine)
    assert (stored.access_token, stored.refresh_token) == (ACCESS, REFRESH)


def test_refresh_only_when_due_unless_forced(engine: Engine, clock: FakeClock) -> None:
    s = store(engine, clock)
    calls: list[int] = []

    def exchange(_: str) -> dict[str, Any]:
        calls.append(1)
        return token_response(len(calls))

    s.rotate(exchange, force=True)  # access valid 30 days, refresh token until 2030
    assert s.rotate(exchange)[1] is False
    clock.advance(days=29, hours=1)  # less than a day of access left
    assert s.rotate(exchange)[1] is True
    assert len(calls) == 2


def test_a_refresh_token_close_to_expiry_is_renewed(engine: Engine, clock: FakeClock) -> None:
    s = store(engine, clock)
    s.rotate(
        lambda _: token_response(1, refresh_token_expires_at=int(clock.now().timestamp()) + 10 * 86400), force=True
    )
    assert s.require().needs_refresh(clock.now()) is False
    clock.advance(days=4)  # 6 days left on the refresh token, 26 on the access token
    assert s.require().needs_refresh(clock.now()) is True


def test_a_token_another_process_already_rotated_is_not_refreshed_again(engine: Engine, clock: FakeClock) -> None:
    s = store(engine, clock)
    s.rotate(lambda _: token_response(1), force=True)
    calls: list[str] = []
    state, refreshed = s.rotate(lambda r: calls.append(r) or token_response(2), stale_access=ACCESS)
    assert not refreshed and not calls
    assert state.access_token.get() == "pina_rotated_access_0001"


def test_two_processes_hitting_401_refresh_exactly_once(engine: Engine, db_url: str, clock: FakeClock) -> None:
    """Process A refreshes while holding the token row lock; B, blocked meanwhile, then sees the
    rotated token and makes no call. Without the lock B would read the old row and refresh too."""
    store_a = store(engine, clock)
    store_a.require()
    engine_b = db.make_engine(db_url)  # a second engine: its own connections, like another process
    store_b = store(engine_b, clock)
    calls: list[str] = []
    b_started = threading.Event()
    b_result: dict[str, Any] = {}

    def run_b() -> None:
        b_started.set()
        b_result["value"] = store_b.rotate(exchange_b, stale_access=ACCESS)

    def exchange_b(refresh_token: str) -> dict[str, Any]:
        calls.append(f"b:{refresh_token}")
        return token_response(2)

    thread_b = threading.Thread(target=run_b)

    def exchange_a(refresh_token: str) -> dict[str, Any]:
        calls.append(f"a:{refresh_token}")
        thread_b.start()
        assert b_started.wait(5)
        thread_b.join(0.3)  # B must still be waiting for the lock
        assert thread_b.is_alive(), "B got through while A held the token row lock"
        return token_response(1)

    try:
        state_a, refreshed_a = store_a.rotate(exchange_a, stale_access=ACCESS)
        thread_b.join(10)
        assert not thread_b.is_alive()
        assert refreshed_a and calls == [f"a:{REFRESH}"]
        state_b, refreshed_b = b_result["value"]
        assert not refreshed_b
        assert state_b.access_token.get() == state_a.access_token.get() == "pina_rotated_access_0001"
        assert row(engine).refresh_token == "pinr_rotated_refresh_0001"
    finally:
        engine_b.dispose()


def test_token_state_repr_hides_tokens(engine: Engine, clock: FakeClock) -> None:
    state = store(engine, clock).require()
    text = repr(state) + str(state) + repr(row(engine))
    assert ACCESS not in text and REFRESH not in text
