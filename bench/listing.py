"""Listing benchmark: `pinbot queue list` (the first 50 and the count of the rest) and
`pinbot queue list --all --json` over a queue of 100,000 pins, each as a whole CLI process, next to
its floor: a bare `python` process that reads the same rows with sqlite3 and prints them (the same
work done the cheapest way). Wall time, CPU time and peak memory of the child process.

Run: .venv/bin/python bench/listing.py [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

_spec = importlib.util.spec_from_file_location("bench_queue", HERE / "queue.py")
assert _spec is not None and _spec.loader is not None
bench_queue = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_queue)

SELECT = (
    "SELECT pin.*, board.key FROM pin JOIN board ON board.id = pin.board_id WHERE pin.account_id = 1 "
    "ORDER BY pin.due_at, pin.id"
)
FLOOR_TABLE = f"""
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.row_factory = sqlite3.Row
out = sys.stdout
for r in conn.execute("{SELECT} LIMIT 50"):
    out.write(f"{{r['id']:>7}}  {{r['status']:<15}}  {{r['due_at'][:16]}}  {{r['key']:<24}}  {{r['title'][:50]}}\\n")
(n,) = conn.execute("SELECT count(*) FROM pin JOIN board ON board.id = pin.board_id WHERE pin.account_id=1").fetchone()
sys.stderr.write(f"and {{n - 50}} more\\n")
"""
FLOOR_JSON = f"""
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.row_factory = sqlite3.Row
out = sys.stdout
first = True
for r in conn.execute("{SELECT}"):
    out.write(("[" if first else ",") + json.dumps(dict(r), indent=2, sort_keys=True))
    first = False
out.write("]\\n")
"""


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MiB) of one child process, its output thrown away. GNU time measures
    the peak memory: a child forked from this (bigger) process would report this one's."""
    timed = ["/usr/bin/time", "-f", "%e %U %S %M", *cmd]
    proc = subprocess.run(timed, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr}")
    wall, user, system, rss_kib = proc.stderr.strip().splitlines()[-1].split()
    return float(wall), float(user) + float(system), int(rss_kib) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db_path = workdir / "data" / "pinbot.db"
        db_path.parent.mkdir()
        bench_queue.build(db_path, args.rows)
        env = {
            **os.environ,
            "PINBOT_DATA_DIR": str(workdir / "data"),
            "PINBOT_DATABASE_URL": f"sqlite:///{db_path}",
            "PINBOT_BOARDS_DIR": str(REPO / "boards"),
            "PINBOT_ACCOUNT": "bench",
        }
        cli = [sys.executable, "-m", "pinbot.cli", "queue", "list"]
        cases = [
            ("queue list (first 50 + count)", cli, [sys.executable, "-c", FLOOR_TABLE, str(db_path)]),
            ("queue list --all --json", [*cli, "--all", "--json"], [sys.executable, "-c", FLOOR_JSON, str(db_path)]),
        ]
        print(f"queued pins: {args.rows:,}; median of {args.repeat} runs (wall s / CPU s / peak MiB)")
        for label, cmd, floor_cmd in cases:
            mine, floor = [], []
            for _ in range(args.repeat):  # interleaved: both see the same machine load
                floor.append(run(floor_cmd, env, workdir))
                mine.append(run(cmd, env, workdir))
            m = [statistics.median(x[i] for x in mine) for i in range(3)]
            f = [statistics.median(x[i] for x in floor) for i in range(3)]
            print(f"{label:32} pinbot {m[0]:6.2f} s wall {m[1]:6.2f} s CPU {m[2]:6.0f} MiB")
            print(f"{'':32} floor  {f[0]:6.2f} s wall {f[1]:6.2f} s CPU {f[2]:6.0f} MiB")
            print(f"{'':32} ratio  {m[0] / f[0]:6.2f}x wall {m[1] / f[1]:5.2f}x CPU (goal: under 1 s wall)")


if __name__ == "__main__":
    main()
