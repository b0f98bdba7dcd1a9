"""CSV export: one file per table (by_board.csv, by_design.csv, ..., daily.csv, recommendations.csv,
experiments.csv), each written to a temporary name and renamed, so a folder never holds half a file."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pinbot.render.names import design_name
from pinbot.report.experiment_text import verdict_sentence
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


def _design_cells(key: str) -> list[str]:
    design_id = key.split("|", 1)[0]
    return [design_id, design_name(design_id)]


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
        named = dim in ("design", "design_board")  # the design's id and its name, side by side
        rows = [
            [g.key, *_design_cells(g.key) * named, g.label, g.rank or "", g.totals.enough, *_totals_row(g.totals)]
            for g in review.groups[dim]
        ]
        header = ["key", *["design_id", "design_name"] * named, "label", "rank", "enough_data", *TOTAL_COLUMNS]
        _write(path, header, rows)
        written.append(path)
    path = folder / "daily.csv"
    _write(path, ["day", *TOTAL_COLUMNS], ([d.day.isoformat(), *_totals_row(d.totals)] for d in review.daily))
    written.append(path)
    path = folder / "recommendations.csv"
    recs = ([r.kind, r.subject, r.text, r.action] for r in review.recommendations)
    _write(path, ["kind", "subject", "text", "action"], recs)
    written.append(path)
    path = folder / "experiments.csv"
    rows = []
    for e in report.experiments:
        for v in e.variants:
            rate = e.verdict.rates[v.key]
            winner = design_name(e.winner_design) if e.winner_design else ""
            p_value = "" if e.outcome == "collecting" else f"{e.verdict.p_value:.6g}"
            row: list[Any] = [e.name, e.state, e.outcome, e.metric, e.planned, v.key, v.design, design_name(v.design)]
            row += [v.pins_posted, v.counts.trials, v.counts.successes]
            row += [f"{rate.value:.6f}", f"{rate.low:.6f}", f"{rate.high:.6f}"]
            rows.append([*row, e.winner_design or "", winner, p_value, verdict_sentence(e)])
    header = ["experiment", "state", "outcome", "metric", "planned_impressions", "variant", "design", "design_name"]
    header += ["pins_posted", "impressions", "successes", "rate", "rate_low", "rate_high", "winner", "winner_name"]
    header += ["p_value", "verdict"]
    _write(path, header, rows)
    written.append(path)
    return written
