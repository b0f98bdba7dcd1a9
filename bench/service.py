"""Scheduler service benchmark: every figure next to a floor measured in the same run.

A floor is the same work done the cheapest way: the statements the work needs, typed out here and
run on one bare driver connection (sqlite3 / psycopg, no pool, no SQLAlchemy), plus the file work a
render-cache hit cannot skip. On SQLite (a file of --rows queued pins) and, when --pg-url or
PINBOT_BENCH_PG_URL names a server, on PostgreSQL (--pg-rows queued pins, a database of its own):

1. a tick with nothing due (wall time; only the post job runs): vs. the one SELECT an idle tick
   needs (what stops posting: pause, spam block, hold; and when the next pin is due);
2. claim + record: the poster's claim path (`due_pins` -> `claim_pin` -> `finish` on one pool
   check-out), client CPU: vs. the same statements (read the next due pin with its board; claim it
   with its PostAttempt row in one committed transaction; record the outcome and the attempt's row
   in one, only if still ours); the disk syncs (synchronous=FULL, fsync) are the same for both;
   the median cycle of each side over 1,000, in blocks of 50 taken in turn after a warm-up;
3. claim + render-cache hit + record: `Poster.post_next` against the in-memory Pinterest, every
   pin with a template and one design, so each post after the first is a real render-cache hit
   (checked: one file in the cache), client CPU: vs. the floor of 2 plus what a cache hit must do
   (read and hash the photo, hash the cache key, find and read the cached file); the posting rate
   this allows with Pinterest's limits lifted (goal >= 600 pins/min on SQLite);
4. PostgreSQL only: 1, 2 and 4 services (separate processes, the real `Daemon.tick` loop) draining
   a backlog of --backlog due pins: pins/s and the speed-up over one (goal 1.9x for 2 and, on a
   machine with the cores, 3.5x for 4; the core count is printed);
5. SQLite: a saturated queue against the emulator enforcing 100 writes/min (simulated time), and the
   service's RSS after --ticks ticks.

Run: flock /tmp/pinbot-bench.lock .venv/bin/python bench/service.py [--rows N] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# bench/ holds scripts named like stdlib modules (queue.py): keep it off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(REPO))

from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import func, select  # noqa: E402

from pinbot.clock import FakeClock  # noqa: E402
from pinbot.config import Settings  # noqa: E402
from pinbot.daemon import Daemon  # noqa: E402
from pinbot.pinterest.memory import MemoryPinterest  # noqa: E402
from pinbot.posting.claim import claim_pin, due_pins, finish  # noqa: E402
from pinbot.posting.images import CachedRenderer  # noqa: E402
from pinbot.posting.poster import Poster  # noqa: E402
from pinbot.shop.boards import BoardDef  # noqa: E402
from pinbot.store import db  # noqa: E402
from pinbot.store.models import Board, PinStatus, PostAttempt  # noqa: E402

try:
    from pinbot.store.driver import hot_connection
except ImportError:  # the code before issue 16 (for its "before" figures): each call checks out its own
    hot_connection = None  # type: ignore[assignment]

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TEMPLATE = "split-block"
CLAIM_CYCLES = 1000  # each side, alternating (section 2)
# A potter's own product photo (192 KB, 1024x1280; provenance in tests/data/real/photos/README.md):
# a cache hit reads and hashes it, so its size is part of the work.
PHOTO = REPO / "tests" / "data" / "real" / "photos" / "pres6.jpg"
BOARDS = {"mugs": BoardDef("mugs", "Mugs")}
PIN_COLUMNS = (
    "uid, account_id, board_id, source_key, title, description, link, alt_text, image_path, template, status, "
    "due_at, explicit_time, attempts, reconcile_checks, created_at, updated_at"
)


# -- databases -------------------------------------------------------------------------------------
def is_pg(url: str) -> bool:
    return url.startswith("postgresql")


def fresh_db(pg_url: str | None, tmp: Path, name: str) -> str:
    """A URL to an empty database of its own: a SQLite file, or a new database on the server."""
    if not pg_url:
        return f"sqlite:///{tmp / name}.db"
    import psycopg

    with psycopg.connect(conninfo(pg_url), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS pinbench_{name}")
        admin.execute(f"CREATE DATABASE pinbench_{name}")
    return make_url(pg_url).set(database=f"pinbench_{name}").render_as_string(hide_password=False)


def conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def setup(url: str) -> tuple[Any, int, int]:
    engine = db.make_engine(url)
    db.migrate(engine)
    with db.session_scope(engine) as session:
        account = db.get_or_create_account(session, "default")
        board = Board(account_id=account.id, key="mugs", name="Mugs", pinterest_board_id="b1")
        session.add(board)
        session.flush()
        ids = int(account.id or 0), int(board.id or 0)
    return engine, *ids


def fill(url: str, account_id: int, board_id: int, rows: int, due: datetime) -> None:
    """Bulk insert without pinbot (the ORM would take minutes for a million rows). One title and
    template for all: after the first render every pin is a render-cache hit."""

    def gen(stamp: Any) -> Any:
        now = stamp(START)
        for i in range(rows):
            yield (
                uuid.uuid4().hex,
                account_id,
                board_id,
                f"k{i}",
                "Stoneware mug",
                "Wheel-thrown stoneware mug. Holds 350 ml.",
                f"https://shop.example/p/{i}",
                "A speckled mug",
                str(PHOTO),
                TEMPLATE,
                "queued",
                stamp(due + timedelta(seconds=i)),
                False,
                0,
                0,
                now,
                now,
            )

    if is_pg(url):
        import psycopg

        with psycopg.connect(conninfo(url)) as con, con.cursor().copy(f"COPY pin ({PIN_COLUMNS}) FROM STDIN") as copy:
            for row in gen(lambda d: d):
                copy.write_row(row)
        with psycopg.connect(conninfo(url), autocommit=True) as con:
            con.execute("ANALYZE pin")  # what autovacuum does after a bulk load, without waiting for it
        return
    con = sqlite3.connect(make_url(url).database or "")
    con.execute("PRAGMA synchronous=OFF")  # bulk load only; the measured connections use FULL
    marks = ", ".join("?" * len(PIN_COLUMNS.split(",")))
    con.executemany(
        f"INSERT INTO pin ({PIN_COLUMNS}) VALUES ({marks})", gen(lambda d: d.strftime("%Y-%m-%d %H:%M:%S.%f"))
    )
    con.commit()
    con.close()


# -- the floor -------------------------------------------------------------------------------------
# The statements the work needs, written out (the paramstyle per driver is the only difference).
IDLE_SQL = (
    "SELECT (SELECT due_at FROM pin WHERE account_id = :account AND status = 'queued' ORDER BY due_at LIMIT 1), "
    "(SELECT value FROM servicestate WHERE account_id = :account AND key = 'paused'), "
    "(SELECT value FROM servicestate WHERE account_id = :account AND key = 'spam_block'), "
    "(SELECT value FROM servicestate WHERE account_id = :account AND key = 'posting_hold')"
)
HEARTBEAT_SQL = (
    "UPDATE servicestate SET value = 'floor', updated_at = :now WHERE account_id = :account AND key = 'heartbeat'"
)
DUE_SQL = (
    "SELECT pin.*, board.* FROM pin JOIN board ON board.id = pin.board_id WHERE pin.account_id = :account "
    "AND pin.status = 'queued' AND pin.due_at <= :now ORDER BY pin.due_at, pin.id LIMIT 1"
)
CLAIM_SET = (
    "SET status = 'posting', attempt_id = :attempt, claimed_by = 'floor', claimed_at = :now, "
    "attempts = attempts + 1, updated_at = :now, rendered_path = :rendered"
)
CLAIM_SQLITE = f"UPDATE pin {CLAIM_SET} WHERE id = :pin AND status = 'queued' AND due_at <= :now RETURNING *"
STARTED_SQLITE = (
    "INSERT INTO postattempt (pin_id, attempt_id, worker_id, started_at) VALUES (:pin, :attempt, 'floor', :now)"
)
RECORD_PIN = (
    "UPDATE pin SET status = 'posted', pinterest_pin_id = '1', posted_at = :now, updated_at = :now, "
    "last_error = NULL WHERE id = :pin AND attempt_id = :attempt AND status = 'posting'"
)
RECORD_ATTEMPT = (
    "UPDATE postattempt SET finished_at = :now, outcome = 'posted' WHERE attempt_id = :attempt AND pin_id = :pin"
)
# PostgreSQL: each transaction is one statement, so autocommit makes it one atomic commit, one round trip.
CLAIM_PG = (
    f"WITH c AS (UPDATE pin {CLAIM_SET} WHERE id = (SELECT id FROM pin WHERE id = :pin AND status = 'queued' "
    "AND due_at <= :now FOR UPDATE SKIP LOCKED) RETURNING *), a AS (INSERT INTO postattempt (pin_id, attempt_id, "
    "worker_id, started_at) SELECT id, :attempt, 'floor', :now FROM c) SELECT * FROM c"
)
RECORD_PG = f"WITH p AS ({RECORD_PIN} RETURNING id), a AS ({RECORD_ATTEMPT}) SELECT count(*) FROM p"


class Floor:
    """One bare driver connection with the same settings pinbot's engine gives its connections."""

    def __init__(self, url: str) -> None:
        self.pg = is_pg(url)
        if self.pg:
            import psycopg

            self.con: Any = psycopg.connect(conninfo(url), autocommit=True)
        else:
            self.con = sqlite3.connect(make_url(url).database or "", isolation_level=None)
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000", "foreign_keys=ON"):
                self.con.execute(f"PRAGMA {pragma}")
        self.cur = self.con.cursor()
        self._sql: dict[str, str] = {}
        self.columns: dict[str, int] = {}

    def run(self, sql: str, **params: Any) -> Any:
        text = self._sql.get(sql)
        if text is None:
            text = self._sql[sql] = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql) if self.pg else sql
        return self.cur.execute(text, params)

    def stamp(self, when: datetime) -> Any:
        return when if self.pg else when.strftime("%Y-%m-%d %H:%M:%S.%f")

    def idle(self, account_id: int) -> Any:
        return self.run(IDLE_SQL, account=account_id).fetchone()

    def heartbeat(self, account_id: int, now: datetime) -> None:
        self.run(HEARTBEAT_SQL, account=account_id, now=self.stamp(now))

    def claim_record(self, account_id: int, now: datetime, rendered: str | None = None, hit: Any = None) -> None:
        at = self.stamp(now)
        pin = self.run(DUE_SQL, account=account_id, now=at).fetchone()
        if hit is not None:
            if not self.columns:  # the pin's columns come first in `pin.*, board.*`
                names = [d[0] for d in self.cur.description]
                self.columns = {n: names.index(n) for n in ("image_path", "title", "description")}
            hit(pin, self.columns)
        attempt = uuid.uuid4().hex
        if self.pg:
            assert self.run(CLAIM_PG, pin=pin[0], attempt=attempt, now=at, rendered=rendered).fetchone()
            assert self.run(RECORD_PG, pin=pin[0], attempt=attempt, now=at).fetchone()[0] == 1
            return
        self.cur.execute("BEGIN IMMEDIATE")
        assert self.run(CLAIM_SQLITE, pin=pin[0], attempt=attempt, now=at, rendered=rendered).fetchone()
        self.run(STARTED_SQLITE, pin=pin[0], attempt=attempt, now=at)
        self.cur.execute("COMMIT")
        self.cur.execute("BEGIN IMMEDIATE")
        assert self.run(RECORD_PIN, pin=pin[0], attempt=attempt, now=at).rowcount == 1
        self.run(RECORD_ATTEMPT, pin=pin[0], attempt=attempt, now=at)
        self.cur.execute("COMMIT")

    def close(self) -> None:
        self.con.close()


