"""Exactly once through crashes: `pinbot run` subprocesses against the emulator with 429s,
500-after-create, reset-after-create, plain 5xx/resets and slow responses, each killed with SIGKILL
at a random moment and restarted while more pins are queued. Afterwards every queue item exists
exactly once on the emulator. The same loop catches a naive retry-on-error poster."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.killloop_support import KillLoop

CYCLES = int(os.environ.get("PINBOT_KILLLOOP_CYCLES", "50"))


def _run(tmp_path: Path, cycles: int, seed: int, naive: bool = False) -> KillLoop:
    loop = KillLoop.create(tmp_path, seed=seed, naive=naive)
    loop.enqueue(6)
    loop.run(cycles)
    return loop


def _check_exactly_once(loop: KillLoop) -> None:
    try:
        assert loop.drain() == 0  # graceful SIGTERM exit after the queue drained
        counts = loop.counts()
        assert counts == {"posted": loop.queued}, counts
        on_pinterest = loop.emu.pins_by_marker()
        assert loop.duplicates() == {}
        assert sorted(on_pinterest) == sorted(loop.markers())  # every queue item, once
        assert sum(on_pinterest.values()) == loop.queued
        assert sum(loop.fired.values()) >= loop.kills  # faults really were injected
    finally:
        loop.close()


def test_kill_loop_posts_every_pin_exactly_once(tmp_path: Path) -> None:
    _check_exactly_once(_run(tmp_path, CYCLES, seed=11))


@pytest.mark.slow
def test_kill_loop_1000_cycles(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # Opt-in (about half an hour): `pytest -m slow tests/test_killloop.py`.
    if "slow" not in (request.config.getoption("-m") or "") or "not slow" in request.config.getoption("-m"):
        pytest.skip("1,000 kill cycles: run with -m slow")
    _check_exactly_once(_run(tmp_path, 1000, seed=23))


def test_a_naive_retry_on_error_poster_fails_the_kill_loop(tmp_path: Path) -> None:
    loop = _run(tmp_path, 8, seed=5, naive=True)
    try:
        loop.drain()
        assert loop.duplicates(), "the naive poster should have posted some pin twice"
    finally:
        loop.close()
