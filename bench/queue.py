"""Queue benchmark: claim + record of one pin with 1,000,000 queued rows, next to the same work in
raw sqlite3 (the floor, same pragmas, same file: the claim, its PostAttempt row, the conditional
record and the attempt's outcome, in two transactions); and `pinbot queue import` of a 100,000-row
CSV (10,000 photos on 10 boards) as a whole CLI process, next to the same rows inserted the
cheapest way (the floor), then 10,000 and 20,000 more rows into that queue and into an empty one
(the difference: what 10,000 rows placed cost, whatever the queue). Client CPU
time is the figure compared: the disk syncs are the same for both and, on a loaded machine, wall
time mostly measures the neighbours.

Run: .venv/bin/python bench/queue.py [--rows 1000000] [--repeat 1500] [--csv-rows 100000] [--only import]
     [--more-rows 10000] [--more-repeat 3] [--instructions]

`--instructions` (needs valgrind) also counts the instructions the 100,000-row import and its floor
run: a figure a loaded machine does not move, to compare two versions by (minutes: valgrind is slow).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from pinbot.posting.claim import claim_pin, due_pins, finish
from pinbot.queue.lint import Fingerprints
from pinbot.render.subject import fingerprint, parse_fingerprint
from pinbot.store import db
from pinbot.store.driver import hot_connection
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


def pinbot_cycle(path: Path) -> tuple[Callable[[], None], Callable[[], None]]:
    """(one claim + record through pinbot, close): the poster's claim path as the poster runs it,
    on one pool check-out per post (`Poster.post_next` holds a `hot_connection`)."""
    engine = db.make_engine(f"sqlite:///{path}")
    when = datetime(2030, 1, 1, tzinfo=UTC)

    def cycle() -> None:
        # The poster's one claim path: read the next due pin, claim it, record the outcome.
        with hot_connection(engine) as conn:
            (due, _board), *_ = due_pins(conn, 1, when, limit=1)
            assert due.id is not None
            pin = claim_pin(conn, due.id, when, "bench", None)
            assert pin is not None
            posted = {"pinterest_pin_id": "1", "posted_at": when}
            assert finish(conn, pin, when, outcome="posted", status=PinStatus.posted, pin_values=posted)

    return cycle, engine.dispose


def floor_cycle(path: Path) -> tuple[Callable[[], None], Callable[[], None]]:
    """(one claim + record in raw sqlite3, close): the same statements the cheapest way."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    when = "2030-01-01 00:00:00.000000"

    def cycle() -> None:
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

    return cycle, conn.close


def alternate(pinbot: Callable[[], None], floor: Callable[[], None], repeat: int) -> tuple[list[float], list[float]]:
    """CPU seconds of each of `repeat` pinbot cycles and `repeat` floor cycles, in blocks of BLOCK
    cycles taken in turn, after a short warm-up of both: on a shared machine a neighbour's burst
    then weighs on both sides alike, while each side runs warm in its block as it would alone
    (cycle by cycle, each side evicted the other's code and data from the CPU caches)."""
    for _ in range(WARM_UP):
        pinbot()
        floor()
    clock = time.process_time
    times: tuple[list[float], list[float]] = ([], [])
    done = 0
    while done < repeat:
        size = min(BLOCK, repeat - done)
        for work, out in ((pinbot, times[0]), (floor, times[1])):
            for _ in range(size):
                t0 = clock()
                work()
                out.append(clock() - t0)
        done += size
    return times


WARM_UP = 20  # cycles of each before measuring (first connections, statement caches)
BLOCK = 50  # cycles of one side before the other's turn


IMPORT_BOARDS = 10  # each photo goes to every board: a photo is checked once, however many rows name it
_PRINTS = Fingerprints()  # every fixture photo's fingerprint: no two may be near copies
_PHOTOS: set[Path] = set()


