"""What a report holds: the review of a period, the experiments, and when and for whom it was made."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from pinbot.experiments.status import ExperimentStatus, evaluate
from pinbot.render.names import design_name
from pinbot.report.actions import attach_actions
from pinbot.report.experiment_text import experiment_dict, next_step, verdict_sentence
from pinbot.report.pictures import CalendarDay, PinCard, PinRenderer, calendar, top_pins
from pinbot.review.aggregate import build_review
from pinbot.review.recommend import MINIMUMS_TEXT
from pinbot.review.types import Recommendation, Review
from pinbot.shop.boards import BoardDef
from pinbot.stats import ALPHA, POWER


@dataclass
class Report:
    account: str
    generated_at: datetime
    review: Review
    experiments: list[ExperimentStatus] = field(default_factory=list)
    top_pins: list[PinCard] = field(default_factory=list)
    calendar: list[CalendarDay] = field(default_factory=list)
    simulated: bool = False  # the demo: numbers from the emulator's simulated audience

    @property
    def minimums(self) -> str:
        return MINIMUMS_TEXT

    def as_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "generated_at": self.generated_at.isoformat(),
            "minimums_text": self.minimums,
            "statistics": {"alpha": ALPHA, "power": POWER, "interval": "95% Wilson score"},
            "simulated": self.simulated,
            **self.review.as_dict(),
            "experiments": [experiment_dict(e) for e in self.experiments],
            "top_pins": [p.as_dict() for p in self.top_pins],
            "calendar": [d.as_dict() for d in self.calendar],
        }


def build_report(
    engine: Engine,
    account_id: int,
    account: str,
    since: date,
    until: date,
    now: datetime,
    *,
    timezone: str = "UTC",
    known_designs: Sequence[str] = (),
    boards: Mapping[str, BoardDef] | None = None,
    render: PinRenderer | None = None,
    thumbs_dir: Path | None = None,
    simulated: bool = False,
) -> Report:
    """`boards` (the shop's board files) turn advice into the file to edit; `render` (the poster's
    cached renderer) draws queued pins for the calendar; `thumbs_dir` caches the thumbnails."""
    experiments = evaluate(engine, account_id, now)
    extra = [
        Recommendation(
            "continue",
            f"experiment {e.name}",
            f"Continue with design “{design_name(e.winner_design)}” for the products of experiment “{e.name}”: "
            f"{verdict_sentence(e)}",
            {"experiment": e.name, "winner": e.winner_design, "p_value": e.verdict.p_value},
            next_step(e),
        )
        for e in experiments
        if e.outcome == "winner" and e.winner_design
    ]
    review = build_review(engine, account_id, since, until, timezone, known_designs=known_designs, extra=extra)
    boards = boards or {}
    attach_actions(review.recommendations, boards, review.groups)
    tz = ZoneInfo(timezone)
    best = top_pins(engine, review.pins, tz, cache_dir=thumbs_dir)
    defaults = {key: b.default_template for key, b in boards.items()}
    coming = calendar(engine, account_id, now, tz, render=render, board_templates=defaults, cache_dir=thumbs_dir)
    return Report(account, now, review, experiments, best, coming, simulated)


HEAVY_TAIL = 0.4  # one pin with this share of the views carries every number it is part of


def heavy_tail_note(report: Report) -> str:
    """A warning when one pin holds much of the shop's views: every group it belongs to leans on it."""
    shop = report.review.shop.impressions
    top = max(report.review.pins, key=lambda p: p.totals.impressions, default=None)
    if top is None or shop == 0 or top.totals.impressions < HEAVY_TAIL * shop:
        return ""
    share = top.totals.impressions / shop
    return (
        f"One pin, “{top.title}” ({top.board}), had {share:.0%} of the shop's views: the numbers for its "
        f"design ({design_name(top.design)}), board and product mostly describe that one pin."
    )
