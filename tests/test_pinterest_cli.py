"""`pinbot auth login|refresh|status` and `pinbot boards sync`, run in-process against `responses`."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import responses
from sqlmodel import select

from pinbot.store import db
from pinbot.store.models import Board, Token
from tests.conftest import Cli
from tests.pinterest_helpers import ACCESS, API, APP_ID, APP_SECRET, REFRESH, error, token_response

ENV = {
    "PINTEREST_API_BASE": API,
    "PINTEREST_APP_ID": APP_ID,
    "PINTEREST_APP_SECRET": APP_SECRET,
    "PINTEREST_ACCESS_TIER": "standard",
}
SEEDED = {**ENV, "PINTEREST_ACCESS_TOKEN": ACCESS, "PINTEREST_REFRESH_TOKEN": REFRESH}


@pytest.fixture
def shop(initialised_cli: Cli) -> Cli:
    return initialised_cli


def tokens(db_url: str) -> Token | None:
    engine = db.make_engine(db_url)
    try:
        with db.session_scope(engine) as session:
            return session.exec(select(Token)).first()
    finally:
        engine.dispose()


def test_status_before_login(shop: Cli) -> None:
    result = shop.ok("auth", "status", **ENV)
    assert "not connected; run `pinbot auth login`" in result.output
    data = json.loads(shop.ok("auth", "status", "--json", **ENV).stdout)
    assert data["authenticated"] is False
    assert data["missing_scopes"] == ["user_accounts:read", "boards:read", "boards:write", "pins:read", "pins:write"]


def test_login_with_a_code_stores_tokens_and_status_shows_them(
    shop: Cli, rsps: responses.RequestsMock, db_url: str
) -> None:
    rsps.post(f"{API}/oauth/token", json=token_response(1, response_type="authorization_code"))
    rsps.get(f"{API}/user_account", json={"username": "clayshop", "id": "4242"})
    result = shop.ok("auth", "login", "--code", "abc123", **ENV)
    assert "connected as @clayshop" in result.output
    stored = tokens(db_url)
    assert stored is not None and stored.refresh_token == "pinr_rotated_refresh_0001"
    data = json.loads(shop.ok("auth", "status", "--json", **ENV).stdout)
    assert data["username"] == "clayshop" and data["authenticated"] and not data["seeded_from_env"]
    assert data["missing_scopes"] == [] and "pins:write" in data["scopes"]
    assert data["access_expires_at"] and data["refresh_expires_at"].startswith("2030-03-17")
    assert set(data["usage"]) == {"org_read", "org_write", "org_analytics"}
    # The text says what each of Pinterest's limits is for, not "budget org_write 0/300 this window".
    status = shop.ok("auth", "status", **ENV).output
    assert "org_" not in status and "this window" not in status
    assert (
        "posting        0 of " in status and "requests Pinterest allows in the last minute" in status
    )  # standard tier
    text = result.output + json.dumps(data)
    assert "pina_rotated_access_0001" not in text and "pinr_rotated_refresh_0001" not in text


def test_login_by_pasting_the_redirect_url(
    shop: Cli, rsps: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pinbot.cli.auth_cmds.new_state", lambda: "fixed-state")
    rsps.post(f"{API}/oauth/token", json=token_response(1))
    rsps.get(f"{API}/user_account", json={"username": "clayshop"})
    pasted = "http://127.0.0.1:8085/callback?code=pasted-code&state=fixed-state\n"
    result = shop.ok("auth", "login", "--paste", input=pasted, **ENV)
    assert "https://www.pinterest.com/oauth/?client_id=1484000" in result.output
    assert "connected as @clayshop" in result.output
    forged = shop("auth", "login", "--paste", input=pasted.replace("fixed-state", "forged"), **ENV)
    assert forged.exit_code == 2 and "state: does not match" in forged.output
    assert "Traceback" not in forged.output
    assert len(rsps.calls) == 2  # the forged callback was never exchanged


def test_login_waits_for_the_callback_then_times_out(shop: Cli) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    redirect = f"http://127.0.0.1:{port}/callback"
    result = shop("auth", "login", "--no-browser", "--timeout", "0.01", PINTEREST_REDIRECT_URI=redirect, **ENV)
    assert result.exit_code == 6
    assert "no OAuth callback arrived" in result.output and "--paste" in result.output


def test_refresh_and_refresh_if_due(shop: Cli, rsps: responses.RequestsMock, db_url: str) -> None:
    rsps.post(f"{API}/oauth/token", json=token_response(5))
    data = json.loads(shop.ok("auth", "refresh", "--json", **SEEDED).stdout)
    assert data["refreshed"] is True
    stored = tokens(db_url)
    assert stored is not None and stored.access_token == "pina_rotated_access_0005"
    again = json.loads(shop.ok("auth", "refresh", "--if-due", "--json", **SEEDED).stdout)
    assert again["refreshed"] is False
    assert len(rsps.calls) == 1


def test_refresh_with_a_dead_grant_is_one_clear_line(shop: Cli, rsps: responses.RequestsMock, db_url: str) -> None:
    rsps.post(f"{API}/oauth/token", status=400, json=error(283, "The authorization grant is invalid"))
    result = shop("auth", "refresh", **SEEDED)
    assert result.exit_code == 6
    assert result.stderr.strip().count("\n") == 0
    assert "run `pinbot auth login` again" in result.stderr and "Traceback" not in result.output
    stored = tokens(db_url)
    assert stored is not None and stored.refresh_token == REFRESH  # nothing was lost


def _boards(db_url: str) -> dict[str, str | None]:
    engine = db.make_engine(db_url)
    try:
        with db.session_scope(engine) as session:
            return {b.key: b.pinterest_board_id for b in session.exec(select(Board)).all()}
    finally:
        engine.dispose()


def test_boards_sync_links_by_name_creates_the_rest_and_never_deletes(
    shop: Cli, rsps: responses.RequestsMock, db_url: str
) -> None:
    existing = {"items": [{"id": "700", "name": "ceramic mugs & planters"}, {"id": "701", "name": "Other"}]}
    rsps.get(f"{API}/boards", json={**existing, "bookmark": None})
    plan = shop.ok("boards", "sync", "--dry-run", **SEEDED).output
    assert "\n  link    ceramics" in plan and plan.count("\n  create  ") == 2
    assert _boards(db_url) == {}
    assert [c.request.method for c in rsps.calls] == ["GET"]

    rsps.post(f"{API}/boards", json={"id": "801", "name": "DIY Craft Tutorials"}, status=201)
    rsps.post(f"{API}/boards", json={"id": "802", "name": "Handmade Jewelry"}, status=201)
    refused = shop("boards", "sync", **SEEDED)  # not a terminal and no --yes: nothing is created
    assert refused.exit_code == 1 and "2 boards not created; run `pinbot boards sync --yes`" in refused.output
    assert not [c for c in rsps.calls if c.request.method == "POST"]
    assert _boards(db_url) == {"ceramics": "700"}  # linking an existing board is safe and was done
    done = json.loads(shop.ok("boards", "sync", "--yes", "--json", **SEEDED).stdout)
    assert {s["key"]: (s["action"], s["pinterest_board_id"]) for s in done["steps"]} == {
        "ceramics": ("ok", "700"),
        "diy-craft-tutorials": ("create", "801"),
        "handmade-jewelry": ("create", "802"),
    }
    assert _boards(db_url) == {"ceramics": "700", "diy-craft-tutorials": "801", "handmade-jewelry": "802"}
    posted = [json.loads(c.request.body) for c in rsps.calls if c.request.method == "POST"]
    assert posted[0] == {
        "name": "DIY Craft Tutorials",
        "privacy": "PUBLIC",
        "description": posted[0]["description"],
    }
    assert not [c for c in rsps.calls if c.request.method in ("DELETE", "PATCH")]

    rsps.replace(
        responses.GET,
        f"{API}/boards",
        json={
            "items": [*existing["items"], {"id": "801", "name": "DIY Craft Tutorials"}, {"id": "802", "name": "x"}],
            "bookmark": None,
        },
    )
    rerun = shop.ok("boards", "sync", **SEEDED).output
    assert rerun.count("\n  ok      ") == 3
    assert len([c for c in rsps.calls if c.request.method == "POST"]) == 2


def test_boards_sync_failure_half_way_keeps_what_was_done(
    shop: Cli, rsps: responses.RequestsMock, db_url: str, shop_dir: Path
) -> None:
    rsps.get(f"{API}/boards", json={"items": [], "bookmark": None})
    rsps.post(f"{API}/boards", json={"id": "900", "name": "Ceramic Mugs & Planters"}, status=201)
    rsps.post(f"{API}/boards", status=400, json=error(400, "Invalid board name"))
    result = shop("boards", "sync", "--yes", **SEEDED)
    assert result.exit_code == 6 and "Invalid board name" in result.output
    assert _boards(db_url) == {"ceramics": "900"}  # the created board is linked; a rerun will not duplicate it


def test_boards_sync_without_a_token_says_log_in(shop: Cli) -> None:
    result = shop("boards", "sync", **ENV)
    assert result.exit_code == 6 and "pinbot auth login" in result.output
