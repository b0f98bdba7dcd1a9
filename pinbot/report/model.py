"""What a report holds: the review of a period, the experiments, and when and for whom it was made."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from pinbot.advocates.summary import WhoPins, who_pins
from pinbot.experiments.status import ExperimentStatus, apply_command, evaluate
from pinbot.review.aggregate import build_review
from pinbot.review.recommend import MINIMUMS_TEXT
from pinbot.review.types import Recommendation, Review
from pinbot.stats import ALPHA, POWER


@dataclass
class Report:
    account: str
    generated_at: datetime
    review: Review
    experiments: list[ExperimentStatus] = field(default_factory=list)
    who_pins: WhoPins | None = None  # earned reach, top pins by others, surges

    @property
    def minimums(self) -> str:
        return MINIMUMS_TEXT

    def as_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "generated_at": self.generated_at.isoformat(),
            "minimums_text": self.minimums,
            "statistics": {"alpha": ALPHA, "power": POWER, "interval": "95% Wilson score"},
            **self.review.as_dict(),
            "experiments": [e.as_dict() for e in self.experiments],
            "who_pins": self.who_pins.as_dict() if self.who_pins else None,
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
) -> Report:
    experiments = evaluate(engine, account_id, now)
    extra = [
        Recommendation(
            "continue",
            f"experiment {e.name}",
            f"Continue with design {e.winner_design} for the products of experiment “{e.name}”: it won "
            f"({e.metric.replace('_', ' ')}, p = {e.verdict.p_value:.3g})"
            + (
                "; future pins and evergreen re-pins use it."
                if e.auto_apply
                else f"; apply it with `{apply_command(e.name)}`."
            ),
            {"experiment": e.name, "winner": e.winner_design, "p_value": e.verdict.p_value},
        )
        for e in experiments
        if e.outcome == "winner" and e.winner_design
    ]
    review = build_review(engine, account_id, since, until, timezone, known_designs=known_designs, extra=extra)
    earned = who_pins(engine, account_id, until + timedelta(days=1), (until - since).days + 1)
    return Report(account, now, review, experiments, earned)
