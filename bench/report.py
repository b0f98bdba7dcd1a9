"""Report benchmark: `pinbot report` over 1,000,000 daily metric rows (5,000 pins x 200 days) in SQLite.

Measures building the review (all aggregations, recommendations, experiments) for the default 30
days and for the whole history, rendering the HTML, and the `pinbot report --html` command end to
end (process start included). The fixture's days end yesterday (UTC), so the command's own window
(`--since 30d`, ending yesterday on the system clock) holds 30 days of data; the bench prints the
period and the totals the command reported, from a second, unmeasured `--json` run. The floor is
the one statement any report needs: raw sqlite3 `SUM ... GROUP BY pin_id` over the same rows and
file. Goal: the report in <= 2 s.

Run: /work/venv/bin/python bench/report.py [--pins 5000] [--days 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pinbot.report import build_report, render_html
from pinbot.store import db

REPO = Path(__file__).resolve().parent.parent
# The CLI reads the system clock: data that ended months ago would give it an empty report to time.
TODAY = datetime.now(UTC).date()
DESIGNS = ("photo-band", "split-block", "text-forward", "collage", "photo-overlay")


def build(path: Path, pins: int, days: int) -> int:
    engine = db.make_engine(f"sqlite:///{path}")
    db.migrate(engine)
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")  # bulk load only; the measured runs use pinbot's own engine
    now = f"{TODAY.isoformat()} 00:00:00.000000"
    conn.execute("INSERT INTO account (name, created_at) VALUES ('default', ?)", (now,))
    for key in ("jewelry", "ceramics", "tutorials"):
        conn.execute(
            "INSERT INTO board (account_id, key, name, description, privacy, created_at) "
            "VALUES (1, ?, ?, '', 'PUBLIC', ?)",
            (key, key.title(), now),
        )
    for i in range(20):
        conn.execute(
            "INSERT INTO product (account_id, source, external_id, title, description, link, image_paths, tags, "
            "in_stock, created_at, updated_at) VALUES (1, 'manual', ?, ?, '', 'https://shop.example/p', '[]', "
            "'[]', 1, ?, ?)",
            (f"p{i}", f"Product {i}", now, now),
        )
    rng = random.Random(1)
    first = TODAY - timedelta(days=days)
    pin_sql = (
        "INSERT INTO pin (uid, account_id, board_id, product_id, template, title, description, link, alt_text, "
        "status, due_at, explicit_time, attempts, reconcile_checks, pinterest_pin_id, posted_at, created_at, "
        "updated_at) VALUES (?, 1, ?, ?, ?, ?, '', 'https://shop.example/p', '', 'posted', ?, 0, 1, 0, ?, ?, ?, ?)"
    )
    for i in range(pins):
        posted = datetime.combine(first, datetime.min.time()) + timedelta(hours=rng.randrange(0, 24))
        stamp = posted.strftime("%Y-%m-%d %H:%M:%S.%f")
        conn.execute(
            pin_sql,
            (uuid.uuid4().hex, 1 + i % 3, 1 + i % 20, DESIGNS[i % 5], f"pin {i}", stamp, str(10**9 + i), stamp)
            + (now, now),
        )
    metric_sql = (
        "INSERT INTO pinmetricdaily (pin_id, day, impressions, saves, pin_clicks, outbound_clicks, data_status, "
        "fetched_at) VALUES (?, ?, ?, ?, ?, ?, 'READY', ?)"
    )
    day_strings = [(first + timedelta(days=d)).isoformat() for d in range(days)]
    batch: list[tuple[object, ...]] = []
    rows = 0
    for pin_id in range(1, pins + 1):
        for day in day_strings:
            imp = rng.randrange(20, 400)
            batch.append((pin_id, day, imp, imp // 60, imp // 25, imp // 90, now))
        if len(batch) >= 100_000:
            conn.executemany(metric_sql, batch)
            rows += len(batch)
            batch.clear()
    conn.executemany(metric_sql, batch)
    rows += len(batch)
    conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    return rows


def best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def what_it_covered(env: dict[str, str], cwd: str, path: Path) -> str:
    """The period and totals `pinbot report --since 30d` reported (a `--json` run, not timed), next to
    what the fixture holds for that period: an empty report would be no measure of a report."""
    cmd = [sys.executable, "-m", "pinbot", "report", "--since", "30d", "--json"]
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"the --json run failed: {done.stderr.strip()[:200]}"
    review = json.loads(done.stdout)
    shop = review["shop"]
    conn = sqlite3.connect(path)
    rows, impressions = conn.execute(
        "SELECT count(*), coalesce(sum(impressions), 0) FROM pinmetricdaily WHERE day BETWEEN ? AND ?",
        (review["since"], review["until"]),
    ).fetchone()
    conn.close()
    if not shop["impressions"]:
        raise SystemExit(f"the report covered {review['since']}..{review['until']} and found no data: no measure")
    return (
        f"the command covered {review['since']}..{review['until']}: {shop['pins']:,} pins, "
        f"{shop['impressions']:,} impressions reported ({rows:,} daily rows, {impressions:,} impressions in the "
        "fixture for those days)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pins", type=int, default=5000)
    parser.add_argument("--days", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        rows = build(path, args.pins, args.days)
        print(f"built {rows:,} daily rows for {args.pins:,} pins in {time.perf_counter() - t0:.1f} s")
        since_30 = (TODAY - timedelta(days=30)).isoformat()
        since_all = (TODAY - timedelta(days=args.days + 1)).isoformat()

        def floor(since: str) -> None:
            conn = sqlite3.connect(path)
            conn.execute(
                "SELECT pin_id, SUM(impressions), SUM(saves), SUM(pin_clicks), SUM(outbound_clicks) "
                "FROM pinmetricdaily WHERE day >= ? GROUP BY pin_id",
                (since,),
            ).fetchall()
            conn.close()

        engine = db.make_engine(f"sqlite:///{path}")
        now = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)
        until = TODAY - timedelta(days=1)

        def report(days: int) -> None:
            rep = build_report(engine, 1, "default", until - timedelta(days=days - 1), until, now)
            render_html(rep)

        results = []
        for label, days, since in (("30 days", 30, since_30), (f"all {args.days} days", args.days, since_all)):
            f = best(lambda since=since: floor(since), args.repeat)
            r = best(lambda days=days: report(days), args.repeat)
            results.append((label, f, r))
        engine.dispose()

        html = Path(tmp) / "report.html"
        boards = Path(tmp) / "boards"
        boards.mkdir()
        for key in ("jewelry", "ceramics", "tutorials"):  # the fixture's boards, as the shop's files
            (boards / f"{key}.toml").write_text(f'name = "{key.title()}"\n', encoding="utf-8")
        env = {
            **os.environ,
            "PINBOT_DATABASE_URL": f"sqlite:///{path}",
            "PINBOT_ACCOUNT": "default",
            "PINBOT_BOARDS_DIR": str(boards),
            "PINBOT_DATA_DIR": str(Path(tmp) / "data"),
        }
        cmd = [sys.executable, "-m", "pinbot", "report", "--since", "30d", "--html", str(html)]
        runs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            done = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True, check=False)
            runs.append(time.perf_counter() - start)
        cli = min(runs)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pinbot", "--version"], env=env, capture_output=True, check=False)
        startup = time.perf_counter() - start
        covered = what_it_covered(env, tmp, path)

    print(f"{'period':<16}{'floor (raw GROUP BY)':>22}{'pinbot report + HTML':>24}{'ratio':>8}")
    for label, f, r in results:
        print(f"{label:<16}{f:>20.3f} s{r:>22.3f} s{r / f:>8.1f}x")
    status = "ok" if done.returncode == 0 else f"FAILED: {done.stderr.strip()[:200]}"
    print(
        f"`pinbot report --since 30d --html` end to end: {cli:.2f} s min of {args.repeat} ({status}); "
        f"process start alone {startup:.2f} s; floor (raw GROUP BY, 30 days) {results[0][1]:.3f} s"
    )
    print(covered)
    worst = max(r for _, _, r in results)
    print(f"goal <= 2 s: {'met' if worst <= 2.0 else 'NOT met'} (slowest in-process report {worst:.2f} s)")


if __name__ == "__main__":
    main()
