"""Shared fixtures. The whole suite runs against SQLite by default, and against PostgreSQL when
PINBOT_TEST_DATABASE_URL is set (CI runs it both ways): each test gets its own fresh database
(a temporary SQLite file, or a fresh PostgreSQL schema)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
from click.testing import CliRunner, Result
from sqlalchemy import Engine, create_engine, text

from pinbot.clock import FakeClock
from pinbot.config import SETTING_DOCS
from pinbot.store import db

REPO = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PINBOT_TEST_DATABASE_URL", "")
# Pinterest's official OpenAPI description (5.23.0, MIT), kept in the repository so that a fresh
# clone runs the spec tests; provenance in tests/data/pinterest/README.md.
OPENAPI_YAML = REPO / "tests" / "data" / "pinterest" / "openapi.yaml"

# Every setting pinbot reads, blanked so a developer's own environment never leaks into tests.
_BLANK_ENV = {name: "" for name in SETTING_DOCS}


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of its own for this test."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'pinbot.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a fresh database migrated to the current schema."""
    eng = db.make_engine(db_url)
    db.migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def shop_dir(tmp_path: Path) -> Path:
    """A working folder like a shop owner's, holding the demo's sample shop (its three boards and
    brand kit) with pinbot's bundled fonts and templates."""
    from pinbot.demo.shop import BOARDS, write_sample_brand

    shop = tmp_path / "shop"
    (shop / "boards").mkdir(parents=True)
    for key, board_text in BOARDS.items():
        (shop / "boards" / f"{key}.toml").write_text(board_text, encoding="utf-8")
    shutil.copytree(REPO / "assets", shop / "assets", ignore=shutil.ignore_patterns("*.example.toml"))
    write_sample_brand(shop / "assets")
    return shop


@pytest.fixture
def cli_env(shop_dir: Path, db_url: str) -> dict[str, str]:
    env = dict(_BLANK_ENV)
    env.update(
        {
            "PINBOT_DATABASE_URL": db_url,
            "PINBOT_DATA_DIR": str(shop_dir / ".pinbot"),
            "PINBOT_BOARDS_DIR": str(shop_dir / "boards"),
            "PINBOT_ASSETS_DIR": str(shop_dir / "assets"),
            "PINBOT_RULES_FILE": str(shop_dir / "pinbot.toml"),
            "PINTEREST_API_BASE": "http://127.0.0.1:9/v5",  # discard port: nothing ever answers
            "PINBOT_WORKER_ID": "test-worker",
        }
    )
    return env


class Cli:
    """Invoke `pinbot` in-process with an isolated environment and working directory."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd

    def __call__(self, *args: str, input: str | None = None, **extra_env: str) -> Result:
        from pinbot.cli import main

        env = {**self.env, **extra_env}
        old = Path.cwd()
        os.chdir(self.cwd)
        try:
            return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)
        finally:
            os.chdir(old)

    def ok(self, *args: str, **kwargs: Any) -> Result:
        result = self(*args, **kwargs)
        assert result.exit_code == 0, f"pinbot {' '.join(args)} -> {result.exit_code}\n{result.output}"
        return result


@pytest.fixture
def cli(cli_env: dict[str, str], shop_dir: Path) -> Cli:
    return Cli(cli_env, shop_dir)


@pytest.fixture
def initialised_cli(cli: Cli) -> Cli:
    cli.ok("init")
    return cli


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """Pinterest over HTTP, answered by registered responses: no request leaves the machine."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
