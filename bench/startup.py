"""Start-up benchmark: the CPU time of `pinbot --help` next to `python -c "import click"`, and of
`pinbot queue list` on an empty shop next to `python -c "import sqlalchemy"` (the floors: what each
command cannot avoid importing), with bytecode already cached. Client CPU time of the child process
(user + system), min and median of --repeat runs, the floor and pinbot interleaved.

Run: .venv/bin/python bench/startup.py [--repeat 9]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def cpu(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = {
            **os.environ,
            "PINBOT_DATA_DIR": str(workdir / "data"),
            "PINBOT_BOARDS_DIR": str(REPO / "boards"),
            "PINBOT_DATABASE_URL": "",
        }
        subprocess.run([py, "-m", "pinbot.cli", "init"], env=env, cwd=workdir, check=True, capture_output=True)
        cases = [
            ("pinbot --help", [py, "-m", "pinbot.cli", "--help"], "import click", 2.0),
            ("pinbot queue list (empty shop)", [py, "-m", "pinbot.cli", "queue", "list"], "import sqlalchemy", 1.3),
        ]
        base = [cpu([py, "-c", "pass"], env, workdir) for _ in range(args.repeat)]
        print(f"python -c pass: {min(base):.3f} s CPU min, {statistics.median(base):.3f} s median")
        for label, cmd, floor_code, goal in cases:
            cpu(cmd, env, workdir)  # warm the bytecode cache
            mine: list[float] = []
            floor: list[float] = []
            for _ in range(args.repeat):
                floor.append(cpu([py, "-c", floor_code], env, workdir))
                mine.append(cpu(cmd, env, workdir))
            m, f = statistics.median(mine), statistics.median(floor)
            print(f"{label:32} {min(mine):.3f} s CPU min, {m:.3f} s median")
            print(f"{'floor: python -c ' + repr(floor_code):32} {min(floor):.3f} s CPU min, {f:.3f} s median")
            print(f"{'':32} ratio {m / f:.2f}x median, {min(mine) / min(floor):.2f}x min (goal <= {goal}x)")


if __name__ == "__main__":
    main()
