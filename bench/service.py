"""Scheduler service benchmark: prints each number next to a floor measured in the same run.

1. one tick with nothing due (vs. the raw SQL it cannot avoid: one indexed SELECT);
2. claim + render-cache hit + record with 1,000,000 queued rows (every pin has a template and the
   same design, so each one is a real cache hit), vs. the same work done the cheapest way: raw-SQL
   claim with its PostAttempt row, reading the cached render, the conditional record and the
   attempt's outcome; and the posting rate this allows with Pinterest's limits lifted;
3. a saturated queue against the emulator enforcing 100 writes/min (standard tier), simulated
   time on a shared FakeClock: achieved rate (goal >= 95 % of the limit) and 429s (goal 0);
4. the service's RSS after 10,000 ticks (goal <= 80 MB, no growth after warm-up).

Run: /work/venv/bin/python bench/service.py [--rows 1000000] [--minutes 5]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# bench/ holds scripts named like stdlib modules (queue.py): keep it off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(REPO))

from sqlmodel import func, select  # noqa: E402

from pinbot.clock import FakeClock  # noqa: E402
from pinbot.config import Settings  # noqa: E402
from pinbot.daemon import Daemon  # noqa: E402
from pinbot.pinterest.memory import MemoryPinterest  # noqa: E402
from pinbot.posting.images import CachedRenderer  # noqa: E402
from pinbot.posting.poster import Poster  # noqa: E402
from pinbot.shop.boards import BoardDef  # noqa: E402
from pinbot.store import db  # noqa: E402
from pinbot.store.models import Board, PinStatus, PostAttempt  # noqa: E402
from tests.helpers import make_photo  # noqa: E402

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def setup(tmp: Path, name: str) -> tuple[object, int, dict[str, BoardDef], Path]:
    engine = db.make_engine(f"sqlite:///{tmp / name}")
    db.migrate(engine)
    with db.session_scope(engine) as session:
        account = db.get_or_create_account(session, "default")
        session.add(Board(account_id=account.id, key="mugs", name="Mugs", pinterest_board_id="b1"))
        account_id = account.id
    photo = make_photo(tmp / "photo.jpg")
    return engine, int(account_id or 0), {"mugs": BoardDef("mugs", "Mugs")}, photo


def fill(path: Path, account_id: int, rows: int, photo: Path, due: datetime) -> None:
    """Raw bulk insert (the ORM would take minutes for a million rows)."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    now = START.strftime("%Y-%m-%d %H:%M:%S.%f")

    def gen():  # type: ignore[no-untyped-def]
        for i in range(rows):
            due_i = (due + timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S.%f")
            yield (
                f"{i:032x}",
                account_id,
                1,
                f"k{i}",
                "Stoneware mug",  # one design for all: after the first render every pin is a cache hit
                f"https://shop.example/p/{i}",
                str(photo),
                "queued",
                due_i,
                now,
                now,
            )

    con.executemany(
        "INSERT INTO pin (uid, account_id, board_id, source_key, title, description, link, alt_text, image_path, "
        "template, status, due_at, explicit_time, attempts, reconcile_checks, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, '', ?, '', ?, 'split-block', ?, ?, 0, 0, 0, ?, ?)",
        gen(),
    )
    con.commit()
    con.close()


def bench_ticks_and_claims(tmp: Path, rows: int) -> None:
    engine, account_id, boards, photo = setup(tmp, "big.db")
    clock = FakeClock(START)
    t0 = time.perf_counter()
    fill(tmp / "big.db", account_id, rows, photo, START + timedelta(days=1))  # all due tomorrow
    print(f"filled {rows:,} queued rows in {time.perf_counter() - t0:.1f} s")
    api = MemoryPinterest(clock)
    images = CachedRenderer(REPO / "assets", tmp / "renders")
    poster = Poster(engine, account_id, api, clock, boards, images, "bench")  # type: ignore[arg-type]
    daemon = Daemon(engine, account_id, clock, "bench", poster=poster)  # type: ignore[arg-type]
    raw = sqlite3.connect(tmp / "big.db")

    # 1. A tick with nothing due. Typical: only the post job runs (gate read + peek + next-due query);
    # every 30 s the heartbeat write (one fsynced commit) rides along.
    daemon.tick(clock.now())
    n = 300
    t0 = time.perf_counter()
    for _ in range(n):
        clock.advance(1)
        next(j for j in daemon.jobs if j.name == "post").next_run = None  # only the post job is due
        daemon.tick(clock.now())
    tick = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    for _ in range(n // 3):
        clock.advance(31)
        daemon.tick(clock.now())
    tick_all = (time.perf_counter() - t0) / (n // 3)
    t0 = time.perf_counter()
    for _ in range(n):
        raw.execute(
            "SELECT id FROM pin WHERE status='queued' AND account_id=1 AND due_at <= ? ORDER BY due_at, id LIMIT 5",
            (clock.now().strftime("%Y-%m-%d %H:%M:%S.%f"),),
        ).fetchall()
    floor = (time.perf_counter() - t0) / n
    print(
        f"tick, nothing due:              {tick * 1e3:7.2f} ms   raw SQL peek floor {floor * 1e3:6.3f} ms"
        f"   ratio {tick / floor:5.1f}x   (with the heartbeat write: {tick_all * 1e3:.2f} ms)"
    )

    # 2. Claim + render (cache hit) + record, the queue holding a million rows. Client CPU time.
    clock.set(START + timedelta(days=2))
    first = poster.post_next(clock.now())  # warm: the render cache now holds the image
    assert first is not None and first.outcome == "posted", first
    renders = list((tmp / "renders").rglob("*.*"))
    assert len(renders) == 1, renders  # one design: every later pin is a render-cache hit
    n = 200
    t0, w0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        result = poster.post_next(clock.now())
        assert result is not None and result.outcome == "posted", result
    post, post_wall = (time.process_time() - t0) / n, (time.perf_counter() - w0) / n
    assert len(list((tmp / "renders").rglob("*.*"))) == 1
    raw.isolation_level = None
    raw.execute("PRAGMA synchronous=FULL")
    now = clock.now().strftime("%Y-%m-%d %H:%M:%S.%f")
    t0 = time.process_time()
    for i in range(n):
        attempt = f"f{i:031x}"
        raw.execute("BEGIN IMMEDIATE")
        (pid,) = raw.execute(
            "UPDATE pin SET status='posting', attempt_id=?, claimed_by='floor', claimed_at=?, attempts=attempts+1, "
            "updated_at=? WHERE id = (SELECT id FROM pin WHERE status='queued' AND account_id=1 AND due_at <= ? "
            "ORDER BY due_at, id LIMIT 1) RETURNING id",
            (attempt, now, now, now),
        ).fetchone()
        raw.execute(
            "INSERT INTO postattempt (pin_id, attempt_id, worker_id, started_at) VALUES (?, ?, 'floor', ?)",
            (pid, attempt, now),
        )
        raw.execute("COMMIT")
        assert renders[0].read_bytes()  # the cache hit: the rendered file's bytes, to upload
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(
            "UPDATE pin SET status='posted', pinterest_pin_id='x', posted_at=?, updated_at=? "
            "WHERE id=? AND attempt_id=? AND status='posting'",
            (now, now, pid, attempt),
        )
        raw.execute(
            "UPDATE postattempt SET finished_at=?, outcome='posted' WHERE attempt_id=? AND pin_id=?",
            (now, attempt, pid),
        )
        raw.execute("COMMIT")
    floor = (time.process_time() - t0) / n
    print(
        f"claim+render hit+record, {rows:,} rows: {post * 1e3:7.2f} ms CPU   same work in raw SQL + file read "
        f"{floor * 1e3:6.3f} ms CPU   ratio {post / floor:5.1f}x"
    )
    print(
        f"posting rate, limits lifted:    {60 / post_wall:7.0f} pins/min wall ({60 / post:.0f} by CPU)"
        f"   floor {60 / floor:.0f} pins/min by CPU   (goal >= 600 pins/min)"
    )
    raw.close()
    engine.dispose()  # type: ignore[attr-defined]


def bench_rate(tmp: Path, minutes: int) -> None:
    from pinbot.emulator.app import Emulator
    from pinbot.pinterest.client import PinterestClient

    engine, account_id, boards, photo = setup(tmp, "rate.db")
    clock = FakeClock(START)
    emu = Emulator(tier="standard", clock=clock, seed=1)
    base = emu.start()
    remote = emu.add_board("Mugs")
    with db.session_scope(engine) as session:  # type: ignore[arg-type]
        board = session.exec(select(Board)).one()
        board.pinterest_board_id = remote["id"]
        session.add(board)
    tokens = emu.mint_tokens()
    settings = Settings.from_mapping(
        {
            "PINBOT_DATABASE_URL": f"sqlite:///{tmp / 'rate.db'}",
            "PINTEREST_API_BASE": base,
            "PINTEREST_APP_ID": "emulator-app",
            "PINTEREST_APP_SECRET": "emulator-secret",
            "PINTEREST_ACCESS_TOKEN": tokens["access_token"],
            "PINTEREST_REFRESH_TOKEN": tokens["refresh_token"],
            "PINTEREST_ACCESS_TIER": "standard",
        },
        base_dir=tmp,
    )
    client = PinterestClient(settings, engine, account_id, clock)  # type: ignore[arg-type]
    want = 100 * minutes + 50  # more than the limit allows in the run: a saturated queue
    fill(tmp / "rate.db", account_id, want, photo, START - timedelta(hours=1))
    images = CachedRenderer(REPO / "assets", tmp / "renders")
    poster = Poster(engine, account_id, client, clock, boards, images, "bench")  # type: ignore[arg-type]
    daemon = Daemon(engine, account_id, clock, "bench", poster=poster)  # type: ignore[arg-type]
    end = START + timedelta(minutes=minutes)
    t0 = time.perf_counter()
    while clock.now() < end:
        clock.sleep(daemon.tick(clock.now()))
    wall = time.perf_counter() - t0
    with db.session_scope(engine) as session:  # type: ignore[arg-type]
        posted = session.exec(select(func.count()).where(PostAttempt.outcome == "posted")).one()
        limited = session.exec(select(func.count()).where(PostAttempt.outcome == "rate_limited")).one()
    created = len(emu.pins())
    emu.stop()
    rate = posted / minutes
    print(
        f"saturated queue, 100 writes/min for {minutes} simulated min: {rate:.1f} pins/min = {rate:.0%}".replace(
            f"{rate:.0%}", f"{rate / 100:.0%}"
        )
        + f" of the limit; 429s from Pinterest: {limited}; pins on the emulator {created} "
        f"(wall {wall:.1f} s)"
    )


def bench_rss(tmp: Path, ticks: int) -> None:
    engine, account_id, boards, _photo = setup(tmp, "rss.db")
    clock = FakeClock(START)
    images = CachedRenderer(REPO / "assets", tmp / "renders")
    poster = Poster(engine, account_id, MemoryPinterest(clock), clock, boards, images, "bench")  # type: ignore[arg-type]
    daemon = Daemon(engine, account_id, clock, "bench", poster=poster)  # type: ignore[arg-type]
    marks = {}
    for i in range(1, ticks + 1):
        clock.advance(daemon.tick(clock.now()) or 1)
        if i in (1000, ticks // 2, ticks):
            marks[i] = rss_mb()
    first, last = marks[1000], marks[ticks]
    print(f"RSS after {ticks:,} ticks: {last:.1f} MB (after 1,000: {first:.1f} MB; growth {last - first:+.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--ticks", type=int, default=10_000)
    args = parser.parse_args()
    random.seed(0)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        bench_rss(tmp, args.ticks)
        bench_ticks_and_claims(tmp, args.rows)
        bench_rate(tmp, args.minutes)
    _ = PinStatus


if __name__ == "__main__":
    main()