def photo(p: int, shift: int = 0) -> Image.Image:
    """Photo number p: four quadrants whose colours spell p in base 5, 50 levels apart, so that
    few photos are within the lint's colour tolerance (24) of each other (the dark block moves the
    averages; `shift` moves the block of a photo that came out a near copy of another)."""
    digits = [(p // 5**i) % 5 * 50 + 3 for i in range(6)]
    top_left, top_right = tuple(digits[:3]), tuple(digits[3:])
    image = Image.new("RGB", (100, 150))
    for box, colour in (
        ((0, 0, 50, 75), top_left),
        ((50, 0, 100, 75), top_right),
        ((0, 75, 50, 150), tuple(255 - c for c in top_right)),
        ((50, 75, 100, 150), tuple(255 - c for c in top_left)),
    ):
        image.paste(colour, box)
    # The "product": a dark block in a different place on each photo, as shapes differ between
    # products (photos of one shape in many colours would all share one perceptual hash).
    x, y = 8 + (p + shift * 17) * 7919 % 53, (p + shift * 31) * 104729 % 96
    image.paste((20, 20, 20), (x, y, x + 30 + p % 9, y + 45 + p % 11))
    image.paste((255, 255, 255), (92, 0, 100, 150))  # a light edge: never a blank photo
    return image


def write_import_fixture(workdir: Path, rows: int, first: int = 0) -> Path:
    """A pin CSV of `rows` rows (row numbers from `first`) and its photos: `rows // IMPORT_BOARDS`
    photos, each on IMPORT_BOARDS boards (the spam lint allows one photo per board and design, and
    one product link on at most 10 boards). Photos at pinbot's minimum size (100 px on the short
    side), each a different picture to the near-duplicate lint, as a shop's photos are."""
    photos = workdir / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    per_board = max(1, rows // IMPORT_BOARDS)
    for p in range(first // IMPORT_BOARDS, first // IMPORT_BOARDS + per_board):
        path = photos / f"p{p}.png"
        if path in _PHOTOS:
            continue
        for shift in range(20):
            if not path.exists():
                photo(p, shift).save(path)
            value = fingerprint(path)
            h = parse_fingerprint(value) if value else None
            # A near copy of an earlier photo would be refused by the lint (rightly): make another.
            if h is not None and not _PRINTS.copies(h):
                _PRINTS.register(h)
                _PHOTOS.add(path)
                break
            path.unlink()
        else:
            raise SystemExit(f"photo {p}: no shift makes it differ from the others")
    boards = workdir / "boards"
    boards.mkdir(exist_ok=True)
    for b in range(IMPORT_BOARDS):
        (boards / f"board-{b}.toml").write_text(f'name = "Board {b}"\n', encoding="utf-8")
    csv_path = workdir / f"pins-{first}-{rows}.csv"
    with csv_path.open("w") as fh:
        fh.write("board,title,description,link,image,key\n")
        for i in range(first, first + rows):
            p, b = first // IMPORT_BOARDS + (i - first) % per_board, (i - first) // per_board % IMPORT_BOARDS
            fh.write(f"board-{b},Mug {p},Stoneware mug,https://shop.example.com/mug-{p},photos/p{p}.png,sku-{p}-{b}\n")
    return csv_path


def import_env(workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PINBOT_DATA_DIR": str(workdir / "data"),
        "PINBOT_BOARDS_DIR": str(workdir / "boards"),
        "PINBOT_DATABASE_URL": "",
    }


def child_cpu(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """(CPU s, wall s, stdout) of one child process; exits on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed: {(out.stderr or out.stdout)[:2000]}")
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), wall, out.stdout


# valgrind's count of the instructions run: the same on a quiet machine and a loaded one (the CPU
# time of one import moved by half within an hour here), so it compares two versions exactly.
VALGRIND = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]


# The CLI with the photo checks in its own process: a forked worker's count would include what
# its parent ran before the fork. (The work is the same; the workers only spread it over cores.)
IN_ONE_PROCESS = (
    "import runpy, sys; import pinbot.render.batch as batch; "
    "batch.PhotoPool.usable = property(lambda self: False); "
    "sys.argv[0] = 'pinbot'; runpy.run_module('pinbot.cli', run_name='__main__')"
)


def child_instructions(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """`child_cpu`, with the instructions the process ran in place of its CPU s (and no wall time:
    valgrind runs it tens of times slower)."""
    out = subprocess.run([*VALGRIND, *cmd], env=env, cwd=cwd, capture_output=True, text=True)
    counts = re.findall(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if out.returncode != 0 or len(counts) != 1:
        raise SystemExit(f"valgrind {' '.join(cmd[:4])} failed: {(out.stderr or out.stdout)[-2000:]}")
    return float(counts[0].replace(",", "")), 0.0, out.stdout


def bench_import(workdir: Path, csv_path: Path, rows: int, counted: bool = False) -> tuple[float, float]:
    """`pinbot queue import` of the file, whole CLI process: (CPU s, wall s), or with `counted`
    (instructions, 0)."""
    env = import_env(workdir)
    cli = [sys.executable, "-m", "pinbot.cli"]
    if not (workdir / "data").exists():
        subprocess.run([*cli, "init"], env=env, cwd=workdir, check=True, capture_output=True)
    args = ["queue", "import", str(csv_path), "--json"]
    if counted:  # in one process: see IN_ONE_PROCESS
        cpu_s, wall, out = child_instructions([sys.executable, "-c", IN_ONE_PROCESS, *args], env, workdir)
    else:
        cpu_s, wall, out = child_cpu([*cli, *args], env, workdir)
    if f'"queued": {rows}' not in out:
        raise SystemExit(f"import queued fewer rows than {rows}: {out[:2000]}")
    return cpu_s, wall


# The floor: the same rows inserted the cheapest way, in a bare `python` process: csv.reader, each
# distinct photo's header read once with Pillow (is it an image, how big), one executemany in one
# transaction, due times one minute apart (no posting rules, no lint, no fingerprints).
IMPORT_FLOOR = """
import csv, sqlite3, sys, uuid
from datetime import datetime, timedelta, UTC
from pathlib import Path
from PIL import Image
csv_path, db_path = Path(sys.argv[1]), sys.argv[2]
conn = sqlite3.connect(db_path, isolation_level=None)
for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
    conn.execute(f"PRAGMA {pragma}")
conn.execute("BEGIN IMMEDIATE")
boards = dict(conn.execute("SELECT key, id FROM board"))
sizes = {}
now = datetime.now(UTC)
stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
rows = []
with csv_path.open(newline="") as fh:
    reader = csv.DictReader(fh)
    for i, r in enumerate(reader):
        image = str(csv_path.parent / r["image"])
        if image not in sizes:
            with Image.open(image) as im:
                sizes[image] = im.size
        due = (now + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S.%f")
        rows.append((uuid.uuid4().hex, boards[r["board"]], "csv:" + r["key"] + "#" + r["board"], r["title"],
                     r["description"], r["link"], image, due, stamp, stamp))
conn.executemany(
    "INSERT INTO pin (uid, account_id, board_id, source_key, title, description, link, alt_text, image_path, "
    "status, due_at, explicit_time, attempts, reconcile_checks, created_at, updated_at) "
    "VALUES (?, 1, ?, ?, ?, ?, ?, '', ?, 'queued', ?, 0, 0, 0, ?, ?)", rows)
conn.execute("COMMIT")
print(len(rows))
"""


def bench_import_floor(workdir: Path, csv_path: Path, rows: int, counted: bool = False) -> tuple[float, float]:
    """The floor on a fresh shop of the same kind: (CPU s, wall s), or with `counted` (instructions, 0)."""
    env = import_env(workdir)
    cli = [sys.executable, "-m", "pinbot.cli"]
    subprocess.run([*cli, "init"], env=env, cwd=workdir, check=True, capture_output=True)
    db_path = workdir / "data" / "pinbot.db"
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT OR IGNORE INTO account (name, created_at) VALUES ('default', '2026-01-01 00:00:00')")
    for b in range(IMPORT_BOARDS):
        conn.execute(
            "INSERT INTO board (account_id, key, name, description, privacy, created_at) "
            "VALUES (1, ?, ?, '', 'PUBLIC', '2026-01-01 00:00:00')",
            (f"board-{b}", f"Board {b}"),
        )
    conn.commit()
    conn.close()
    run = child_instructions if counted else child_cpu
    cpu_s, wall, out = run([sys.executable, "-c", IMPORT_FLOOR, str(csv_path), str(db_path)], env, workdir)
    assert int(out.strip()) == rows, out
    return cpu_s, wall


def import_figures(tmpdir: Path, rows: int, more: int, repeat: int, counted: bool = False) -> None:
    """`queue import` of `rows` rows next to its floor; then `more` and twice `more` rows into that
    queue and into an empty one, each `repeat` times into a fresh copy (the least CPU of each kept:
    the difference of two noisy figures is noisier still). The planner must be linear in the rows
    it places whatever the size of the queue: the second `more` rows (the difference) must cost
    about the same into either. Reading the big queue (the first search walks all of it: a day
    below the daily cap may still hold a slot, docs/loops.md) is a cost per import, printed apart."""
    shared = tmpdir / "imp"
    t0 = time.perf_counter()
    big = write_import_fixture(shared, rows)
    files = {
        more: write_import_fixture(shared, more, first=rows),
        2 * more: write_import_fixture(shared, 2 * more, first=rows),
    }
    took = time.perf_counter() - t0
    print(f"import fixture: {rows:,} + {more:,} + {2 * more:,} rows, photos for them, in {took:.1f} s")
    dirs = {name: tmpdir / name for name in ("floor", "full", "empty")}
    for d in dirs.values():
        d.mkdir()
        (d / "boards").symlink_to(shared / "boards")
    f_cpu, f_wall = bench_import_floor(dirs["floor"], big, rows)
    p_cpu, p_wall = bench_import(dirs["full"], big, rows)
    print(f"import {rows:,} rows, pinbot:   {p_cpu:6.2f} s CPU {p_wall:6.2f} s wall (goal <= 10 s)")
    print(f"import {rows:,} rows, floor:    {f_cpu:6.2f} s CPU {f_wall:6.2f} s wall (csv, photo headers, one insert)")
    print(f"ratio:                          {p_cpu / f_cpu:6.2f}x the floor in CPU")
    if counted:  # the same two again, each on a fresh shop, counted by valgrind
        for name in ("floor", "full"):
            shutil.rmtree(dirs[name])
            dirs[name].mkdir()
            (dirs[name] / "boards").symlink_to(shared / "boards")
        f_ins, _ = bench_import_floor(dirs["floor"], big, rows, counted=True)
        p_ins, _ = bench_import(dirs["full"], big, rows, counted=True)
        print(
            f"import {rows:,} rows, instructions: pinbot {p_ins / 1e9:.2f} G, floor {f_ins / 1e9:.2f} G, "
            f"{p_ins / f_ins:.2f}x (valgrind: the same under any load)"
        )
    cli = [sys.executable, "-m", "pinbot.cli"]
    subprocess.run([*cli, "init"], env=import_env(dirs["empty"]), cwd=dirs["empty"], check=True, capture_output=True)
    cpu: dict[tuple[str, int], float] = {}
    for r in range(repeat):
        for queue in ("empty", "full"):
            for n, csv_path in files.items():
                copy = tmpdir / f"{queue}-{n}-{r}"
                shutil.copytree(dirs[queue], copy, symlinks=True)
                took_cpu, _ = bench_import(copy, csv_path, n)
                cpu[queue, n] = min(cpu.get((queue, n), took_cpu), took_cpu)
                shutil.rmtree(copy)
    for n in files:
        e, q = cpu["empty", n], cpu["full", n]
        print(
            f"import {n:,} more rows: into an empty queue {e:.2f} s CPU, "
            f"into the queue of {rows:,} {q:.2f} s ({q / e:.2f}x)"
        )
    e_step, q_step = cpu["empty", 2 * more] - cpu["empty", more], cpu["full", 2 * more] - cpu["full", more]
    print(
        f"each {more:,} rows placed: into an empty queue {e_step:.2f} s CPU, into the queue of {rows:,} "
        f"{q_step:.2f} s ({q_step / e_step:.2f}x; linear in the rows placed: about 1x; least of {repeat})"
    )
    fixed = cpu["full", more] - cpu["empty", more] - (q_step - e_step)
    print(f"reading the queue of {rows:,}, once an import: {fixed:.2f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1500)
    parser.add_argument("--csv-rows", type=int, default=100_000)
    parser.add_argument("--more-rows", type=int, default=10_000)
    parser.add_argument("--more-repeat", type=int, default=3, help="Imports of the more rows, each way.")
    parser.add_argument("--only", choices=("claim", "import"), default=None, help="Run one half only.")
    parser.add_argument(
        "--instructions", action="store_true", help="Also count the import's and its floor's instructions (valgrind)."
    )
    args = parser.parse_args()
    if args.instructions and not shutil.which("valgrind"):
        parser.error("--instructions counts with valgrind: install it (apt install valgrind) or leave the flag out")
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        if args.only != "import":
            claim_figures(tmpdir, args.rows, args.repeat)
        if args.only != "claim":
            import_figures(tmpdir, args.csv_rows, args.more_rows, args.more_repeat, args.instructions)


def claim_figures(tmpdir: Path, rows: int, repeat: int) -> None:
    t0 = time.perf_counter()
    build(tmpdir / "a.db", rows)
    build_s = time.perf_counter() - t0
    shutil.copyfile(tmpdir / "a.db", tmpdir / "b.db")
    pinbot, close_pinbot = pinbot_cycle(tmpdir / "a.db")
    floor, close_floor = floor_cycle(tmpdir / "b.db")
    pinbot_times, floor_times = alternate(pinbot, floor, repeat)
    close_pinbot()
    close_floor()
    pin_ms = statistics.median(pinbot_times) * 1000
    floor_ms = statistics.median(floor_times) * 1000
    print(f"queued rows:                 {rows:,} (built in {build_s:.1f} s)")
    print(f"claim + record, pinbot:      {pin_ms:.3f} ms CPU median over {len(pinbot_times)} (in turn with the floor)")
    print(f"claim + record, raw sqlite3: {floor_ms:.3f} ms CPU median over {len(floor_times)} (floor)")
    print(f"ratio:                       {pin_ms / floor_ms:.2f}x the floor (goal <= 2x)")


if __name__ == "__main__":
    main()
