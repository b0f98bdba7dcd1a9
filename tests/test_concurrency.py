"""Many processes on one database: eight CLI writers enqueueing while the service posts (no
"database is locked", every row present), and two services sharing one queue (every pin posted
once; on PostgreSQL through FOR UPDATE SKIP LOCKED when the suite runs there). The processes are
forked from a pre-started interpreter (tests/prestarted.py), so the eight writers start within
milliseconds of each other while the service is posting, not spread over the seconds of their imports."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from sqlmodel import col, func, select

from pinbot.store import db
from pinbot.store.models import Pin, PinStatus
from tests.helpers import make_photo
from tests.killloop_support import KillLoop
from tests.prestarted import Forked


def _wait_posted(loop: KillLoop, n: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if loop.counts().get(PinStatus.posted.value, 0) >= n:
            return
        time.sleep(0.1)
    raise AssertionError(f"only {loop.counts()} after {timeout} s")


def _stop(procs: list[Forked]) -> list[int]:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    return [proc.wait(timeout=30) for proc in procs]


def test_eight_cli_writers_while_the_service_posts(tmp_path: Path, db_url: str) -> None:
    loop = KillLoop.create(tmp_path, seed=3, db_url=db_url)
    try:
        loop.enqueue(20)
        service, log = loop.fork("service.log")
        loop.wait_started(service, log, 0)  # the writers write while it posts
        csvs = []
        for w in range(8):
            rows = ["board,title,image,link,at,key"]
            for r in range(8):
                photo = make_photo(tmp_path / f"w{w}-{r}.jpg", color=(w * 30, r * 30, 90))
                rows.append(
                    f"mugs,Writer {w} row {r},{photo},https://shop.example/w{w}/{r},2020-01-01T00:00:00Z,w{w}r{r}"
                )
            csv = tmp_path / f"writer{w}.csv"
            csv.write_text("\n".join(rows) + "\n")
            csvs.append(csv)
        writers = [loop.fork(f"writer{w}.log", "queue", "import", str(csv)) for w, csv in enumerate(csvs)]
        outputs = [(p.wait(timeout=120), out.read_text()) for p, out in writers]
        assert all(code == 0 for code, _ in outputs), outputs
        assert not any("locked" in out for _, out in outputs)
        with db.session_scope(loop.engine) as session:
            keys = session.exec(select(Pin.title).where(col(Pin.title).like("Writer %"))).all()
        assert len(keys) == 64 and len(set(keys)) == 64  # every row present, once
        _wait_posted(loop, 20 + 64)
        assert _stop([service]) == [0]
        assert "locked" not in log.read_text()
        assert loop.duplicates() == {} and sum(loop.emu.pins_by_marker().values()) == 84
    finally:
        loop.close()


def test_two_services_share_one_queue(tmp_path: Path, db_url: str) -> None:
    loop = KillLoop.create(tmp_path, seed=4, db_url=db_url)
    try:
        # Pinterest answers each pin in 0.1 s, as the real one takes longer still: on a busy machine
        # one service could otherwise post all 60 before the other's next tick (nothing shared).
        loop.emu.inject("latency", count=60, seconds=0.1, path="/pins", method="POST")
        procs = [loop.fork("a.log")[0], loop.fork("b.log")[0]]
        loop.enqueue(60)
        _wait_posted(loop, 60)
        assert _stop(procs) == [0, 0]
        assert loop.duplicates() == {} and sorted(loop.emu.pins_by_marker()) == sorted(loop.markers())
        with db.session_scope(loop.engine) as session:
            workers = session.exec(select(func.count(func.distinct(Pin.claimed_by)))).one()
        assert workers == 2  # both services did share the work
    finally:
        loop.close()
