"""`pinbot run` at its edges (issue 12): a database locked as it starts is waited for, not an
exit 5; SIGHUP (a closed terminal, `systemctl reload`) stops it cleanly with a log line."""

from __future__ import annotations

import signal
import sqlite3
import threading
from pathlib import Path

import pytest

from pinbot.store import engine
from tests.conftest import PG_URL, Cli
from tests.killloop_support import KillLoop


@pytest.mark.skipif(bool(PG_URL), reason="an SQLite file lock")
def test_run_waits_for_a_database_locked_at_start(
    initialised_cli: Cli, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 200)  # the real one is 30 s
    path = initialised_cli.env["PINBOT_DATABASE_URL"].split("///", 1)[1]
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # a backup or another tool holding the whole file
    release = threading.Timer(1.0, holder.execute, args=("COMMIT",))
    release.start()
    try:
        result = initialised_cli("run", "--dry-run", "--once")
    finally:
        release.join()
        holder.close()
    assert result.exit_code == 0, result.output
    assert "database not ready at start" in caplog.text


def test_sighup_logs_a_line_and_stops_cleanly(tmp_path: Path) -> None:
    loop = KillLoop.create(tmp_path, seed=3)
    try:
        proc, log = loop.start("hup.log")
        loop.wait_started(proc, log, 0)
        proc.send_signal(signal.SIGHUP)
        assert proc.wait(timeout=20) == 0
        text = log.read_text()
        assert "SIGHUP received" in text and "service stopped" in text and "Traceback" not in text
    finally:
        loop.close()
