"""Builders shared by the Pinterest client tests: settings, an account, a client on a fake clock."""

from __future__ import annotations

from typing import Any

import responses
from sqlalchemy import Engine

from pinbot.clock import FakeClock
from pinbot.config import Settings
from pinbot.pinterest.client import PinterestClient
from pinbot.store.db import get_or_create_account, session_scope

API = "https://api.pinterest.com/v5"
SANDBOX = "https://api-sandbox.pinterest.com/v5"
ACCESS = "pina_seed_access_token_0001"
REFRESH = "pinr_seed_refresh_token_0001"
APP_ID = "1484000"
APP_SECRET = "app-secret-do-not-show-0001"


def settings(db_url: str = "sqlite://", **env: str) -> Settings:
    base = {
        "PINBOT_DATABASE_URL": db_url,
        "PINTEREST_API_BASE": API,
        "PINTEREST_APP_ID": APP_ID,
        "PINTEREST_APP_SECRET": APP_SECRET,
        "PINTEREST_ACCESS_TOKEN": ACCESS,
        "PINTEREST_REFRESH_TOKEN": REFRESH,
        "PINTEREST_ACCESS_TIER": "standard",
        "PINBOT_TIMEZONE": "UTC",
        "PINBOT_WORKER_ID": "test",
    }
    base.update(env)
    return Settings.from_mapping(base)


def account_id(engine: Engine, name: str = "default") -> int:
    with session_scope(engine) as session:
        account = get_or_create_account(session, name)
        assert account.id is not None
        return account.id


def make_client(engine: Engine, clock: FakeClock, **env: str) -> PinterestClient:
    return PinterestClient(settings(**env), engine, account_id(engine), clock)


def token_response(n: int, *, refresh: bool = True, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": f"pina_rotated_access_{n:04d}",
        "token_type": "bearer",
        "expires_in": 2592000,
        "scope": "boards:read boards:write pins:read pins:write user_accounts:read",
        "response_type": "refresh_token",
    }
    if refresh:
        body.update(
            refresh_token=f"pinr_rotated_refresh_{n:04d}",
            refresh_token_expires_in=5184000,
            refresh_token_expires_at=1_900_000_000,
        )
    body.update(extra)
    return body


def error(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


def bearer(call: responses.Call) -> str:
    return str(call.request.headers.get("Authorization", ""))