def cache_hit(renders: Path, template_sha: str) -> Any:
    """What a render-cache hit cannot skip, done the cheapest way: read and hash the photo (it may
    have changed), hash the key of everything that shapes the image, find and read the cached file."""
    cached = next(p for p in renders.rglob("*.*") if p.suffix in (".jpg", ".png"))

    def hit(row: Any, col: dict[str, int]) -> bytes:
        photo = Path(row[col["image_path"]]).read_bytes()
        key = {"t": template_sha, "title": row[col["title"]], "desc": row[col["description"]]}
        key["photo"] = hashlib.sha256(photo).hexdigest()
        hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
        assert cached.stat().st_size
        return cached.read_bytes()

    return hit


# -- 1-3: one database ------------------------------------------------------------------------------
def bench_db(pg_url: str | None, tmp: Path, rows: int, renders: Path) -> None:
    kind = "PostgreSQL" if pg_url else "SQLite"
    url = fresh_db(pg_url, tmp, "big")
    engine, account_id, board_id = setup(url)
    clock = FakeClock(START)
    t0 = time.perf_counter()
    fill(url, account_id, board_id, rows, START + timedelta(days=1))  # all due tomorrow
    print(f"[{kind}] filled {rows:,} queued rows in {time.perf_counter() - t0:.1f} s")
    api = MemoryPinterest(clock)
    poster = Poster(engine, account_id, api, clock, BOARDS, CachedRenderer(REPO / "assets", renders), "bench")
    daemon = Daemon(engine, account_id, clock, "bench", poster=poster)
    floor = Floor(url)

    # 1. The idle tick: the post job finds nothing due (the clock stands still, so no other job is
    # due). Then an idle stretch as the loop runs it: a tick whenever the daemon asks (every 30 s),
    # with the heartbeat writes and whatever else comes due; its floor adds the same heartbeat
    # writes (one UPDATE, one synced commit each) to one SELECT a tick.
    daemon.tick(clock.now())
    post_job = next(j for j in daemon.jobs if j.name == "post")
    n = 500
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        post_job.next_run = None
        daemon.tick(clock.now())
    tick, tick_cpu = (time.perf_counter() - t0) / n, (time.process_time() - c0) / n
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        assert floor.idle(account_id)[0] is not None
    idle, idle_cpu = (time.perf_counter() - t0) / n, (time.process_time() - c0) / n
    print(
        f"[{kind}] idle tick (nothing due): {tick * 1e3:6.3f} ms   floor (the one SELECT) {idle * 1e3:6.3f} ms   "
        f"ratio {tick / idle:4.1f}x   (CPU {tick_cpu * 1e3:.3f} / {idle_cpu * 1e3:.3f} ms = {tick_cpu / idle_cpu:.1f}x)"
        "   (goal <= 10x)"
    )
    hours, ticks, beats = 4, 0, []
    heartbeat = next(j for j in daemon.jobs if j.name == "heartbeat")
    write = heartbeat.func
    heartbeat.func = lambda now: beats.append(now) or write(now)
    end = clock.now() + timedelta(hours=hours)
    c0 = time.process_time()
    while clock.now() < end:
        clock.advance(daemon.tick(clock.now()))
        ticks += 1
    stretch = time.process_time() - c0
    beats = len(beats)
    c0 = time.process_time()
    for _ in range(ticks):
        floor.idle(account_id)
    for _ in range(beats):
        floor.heartbeat(account_id, clock.now())
    stretch_floor = time.process_time() - c0
    print(
        f"[{kind}] idle for {hours} h: {ticks} ticks + {beats} heartbeat writes, {stretch * 1e3:6.1f} ms CPU   "
        f"floor (as many SELECTs and heartbeat UPDATEs) {stretch_floor * 1e3:6.1f} ms CPU   "
        f"ratio {stretch / stretch_floor:4.1f}x"
    )

    # 2. Claim + record, client CPU: pinbot's cycles and the floor's in blocks of 50 taken in turn,
    # so that a neighbour's burst on a shared machine weighs on both alike while each side runs warm
    # in its block; the median cycle of each side after a short warm-up.
    clock.set(START + timedelta(days=2))
    now = clock.now()
    n = CLAIM_CYCLES
    posted = {"pinterest_pin_id": "1", "posted_at": now, "last_error": None}

    def claim_record() -> None:
        with hot_connection(engine) if hot_connection else nullcontext(engine) as conn:  # one check-out per post
            pin, _board = next(iter(due_pins(conn, account_id, now)))
            assert pin.id is not None
            claimed = claim_pin(conn, pin.id, now, "bench", None)
            assert claimed is not None
            assert finish(conn, claimed, now, outcome="posted", status=PinStatus.posted, pin_values=posted)

    for _ in range(20):
        claim_record()
        floor.claim_record(account_id, now)
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(n // 50):
        for work, out in ((claim_record, mine), (lambda: floor.claim_record(account_id, now), theirs)):
            for _ in range(50):
                c0 = time.process_time()
                work()
                out.append(time.process_time() - c0)
    claim, claim_floor = statistics.median(mine), statistics.median(theirs)
    print(
        f"[{kind}] claim + record, {rows:,} rows: {claim * 1e3:6.3f} ms CPU   floor (same statements, bare driver) "
        f"{claim_floor * 1e3:6.3f} ms CPU   ratio {claim / claim_floor:4.2f}x   (goal <= 2x; medians of {n} "
        "cycles, in blocks taken in turn)"
    )
    n = 200

    # 3. Claim + render-cache hit + record through the poster.
    first = poster.post_next(now)  # the render cache holds the image from here on (or already did)
    assert first is not None and first.outcome == "posted", first
    cached = [p for p in renders.rglob("*.*") if p.suffix in (".jpg", ".png")]
    assert len(cached) == 1, cached  # one design: every later pin is a render-cache hit
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        result = poster.post_next(now)
        assert result is not None and result.outcome == "posted", result
    post, post_wall = (time.process_time() - c0) / n, (time.perf_counter() - w0) / n
    assert len([p for p in renders.rglob("*.*") if p.suffix in (".jpg", ".png")]) == 1  # no re-render
    template_sha = hashlib.sha256((REPO / "assets" / "templates" / f"{TEMPLATE}.toml").read_bytes()).hexdigest()
    hit = cache_hit(renders, template_sha)
    c0 = time.process_time()
    for _ in range(n):
        floor.claim_record(account_id, now, str(cached[0]), hit)
    post_floor = (time.process_time() - c0) / n
    print(
        f"[{kind}] claim + render-cache hit + record: {post * 1e3:6.3f} ms CPU   floor (same statements + photo read, "
        f"hash, cached file read) {post_floor * 1e3:6.3f} ms CPU   ratio {post / post_floor:4.2f}x"
    )
    print(
        f"[{kind}] posting rate, limits lifted: {60 / post_wall:6.0f} pins/min wall ({60 / post:.0f} by CPU)   "
        f"floor {60 / post_floor:.0f} pins/min by CPU   (goal >= 600 pins/min)"
    )
    floor.close()
    engine.dispose()


# -- 4: PostgreSQL workers ----------------------------------------------------------------------------
class CountingRenderer(CachedRenderer):
    """Counts the images asked for: one more than the pins posted for every claim lost to another service."""

    asked = 0

    def image_for(self, *args: Any) -> Any:
        self.asked += 1
        return super().image_for(*args)


class SlowPinterest(MemoryPinterest):
    """The in-memory Pinterest answering a pin creation after `seconds` of real time, as the real
    API does after a network round trip and an image upload (a service then waits, not computes)."""

    def __init__(self, clock: FakeClock, seconds: float) -> None:
        super().__init__(clock)
        self.seconds = seconds

    def create_pin(self, pin: Any) -> dict[str, Any]:
        if self.seconds:
            time.sleep(self.seconds)
        return super().create_pin(pin)


def drain_worker(url: str, account_id: int, renders: str, name: str, go: Any, out: Any, latency: float = 0.0) -> None:
    """One service process: the real tick loop until nothing is queued (a lost race is not 'done')."""
    engine = db.make_engine(url)
    clock = FakeClock(START + timedelta(days=30))
    images = CountingRenderer(REPO / "assets", Path(renders))
    poster = Poster(engine, account_id, SlowPinterest(clock, latency), clock, BOARDS, images, name)
    daemon = Daemon(engine, account_id, clock, name, poster=poster, heartbeat=False)
    daemon.tick(clock.now() - timedelta(days=60))  # connect and warm up while nothing is due yet
    go.wait()
    t0, c0 = time.perf_counter(), time.process_time()
    while (idle := daemon.tick(clock.now())) < daemon.settings.idle_poll:
        clock.advance(idle)  # 1 s after a race lost to another service; the clock is fake
    out.put((t0, time.perf_counter(), time.process_time() - c0, daemon.report.posted, images.asked))
    engine.dispose()


def bench_workers(pg_url: str, tmp: Path, backlog: int, renders: Path, latency: float) -> None:
    """Services draining one backlog together, first with Pinterest answering at once (what limits
    them is CPU: on a 2-core machine the services and the PostgreSQL server share two cores), then
    with Pinterest answering after `latency` s, as in production, where a service mostly waits."""
    _drain(pg_url, tmp, backlog, renders, 0.0)
    if latency:
        _drain(pg_url, tmp, max(200, backlog // 5), renders, latency)


def _drain(pg_url: str, tmp: Path, backlog: int, renders: Path, latency: float) -> None:
    cores = len(os.sched_getaffinity(0))
    ctx = multiprocessing.get_context("spawn")
    rates: dict[int, float] = {}
    answer = f"Pinterest answers in {latency * 1000:.0f} ms" if latency else "Pinterest answers at once"
    for workers in (1, 2, 4):
        url = fresh_db(pg_url, tmp, f"drain{workers}{'slow' if latency else ''}")
        engine, account_id, board_id = setup(url)
        fill(url, account_id, board_id, backlog, START)
        go, out = ctx.Event(), ctx.Queue()
        procs = [
            ctx.Process(target=drain_worker, args=(url, account_id, str(renders), f"w{i}", go, out, latency))
            for i in range(workers)
        ]
        for p in procs:
            p.start()
        time.sleep(3)  # every process imported, connected and warmed up (their clocks start at `go`)
        go.set()
        results = [out.get(timeout=600) for _ in procs]
        for p in procs:
            p.join()
        wall = max(r[1] for r in results) - min(r[0] for r in results)
        with db.session_scope(engine) as session:
            done = session.exec(select(func.count()).where(PostAttempt.outcome == "posted")).one()
            attempts = session.exec(select(func.count()).select_from(PostAttempt)).one()
        assert done == backlog == attempts == sum(r[3] for r in results), (done, attempts, results)
        rates[workers] = backlog / wall
        cpu = statistics.mean(r[2] for r in results) / (backlog / workers) * 1e3
        lost = sum(r[4] for r in results) - backlog
        print(
            f"[PostgreSQL] {answer}: {workers} service{'s' if workers > 1 else ''} drain {backlog:,} pins: "
            f"{rates[workers]:6.0f} "
            f"pins/s   {rates[workers] / rates[1]:.2f}x one service   (client CPU {cpu:.2f} ms/pin; "
            f"{lost} claims lost to another service; {cores} cores on this machine)"
        )
        engine.dispose()


# -- 5: SQLite service behaviour ----------------------------------------------------------------------
def bench_rate(tmp: Path, minutes: int, renders: Path) -> None:
    from pinbot.emulator.app import Emulator
    from pinbot.pinterest.client import PinterestClient

    url = fresh_db(None, tmp, "rate")
    engine, account_id, board_id = setup(url)
    clock = FakeClock(START)
    emu = Emulator(tier="standard", clock=clock, seed=1)
    base = emu.start()
    remote = emu.add_board("Mugs")
    with db.session_scope(engine) as session:
        board = session.exec(select(Board)).one()
        board.pinterest_board_id = remote["id"]
        session.add(board)
    tokens = emu.mint_tokens()
    settings = Settings.from_mapping(
        {
            "PINBOT_DATABASE_URL": url,
            "PINTEREST_API_BASE": base,
            "PINTEREST_APP_ID": "emulator-app",
            "PINTEREST_APP_SECRET": "emulator-secret",
            "PINTEREST_ACCESS_TOKEN": tokens["access_token"],
            "PINTEREST_REFRESH_TOKEN": tokens["refresh_token"],
            "PINTEREST_ACCESS_TIER": "standard",
        },
        base_dir=tmp,
    )
    client = PinterestClient(settings, engine, account_id, clock)
    want = 100 * minutes + 50  # more than the limit allows in the run: a saturated queue
    fill(url, account_id, board_id, want, START - timedelta(hours=1))
    poster = Poster(engine, account_id, client, clock, BOARDS, CachedRenderer(REPO / "assets", renders), "bench")
    daemon = Daemon(engine, account_id, clock, "bench", poster=poster)
    end = START + timedelta(minutes=minutes)
    t0 = time.perf_counter()
    while clock.now() < end:
        clock.sleep(daemon.tick(clock.now()))
    wall = time.perf_counter() - t0
    with db.session_scope(engine) as session:
        posted = session.exec(select(func.count()).where(PostAttempt.outcome == "posted")).one()
        limited = session.exec(select(func.count()).where(PostAttempt.outcome == "rate_limited")).one()
    created = len(emu.pins())
    emu.stop()
    rate = posted / minutes
    print(
        f"[SQLite] saturated queue, 100 writes/min for {minutes} simulated min: {rate:.1f} pins/min = "
        f"{rate / 100:.0%} of the limit; 429s from Pinterest: {limited}; pins on the emulator {created} "
        f"(wall {wall:.1f} s)"
    )


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_rss(tmp: Path, ticks: int, renders: Path) -> None:
    url = fresh_db(None, tmp, "rss")
    engine, account_id, _board_id = setup(url)
    clock = FakeClock(START)
    images = CachedRenderer(REPO / "assets", renders)
    poster = Poster(engine, account_id, MemoryPinterest(clock), clock, BOARDS, images, "bench")
    daemon = Daemon(engine, account_id, clock, "bench", poster=poster)
    marks = {}
    for i in range(1, ticks + 1):
        clock.advance(daemon.tick(clock.now()) or 1)
        if i in (1000, ticks // 2, ticks):
            marks[i] = rss_mb()
    first, last = marks[1000], marks[ticks]
    growth = last - first
    print(f"[SQLite] RSS after {ticks:,} ticks: {last:.1f} MB (after 1,000: {first:.1f} MB; growth {growth:+.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg-url", default=os.environ.get("PINBOT_BENCH_PG_URL", ""))
    parser.add_argument("--pg-rows", type=int, default=1_000_000)
    parser.add_argument("--backlog", type=int, default=2000, help="pins the PostgreSQL services drain")
    parser.add_argument(
        "--latency-ms", type=float, default=50.0, help="Pinterest's answer time in the second drain (0: skip it)"
    )
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--ticks", type=int, default=10_000)
    parser.add_argument("--only", default="sqlite,pg,workers,rate,rss", help="sections to run")
    args = parser.parse_args()
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        renders = tmp / "renders"
        if "rss" in only:
            bench_rss(tmp, args.ticks, tmp / "renders-rss")
        if "sqlite" in only:
            bench_db(None, tmp, args.rows, renders)
        if args.pg_url and "pg" in only:
            bench_db(args.pg_url, tmp, args.pg_rows, renders)
        if args.pg_url and "workers" in only:
            if not renders.exists():  # the services start with the design in the render cache
                bench_db(args.pg_url, tmp, 5000, renders)  # enough for the cycles of sections 2 and 3
            bench_workers(args.pg_url, tmp, args.backlog, renders, args.latency_ms / 1000)
        if "rate" in only:
            bench_rate(tmp, args.minutes, tmp / "renders-rate")
        shutil.rmtree(renders, ignore_errors=True)


if __name__ == "__main__":
    main()
