"""Queue benchmark: claim + record of one pin with 1,000,000 queued rows, next to the same work in
raw sqlite3 (the floor, same pragmas, same file: the claim, its PostAttempt row, the conditional
record and the attempt's outcome, in two transactions), and the time to import a 10,000-row CSV
through `pinbot queue import`. Client CPU time (time.process_time) is the figure compared: the disk
syncs are the same for both and, on a loaded machine, wall time mostly measures the neighbours.

Run: .venv/bin/python bench/queue.py [--rows 1000000] [--repeat 300]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from pinbot.posting.claim import claim_pin, due_pins, finish
from pinbot.store import db
from pinbot.store.models import PinStatus

REPO = Path(__file__).resolve().parent.parent


def build(path: Path, rows: int) -> None:
    engine = db.make_engine(f"sqlite:///{path}")
    db.migrate(engine)
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")  # bulk load only; measured connections use FULL
    start = datetime(2026, 1, 1, tzinfo=UTC)
    now = start.isoformat(sep=" ")
    conn.execute("INSERT INTO account (name, created_at) VALUES ('bench', ?)", (now,))
    conn.execute(
        "INSERT INTO board (account_id, key, name, description, privacy, created_at) "
        "VALUES (1, 'b', 'B', '', 'PUBLIC', ?)",
        (now,),
    )
    sql = (
        "INSERT INTO pin (uid, account_id, board_id, title, description, link, alt_text, status, due_at, "
        "explicit_time, attempts, reconcile_checks, created_at, updated_at) "
        "VALUES (?, 1, 1, ?, '', 'https://shop.example.com/p', '', 'queued', ?, 0, 0, 0, ?, ?)"
    )
    batch = []
    for i in range(rows):
        due = (start + timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S.%f")
        batch.append((uuid.uuid4().hex, f"pin {i}", due, now, now))
        if len(batch) == 50_000:
            conn.executemany(sql, batch)
            batch.clear()
    conn.executemany(sql, batch)
    conn.commit()
    conn.close()


def bench_pinbot(path: Path, repeat: int) -> list[float]:
    engine = db.make_engine(f"sqlite:///{path}")
    when = datetime(2030, 1, 1, tzinfo=UTC)
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        # The poster's one claim path: read the next due pin, claim it, record the outcome.
        (due, _board), *_ = due_pins(engine, 1, when, limit=1)
        assert due.id is not None
        pin = claim_pin(engine, due.id, when, "bench", None)
        assert pin is not None
        posted = {"pinterest_pin_id": "1", "posted_at": when}
        assert finish(engine, pin, when, outcome="posted", status=PinStatus.posted, pin_values=posted)
        times.append(time.process_time() - t0)
    engine.dispose()
    return times


def bench_floor(path: Path, repeat: int) -> list[float]:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    when = "2030-01-01 00:00:00.000000"
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        attempt = uuid.uuid4().hex
        conn.execute("BEGIN IMMEDIATE")
        (pin_id,) = conn.execute(
            "UPDATE pin SET status='posting', attempt_id=?, claimed_by='floor', claimed_at=?, attempts=attempts+1, "
            "updated_at=? WHERE id = (SELECT id FROM pin WHERE status='queued' AND account_id=1 AND due_at <= ? "
            "ORDER BY due_at, id LIMIT 1) RETURNING id",
            (attempt, when, when, when),
        ).fetchone()
        conn.execute(
            "INSERT INTO postattempt (pin_id, attempt_id, worker_id, started_at) VALUES (?, ?, 'floor', ?)",
            (pin_id, attempt, when),
        )
        conn.execute("COMMIT")
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.execute(
            "UPDATE pin SET status='posted', pinterest_pin_id='1', posted_at=?, updated_at=? "
            "WHERE id=? AND attempt_id=? AND status='posting'",
            (when, when, pin_id, attempt),
        )
        assert cur.rowcount == 1
        conn.execute(
            "UPDATE postattempt SET finished_at=?, outcome='posted' WHERE attempt_id=? AND pin_id=?",
            (when, attempt, pin_id),
        )
        conn.execute("COMMIT")
        times.append(time.process_time() - t0)
    conn.close()
    return times


def bench_import(workdir: Path, rows: int) -> float:
    (workdir / "photos").mkdir(parents=True)
    # One photo per row: the spam lint refuses the same photo and design twice on one board. Each is
    # as small as a photo pinbot accepts (100 px on the short side).
    for i in range(rows):
        Image.new("RGB", (100, 150), (i % 256, (i // 256) % 256, 120)).save(workdir / "photos" / f"p{i}.png")
    csv_path = workdir / "pins.csv"
    with csv_path.open("w") as fh:
        fh.write("board,title,description,link,image,key\n")
        for i in range(rows):
            fh.write(f"ceramics,Mug {i},Stoneware mug,https://shop.example.com/mug-{i},photos/p{i}.png,sku-{i}\n")
    (workdir / "boards").mkdir()
    (workdir / "boards" / "ceramics.toml").write_text('name = "Ceramics"\n', encoding="utf-8")
    env = {
        **os.environ,
        "PINBOT_DATA_DIR": str(workdir / "data"),
        "PINBOT_BOARDS_DIR": str(workdir / "boards"),
        "PINBOT_DATABASE_URL": "",
    }
    cli = [sys.executable, "-m", "pinbot.cli"]
    subprocess.run([*cli, "init"], env=env, cwd=workdir, check=True, capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [*cli, "queue", "import", str(csv_path), "--json"], env=env, cwd=workdir, capture_output=True, text=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    elapsed = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if out.returncode != 0 or f'"queued": {rows}' not in out.stdout:
        raise SystemExit(f"import failed: {(out.stderr or out.stdout)[:2000]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--csv-rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        t0 = time.perf_counter()
        build(tmpdir / "a.db", args.rows)
        build_s = time.perf_counter() - t0
        shutil.copyfile(tmpdir / "a.db", tmpdir / "b.db")
        # interleave so that disk and CPU conditions are shared by both measurements
        pinbot_times: list[float] = []
        floor_times: list[float] = []
        for _ in range(3):
            floor_times += bench_floor(tmpdir / "b.db", args.repeat // 3)
            pinbot_times += bench_pinbot(tmpdir / "a.db", args.repeat // 3)
        import_s = bench_import(tmpdir / "imp", args.csv_rows)
    pin_ms = statistics.median(pinbot_times) * 1000
    floor_ms = statistics.median(floor_times) * 1000
    print(f"queued rows:                 {args.rows:,} (built in {build_s:.1f} s)")
    print(f"claim + record, pinbot:      {pin_ms:.3f} ms CPU median over {len(pinbot_times)}")
    print(f"claim + record, raw sqlite3: {floor_ms:.3f} ms CPU median over {len(floor_times)} (floor)")
    print(f"ratio:                       {pin_ms / floor_ms:.2f}x the floor (goal <= 2x)")
    print(f"import {args.csv_rows:,}-row CSV:      {import_s:.2f} s CPU, whole CLI process (goal <= 3 s for 10,000)")


if __name__ == "__main__":
    main()
