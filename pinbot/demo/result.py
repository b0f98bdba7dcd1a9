"""What a demo run takes and gives: its options, its folder, and the summary of what it produced.

Owns the demo folder's safety rule (a folder is only ever cleared when an earlier `pinbot demo`
made it), the `.env` left behind for follow-up commands, and counting the outcome afterwards:
pins by state, pins on the emulated Pinterest (and duplicates), metric rows.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import col, select

from pinbot.emulator import Emulator
from pinbot.errors import PinbotError
from pinbot.metrics.sweep import SweepResult
from pinbot.report import Report
from pinbot.store import db
from pinbot.store.models import Pin, PinMetricDaily, PinStatus

MARKER = ".pinbot-demo"  # a folder holding this file is a demo's and may be replaced by the next one
TIMEZONE = "Europe/London"


@dataclass
class DemoOptions:
    folder: Path
    assets_source: Path
    days: int = 30
    seed: int = 7
    database_url: str | None = None  # default: SQLite in the demo folder
    start: datetime | None = None  # simulated start; default: `days` before now, so it ends today
    workers: int = field(default_factory=lambda: min(4, os.cpu_count() or 2))  # photo and render threads


@dataclass
class DemoResult:
    folder: Path
    database: str
    report_path: Path
    renders_dir: Path
    env_file: Path
    days: int
    start: datetime
    end: datetime
    pins_queued: int = 0
    pins_posted: int = 0
    pins_failed: int = 0
    pins_waiting: int = 0
    pins_on_emulator: int = 0
    duplicates_on_emulator: int = 0
    metrics_rows: int = 0
    boards_created: int = 0
    renders: int = 0
    token_refreshes: int = 0
    ticks: int = 0
    api_requests: int = 0
    sweeps: list[SweepResult] = field(default_factory=list)
    report: Report | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        experiments = self.report.experiments if self.report else []
        recs = self.report.review.recommendations if self.report else []
        return {
            "folder": str(self.folder),
            "database": self.database,
            "report": str(self.report_path),
            "renders_dir": str(self.renders_dir),
            "env_file": str(self.env_file),
            "days": self.days,
            "simulated_start": self.start.isoformat(),
            "simulated_end": self.end.isoformat(),
            "pins_queued": self.pins_queued,
            "pins_posted": self.pins_posted,
            "pins_failed": self.pins_failed,
            "pins_waiting": self.pins_waiting,
            "pins_on_emulator": self.pins_on_emulator,
            "duplicates_on_emulator": self.duplicates_on_emulator,
            "metrics_rows": self.metrics_rows,
            "boards_created": self.boards_created,
            "renders": self.renders,
            "token_refreshes": self.token_refreshes,
            "metrics_sweeps": len(self.sweeps),
            "daemon_ticks": self.ticks,
            "api_requests": self.api_requests,
            "recommendations": {
                k: sum(1 for r in recs if r.kind == k) for k in ("stop", "start", "continue", "change")
            },
            "experiments": [{"name": e.name, "state": e.state, "outcome": e.outcome} for e in experiments],
            "seconds": {k: round(v, 2) for k, v in self.timings.items()},
        }


def prepare_folder(folder: Path) -> None:
    """Make `folder` an empty demo folder. A previous demo's folder is cleared; anything else that
    exists and is not empty is refused, so the demo never deletes a user's files."""
    if folder.exists() and not folder.is_dir():
        raise PinbotError(f"demo: {folder} exists and is not a folder; choose another --dir")
    if folder.is_dir() and any(folder.iterdir()):
        if not (folder / MARKER).is_file():
            raise PinbotError(
                f"demo: {folder} is not empty and was not made by `pinbot demo`; choose an empty or new --dir"
            )
        for child in folder.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("made by `pinbot demo`; the next demo run may replace this folder\n")


def write_env_file(opts: DemoOptions) -> Path:
    """A `.env` so that `cd DIR && pinbot queue list` (or report, boards list) looks at the demo."""
    lines = [
        "# Written by `pinbot demo`: run pinbot commands in this folder to look at the demo shop.",
        "PINBOT_DATA_DIR=data",
        "PINBOT_BOARDS_DIR=boards",
        "PINBOT_ASSETS_DIR=assets",
        "PINBOT_RULES_FILE=pinbot.toml",
        f"PINBOT_TIMEZONE={TIMEZONE}",
        "PINBOT_ACCOUNT=demo",
        "# The demo's Pinterest was an emulator inside `pinbot demo`; it is gone now.",
        "# `pinbot emulator serve` starts a new one at http://127.0.0.1:8765/v5.",
    ]
    if opts.database_url:
        lines.append(f"PINBOT_DATABASE_URL={opts.database_url}")
    path = opts.folder / ".env"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def count_outcome(engine: Engine, account_id: int, emulator: Emulator, result: DemoResult) -> None:
    with db.session_scope(engine) as session:
        by_status: dict[str, int] = {
            str(status): int(n)
            for status, n in session.exec(
                select(Pin.status, func.count()).where(Pin.account_id == account_id).group_by(Pin.status)
            ).all()
        }
        result.metrics_rows = int(
            session.exec(
                select(func.count())
                .select_from(PinMetricDaily)
                .join(Pin, col(Pin.id) == PinMetricDaily.pin_id)
                .where(Pin.account_id == account_id)
            ).one()
        )
    result.pins_posted = by_status.get(PinStatus.posted, 0)
    result.pins_failed = by_status.get(PinStatus.failed, 0) + by_status.get(PinStatus.needs_attention, 0)
    result.pins_waiting = by_status.get(PinStatus.queued, 0) + by_status.get(PinStatus.posting, 0)
    markers = emulator.pins_by_marker()
    result.pins_on_emulator = sum(markers.values())
    result.duplicates_on_emulator = sum(n - 1 for n in markers.values() if n > 1)
    stats = emulator.stats()
    result.token_refreshes = int(stats["token_refreshes"])
    result.api_requests = sum(int(v) for v in stats["requests"].values())
