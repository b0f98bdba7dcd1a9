"""An experiment's plan: what `experiment create` decided, kept beside the experiment.

The status and the verdict read it back (its information target, the lift, the looks' schedule),
so the plan is stored once, through `pinbot.store.state`, and never recomputed from changed history.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from pinbot.experiments.rounds import Design, Round
from pinbot.experiments.sizing import LOOK_EVERY_DAYS, MATURE_DAYS
from pinbot.store.state import experiment_plan_key, read_in


@dataclass
class ExperimentPlan:
    experiment_id: int
    name: str
    metric: str
    baseline: float
    baseline_source: str
    lift: float
    alpha: float
    power: float
    planned_impressions: int
    designs: list[Design]
    boards: list[str]
    product_ids: list[int]
    rounds: int
    every_hours: int
    first_at: datetime
    last_at: datetime
    horizon_days: int
    pins_created: int = 0
    notes: list[str] = field(default_factory=list)
    round_looks: list[Round] = field(default_factory=list)
    information: float = 0.0  # what the sequential test counts to (`pinbot.stats.paired_test`)
    pin_spread: float = 0.25
    feasible: bool = True  # finds the lift with the target power by the horizon
    detectable: float = 0.0  # the lift it finds with the target power by the horizon
    options: list[str] = field(default_factory=list)  # what would make an infeasible test feasible
    traffic: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "experiment_id": self.experiment_id,
            "name": self.name,
            "metric": self.metric,
            "baseline": self.baseline,
            "baseline_source": self.baseline_source,
            "lift": self.lift,
            "alpha": self.alpha,
            "power": self.power,
            "planned_impressions_per_variant": self.planned_impressions,
            "variants": [{"id": d.id, "template": d.template} for d in self.designs],
            "boards": self.boards,
            "product_ids": self.product_ids,
            "rounds": self.rounds,
            "round_designs": [r.as_dict() for r in self.round_looks],
            "every_hours": self.every_hours,
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
            "horizon_days": self.horizon_days,
            "pins_created": self.pins_created,
            "notes": self.notes,
            "information": round(self.information, 3),
            "pin_spread": self.pin_spread,
            "feasible": self.feasible,
            "detectable_lift": round(self.detectable, 4) if math.isfinite(self.detectable) else None,
            "look_every_days": LOOK_EVERY_DAYS,
            "options": self.options,
            "traffic": self.traffic,
        }

    def promise(self) -> str:
        """What the owner can expect, in one sentence."""
        days = math.ceil((self.last_at - self.first_at).total_seconds() / 86400) + MATURE_DAYS
        found = f"finds a real {self.lift:.0%} difference {self.power:.0%} of the time"
        if not self.power:  # the owner set the sample (--sample)
            found = f"counts to {self.planned_impressions:,} impressions per design (set with --sample)"
        return (
            f"about {days} days at this shop's traffic ({self.rounds} round{'s' if self.rounds != 1 else ''} of pins, "
            f"then {MATURE_DAYS} days for the last ones to collect views); it {found}, looks every "
            f"{LOOK_EVERY_DAYS} days and stops early on a clear result"
        )


def load_plan(session: Session, account_id: int, experiment_id: int) -> dict[str, Any]:
    row = read_in(session, account_id, experiment_plan_key(experiment_id))
    try:
        return dict(json.loads(row[0])) if row else {}
    except ValueError:
        return {}
