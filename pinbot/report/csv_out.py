"""CSV export: one file per table (by_board.csv, by_design.csv, ..., daily.csv, recommendations.csv,
experiments.csv), each written to a temporary name and renamed, so a folder never holds half a file."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pinbot.report.model import Report
from pinbot.review.types import DIMENSIONS, Totals

RATE_COLUMNS = ("save_rate", "outbound_click_rate", "pin_click_rate")
TOTAL_COLUMNS = ["impressions", "saves", "pin_clicks", "outbound_clicks", "pins"] + [
    f"{name}{suffix}" for name in RATE_COLUMNS for suffix in ("", "_low", "_high")
]


def _totals_row(t: Totals) -> list[Any]:
    row: list[Any] = [t.impressions, t.saves, t.pin_clicks, t.outbound_clicks, t.pins]
    for rate in (t.save_rate, t.outbound_rate, t.pin_click_rate):
        row += [f"{rate.value:.6f}", f"{rate.low:.6f}", f"{rate.high:.6f}"]
    return row


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(tmp, path)


def write_csv(report: Report, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    review = report.review
    for dim in DIMENSIONS:
        path = folder / f"by_{dim}.csv"
        rows = [[g.key, g.label, g.rank or "", g.totals.enough, *_totals_row(g.totals)] for g in review.groups[dim]]
        _write(path, ["key", "label", "rank", "enough_data", *TOTAL_COLUMNS], rows)
        written.append(path)
    path = folder / "daily.csv"
    _write(path, ["day", *TOTAL_COLUMNS], ([d.day.isoformat(), *_totals_row(d.totals)] for d in review.daily))
    written.append(path)
    path = folder / "recommendations.csv"
    _write(path, ["kind", "subject", "text"], ([r.kind, r.subject, r.text] for r in review.recommendations))
    written.append(path)
    path = folder / "experiments.csv"
    rows = []
    for e in report.experiments:
        for v in e.variants:
            rate = e.verdict.rates[v.key]
            rows.append(
                [e.name, e.state, e.outcome, e.metric, e.planned, v.key, v.design, v.pins_posted, v.counts.trials,
                 v.counts.successes, f"{rate.value:.6f}", f"{rate.low:.6f}", f"{rate.high:.6f}",
                 e.winner_design or "", "" if e.outcome == "collecting" else f"{e.verdict.p_value:.6g}"]
            )  # fmt: skip
    header = ["experiment", "state", "outcome", "metric", "planned_impressions", "variant", "design", "pins_posted"]
    header += ["impressions", "successes", "rate", "rate_low", "rate_high", "winner", "p_value"]
    _write(path, header, rows)
    written.append(path)
    return written
