"""Database trouble gets one clear line and a meaningful exit code, never exit 70 or a traceback
with SQL text, and never a credential (issue 12)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.conftest import Cli

CANARY = "Canary-pw-7f3a9"


def _one_line(result: object) -> str:
    err = getattr(result, "stderr", "")
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "[SQL:" not in err and "unexpected error" not in err
    return lines[0]


def test_a_damaged_sqlite_file_is_one_line(cli: Cli, shop_dir: Path) -> None:
    bad = shop_dir / "broken.db"
    bad.write_bytes(b"this is not a database file at all " * 200)
    for args in (("init",), ("queue", "list")):
        result = cli(*args, PINBOT_DATABASE_URL=f"sqlite:///{bad}")
        assert result.exit_code == 5, result.output
        assert "damaged" in _one_line(result)


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://shop:{CANARY}@db:x@localhost/pinbot",  # an unencoded @ and : in the password
        f"postgresql+psycopg://shop:{CANARY}@localhost:99x/pinbot",
    ],
)
def test_a_malformed_database_url_is_one_line_without_the_password(cli: Cli, url: str) -> None:
    result = cli("init", PINBOT_DATABASE_URL=url)
    assert result.exit_code == 5
    line = _one_line(result)
    assert "not a valid URL" in line and "percent-encoded" in line
    assert CANARY not in result.output and "db:x" not in result.output and "Canary" not in result.output


def test_an_unreachable_server_is_one_line(cli: Cli) -> None:
    result = cli("init", PINBOT_DATABASE_URL="postgresql+psycopg://shop@127.0.0.1:9/pinbot?connect_timeout=2")
    assert result.exit_code == 5
    assert "server unreachable" in _one_line(result)


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://shop@127.0.0.1:9/pinbot?password={CANARY}&connect_timeout=1",
        f"postgresql+psycopg://shop:{CANARY}%40x@127.0.0.1:9/pinbot?connect_timeout=1",
        f"postgresql+psycopg://shop@127.0.0.1:9/pinbot?sslpassword={CANARY}&connect_timeout=1",
    ],
)
def test_doctor_json_masks_every_credential_form(cli: Cli, url: str) -> None:
    result = cli("doctor", "--json", PINBOT_DATABASE_URL=url)
    assert CANARY not in result.output and CANARY not in result.stderr
    shown = json.loads(result.stdout)["settings"]["PINBOT_DATABASE_URL"]
    assert "***" in shown and "127.0.0.1:9/pinbot" in shown


def test_mask_url_and_url_secrets() -> None:
    from pinbot.config import Settings, mask_url

    url = f"postgresql+psycopg://bob:{CANARY}@x:y@db.example:5432/shop?password={CANARY}2&sslmode=require"
    assert mask_url(url) == "postgresql+psycopg://bob:***@db.example:5432/shop?password=***&sslmode=require"
    settings = Settings.from_mapping({"PINBOT_DATABASE_URL": url})
    assert f"{CANARY}@x:y" in settings.secrets and f"{CANARY}2" in settings.secrets
    assert CANARY not in repr(settings)


def test_an_expected_database_error_in_a_job_logs_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    from datetime import UTC, datetime

    from pinbot.clock import FakeClock
    from pinbot.daemon import Daemon
    from pinbot.errors import DatabaseError
    from pinbot.store.db import make_engine

    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    daemon = Daemon(make_engine("sqlite://"), 1, clock, "w", heartbeat=False)

    def locked(_now: datetime) -> None:
        raise DatabaseError("database: locked by another process for too long; try again.")

    daemon.schedule("job", 60, locked)
    with caplog.at_level(logging.ERROR):
        daemon.tick(clock.now())
    (record,) = [r for r in caplog.records if "job job failed" in r.getMessage()]
    assert not record.exc_info and "locked" in record.getMessage()


PG_URL = __import__("os").environ.get("PINBOT_TEST_DATABASE_URL", "")
pg_only = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (PINBOT_TEST_DATABASE_URL)")


def _database_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pg_only
def test_a_missing_database_is_told_apart_from_an_unreachable_server(cli: Cli) -> None:
    result = cli("init", PINBOT_DATABASE_URL=_database_url("pinbot_no_such_db"))
    assert result.exit_code == 5
    line = _one_line(result)
    assert "does not exist" in line and "unreachable" not in line


@pg_only
def test_four_init_at_once_on_postgresql_all_succeed(cli: Cli, tmp_path: Path) -> None:
    import subprocess
    import sys
    import uuid

    from sqlalchemy import create_engine, text

    name = f"pinbot_init_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        env = {**__import__("os").environ, **cli.env, "PINBOT_DATABASE_URL": _database_url(name)}
        env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "pinbot.cli", "init"],
                env=env,
                cwd=cli.cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(4)
        ]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0, 0], [o[1].decode()[-500:] for o in outs]
    finally:
        admin.dispose()
        cleanup = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with cleanup.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        cleanup.dispose()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("disk I/O error", "I/O error (full, failing or removed?)"),
        ("database or disk is full", "the disk is full"),
        ("file is not a database", "damaged"),
        ("attempt to write a readonly database", "read-only"),
        ('connection failed: FATAL:  database "shop" does not exist', "does not exist"),
        ("connection failed: Connection refused", "server unreachable"),
    ],
)
def test_database_errors_read_as_what_to_do(raw: str, expected: str) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from pinbot.store.db import describe_db_error

    exc = OperationalError("INSERT INTO pin (title) VALUES (?)", ("x",), sqlite3.OperationalError(raw))
    text = describe_db_error(exc)
    assert expected in text and "INSERT" not in text and "\n" not in text
