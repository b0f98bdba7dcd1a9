"""Exactly once through crashes: `pinbot run` subprocesses against the emulator with 429s,
500-after-create, reset-after-create, plain 5xx/resets and slow responses, each killed with SIGKILL
at a random moment and restarted while more pins are queued. Afterwards every queue item exists
exactly once on the emulator. The same loop catches a naive retry-on-error poster."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.killloop_support import KillLoop

CYCLES = int(os.environ.get("PINBOT_KILLLOOP_CYCLES", "50"))


def _run(tmp_path: Path, cycles: int, seed: int, naive: bool = False, db_url: str | None = None) -> KillLoop:
    loop = KillLoop.create(tmp_path, seed=seed, naive=naive, db_url=db_url)
    if naive:
        loop.env["PINBOT_DELETE_DUPLICATES"] = "false"  # the sweep would hide what the naive poster does
    loop.enqueue(10)
    # One more pin per cycle keeps the writes under the 100/min budget: a pacing wait longer than
    # the test's 3 s reconcile grace would void the grace (production: 180 s > 60 s + 65 s).
    loop.run(cycles, add=1)
    return loop


def _check_exactly_once(loop: KillLoop) -> None:
    try:
        # A create-then-error answer while draining: certain to meet a POST, whatever the kills hit.
        assert loop.drain(faults=("http_500_after_create",)) == 0  # graceful SIGTERM exit after the queue drained
        assert loop.duplicates() == {}  # never twice ...
        counts = loop.counts()
        assert counts == {"posted": loop.queued}, counts  # ... and never lost
        on_pinterest = loop.emu.pins_by_marker()
        assert sorted(on_pinterest) == sorted(loop.markers())  # every queue item, once
        assert sum(on_pinterest.values()) == loop.queued
        assert sum(loop.fired.values()) >= loop.kills  # faults really were injected
        print(loop.figures())
    finally:
        loop.close()


def test_kill_loop_posts_every_pin_exactly_once(tmp_path: Path, db_url: str) -> None:
    # On the suite's database: CI runs it on SQLite and again on PostgreSQL.
    _check_exactly_once(_run(tmp_path, CYCLES, seed=11, db_url=db_url))


@pytest.mark.slow
def test_kill_loop_1000_cycles(tmp_path: Path, db_url: str) -> None:
    # Deselected by default (pyproject addopts); about half an hour: `pytest -m slow tests/test_killloop.py`.
    _check_exactly_once(_run(tmp_path, 1000, seed=23, db_url=db_url))


def test_a_naive_retry_on_error_poster_fails_the_kill_loop(tmp_path: Path) -> None:
    # On a busy machine every kill can land before a fault meets a POST; the drain's fault cannot miss.
    loop = _run(tmp_path, 8, seed=5, naive=True)
    try:
        loop.drain(faults=("http_500_after_create",))
        assert loop.duplicates(), "the naive poster should have posted some pin twice"
    finally:
        loop.close()


def _posting_started(loop: KillLoop, log: Path, timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if loop.counts().get("posting"):
            return
        time.sleep(0.02)
    raise AssertionError(f"no pin went to posting:\n{log.read_text()[-2000:]}")


def test_sigterm_finishes_the_pin_in_hand_then_exits_0(tmp_path: Path) -> None:
    import signal

    loop = KillLoop.create(tmp_path, seed=9)
    try:
        loop.enqueue(3)
        loop.emu.inject("latency", seconds=1.5, path="/pins", method="POST")
        proc, log = loop.start("term.log")
        _posting_started(loop, log)
        proc.send_signal(signal.SIGTERM)  # while the slow POST is out
        assert proc.wait(timeout=30) == 0
        assert loop.counts() == {"posted": 1, "queued": 2}  # finished that pin, started no other
        assert "SIGTERM received" in log.read_text()
    finally:
        loop.close()


def test_second_sigterm_exits_at_once(tmp_path: Path) -> None:
    import signal
    import time

    loop = KillLoop.create(tmp_path, seed=10)
    try:
        loop.enqueue(1)
        loop.emu.inject("latency", seconds=5, path="/pins", method="POST")
        proc, log = loop.start("term2.log")
        _posting_started(loop, log)
        proc.send_signal(signal.SIGTERM)
        # The handler only sets a flag (nothing to read from outside); two signals sent back to
        # back could merge into one, so give the first a moment to be handled.
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=3) == 130
        assert loop.counts() == {"posting": 1}  # left for reconcile, never re-posted blindly
    finally:
        loop.close()


def _wait_for(check: object, timeout: float, what: str) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _set_due(loop: KillLoop, delta: timedelta) -> None:
    from sqlalchemy import update

    from pinbot.store import db
    from pinbot.store.models import Pin

    with db.session_scope(loop.engine) as session:
        session.execute(update(Pin).values(due_at=datetime.now(UTC) + delta))


def test_a_worker_frozen_after_its_claim_never_posts_twice(tmp_path: Path, db_url: str) -> None:
    """SIGSTOP a real worker while it waits in the pacer after claiming (a laptop suspend); a second
    worker reconciles, requeues and posts the pin; SIGCONT: the frozen worker's claim is past its
    lease, so it sends nothing. One pin on Pinterest, and the frozen worker says why it held back."""
    import signal

    from pinbot.clock import SystemClock
    from pinbot.pinterest.pacing import Pacer

    loop = KillLoop.create(tmp_path, seed=31, db_url=db_url)
    procs = []
    try:
        loop.enqueue(1)
        _set_due(loop, timedelta(days=1))  # not yet: worker A starts up first (slow on a busy machine)
        frozen, frozen_log = loop.fork("frozen.log")
        procs.append(frozen)
        loop.wait_started(frozen, frozen_log, 0)
        # Writes now wait 5 s for their turn: A claims the pin, then sits in the pacer.
        Pacer(loop.engine, loop.account_id, "standard", SystemClock()).block("org_write", 5.0)
        _set_due(loop, timedelta(0))
        _posting_started(loop, frozen_log)
        # Stopped once it sleeps in the pacer, as a suspend finds it: stopped inside the pacer's
        # short write transaction, it would hold SQLite's write lock for as long as it stays stopped
        # and no process could write at all (the database's limit, not what this test is about).
        _wait_for(lambda: "pause org_write calls" in frozen_log.read_text(), 20, "the worker to wait in the pacer")
        frozen.send_signal(signal.SIGSTOP)
        rescuer, _ = loop.fork("rescuer.log")
        procs.append(rescuer)
        _wait_for(lambda: loop.counts() == {"posted": 1}, 60, "the second worker to post the pin")
        assert sum(loop.emu.pins_by_marker().values()) == 1
        frozen.send_signal(signal.SIGCONT)
        _wait_for(lambda: "claim on this pin is too old" in frozen_log.read_text(), 20, "the frozen worker to wake")
        assert loop.emu.pins_by_marker() == {loop.markers()[0]: 1}  # it held back: nothing to clean up
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        assert loop.duplicates() == {} and sum(loop.emu.pins_by_marker().values()) == 1
        assert loop.counts() == {"posted": 1}
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.kill()
                proc.wait()
        loop.close()
