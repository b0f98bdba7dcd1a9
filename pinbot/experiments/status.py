"""Where an experiment stands, its verdict and what it taught.

Owns reading each variant's numbers (per pin, with the pin's stratum: its round, board and product,
the cell in which every arm has one pin; an arm's pins are found by `Pin.experiment_variant_id`, so
every round counts whatever look it drew them in) and the looks: one every LOOK_EVERY_DAYS after
the first pin, paid for by group-sequential boundaries (`pinbot.stats_sequential`), so a clear
result stops early; the last look, when the planned information is in or at the horizon, always
gives a verdict: a winner, or no difference larger than the lift the test would have seen 90% of
the time. The looks taken are kept (their information fractions fix the boundaries); the counts a
verdict was given on are frozen, so later data can never flip it. A finished test cancels its pins
still waiting (the boards are free again). A winner is recorded in `Experiment.winner_variant_id`;
with auto-apply it becomes the product's preferred design."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from pinbot.clock import as_utc
from pinbot.errors import NotFound
from pinbot.experiments.feasibility import DEFAULT_BASELINE, METRICS
from pinbot.experiments.sizing import LARGEST_LIFT, LOOK_EVERY_DAYS
from pinbot.experiments.stored import load_plan
from pinbot.review.recommend import pct
from pinbot.stats import ALPHA, MIN_LIFT, PIN_SPREAD, VariantCounts, Verdict
from pinbot.stats_sequential import verdict
from pinbot.store.db import session_scope
from pinbot.store.models import Experiment, ExperimentVariant, Pin, PinStatus
from pinbot.store.state import experiment_looks_key, experiment_result_key, read_in, write_in
from pinbot.store.tables import PIN, PMD


@dataclass
class VariantStatus:
    key: str
    design: str
    pins_posted: int
    pins_waiting: int
    counts: VariantCounts


@dataclass
class ExperimentStatus:
    id: int
    name: str
    hypothesis: str
    metric: str
    state: str  # running, finished, cancelled
    outcome: str  # collecting, winner, no_difference
    planned: int
    deadline: datetime
    auto_apply: bool
    variants: list[VariantStatus]
    verdict: Verdict
    winner_design: str | None = None
    plan: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, list[str]] = field(default_factory=dict)
    just_finished: bool = False  # this evaluation was the single look that ended it

    def as_dict(self) -> dict[str, Any]:
        v = self.verdict
        return {
            "id": self.id,
            "name": self.name,
            "hypothesis": self.hypothesis,
            "metric": self.metric,
            "state": self.state,
            "outcome": self.outcome,
            "planned_impressions_per_variant": self.planned,
            "progress": round(v.progress, 4),
            "deadline": self.deadline.isoformat(),
            "auto_apply": self.auto_apply,
            "winner_design": self.winner_design,
            "alpha": v.alpha,
            "p_value": v.p_value if self.outcome != "collecting" else None,
            "z": round(v.z, 3) if self.outcome != "collecting" else None,
            "boundary": round(v.bound, 3) if v.bound is not None and self.outcome != "collecting" else None,
            "looks": [round(t, 4) for t in v.looks],
            "stated_power": self.plan.get("power"),
            "lift_interval": [v.lift_low, v.lift_high] if self.outcome != "collecting" else None,
            "no_difference_larger_than": v.detectable_lift,
            "power_at_planned_lift": v.power_at_plan,
            "carried_by_one_pin": v.carried_by_one,
            "dispersion": round(v.test_design_effect, 4),
            "design_effect": round(v.dispersion, 4),
            "strata": v.strata,
            "effective_impressions_per_variant": v.effective_trials,
            "variants": [
                {
                    "key": s.key,
                    "design": s.design,
                    "pins_posted": s.pins_posted,
                    "pins_waiting": s.pins_waiting,
                    "impressions": s.counts.trials,
                    "successes": s.counts.successes,
                    "rate": v.rates[s.key].as_dict(),
                    "prob_best_vs_leader": (
                        round(1 - v.comparisons[s.key].prob_b_better, 4) if s.key in v.comparisons else None
                    ),
                }
                for s in self.variants
            ],
            "summary": self.summary,
        }


Unit = tuple[int, int, str]  # one pin: (successes, impressions, stratum)


def _counts(session: Session, variant_ids: list[int], metric: str) -> dict[int, list[Unit]]:
    """Per arm (experiment_variant_id, whatever look each round drew its pins in), per pin, with the
    pin's stratum: its round, board and product, the cell in which every arm has one pin."""
    pmd, pin = PMD.c, PIN.c
    rows = session.execute(
        sa_select(
            pin.experiment_variant_id,
            pmd.pin_id,
            pin.board_id,
            pin.product_id,
            pin.source_key,
            func.sum(pmd[METRICS[metric]]),
            func.sum(pmd.impressions),
        )
        .join_from(PMD, PIN, pin.id == pmd.pin_id)
        .where(pin.experiment_variant_id.in_(variant_ids))
        .group_by(pin.experiment_variant_id, pmd.pin_id, pin.board_id, pin.product_id, pin.source_key)
    ).all()
    out: dict[int, list[Unit]] = {v: [] for v in variant_ids}
    for variant_id, _pin_id, board_id, product_id, source_key, hits, imp in rows:
        out[variant_id].append((int(hits or 0), int(imp or 0), stratum(board_id, product_id, source_key)))
    return out


def stratum(board_id: int, product_id: int | None, source_key: str | None) -> str:
    """(round, board, product): the round is the last part of the experiment pin's source key."""
    round_no = (source_key or "").rsplit(":", 1)[-1]
    return f"{round_no}:{board_id}:{product_id}"


def _pin_states(session: Session, variant_ids: list[int]) -> dict[tuple[int, str], int]:
    pin = PIN.c
    rows = session.execute(
        sa_select(pin.experiment_variant_id, pin.status, func.count())
        .where(pin.experiment_variant_id.in_(variant_ids))
        .group_by(pin.experiment_variant_id, pin.status)
    ).all()
    return {(vid, str(getattr(status, "value", status))): int(n) for vid, status, n in rows}


def _status(session: Session, exp: Experiment, now: datetime) -> ExperimentStatus:
    assert exp.id is not None
    variants = session.exec(
        select(ExperimentVariant).where(ExperimentVariant.experiment_id == exp.id).order_by(col(ExperimentVariant.key))
    ).all()
    ids = [v.id for v in variants if v.id is not None]
    frozen = _frozen(session, exp)
    live = _counts(session, ids, exp.metric) if frozen is None else {}
    states = _pin_states(session, ids)
    out = []
    for v in variants:
        assert v.id is not None
        if frozen is not None and v.key in frozen:
            # Counts frozen before strata were recorded have two fields: one stratum for all.
            cells = [(int(u[0]), int(u[1]), str(u[2]) if len(u) > 2 else "") for u in frozen[v.key]]
        else:
            cells = live.get(v.id, [])
        units = tuple((x, n) for x, n, _ in cells)
        counts = VariantCounts(
            v.key, sum(x for x, _ in units), sum(n for _, n in units), units, tuple(s for _, _, s in cells)
        )
        waiting = sum(states.get((v.id, s.value), 0) for s in (PinStatus.queued, PinStatus.posting))
        out.append(
            VariantStatus(
                v.key, str(v.design.get("id") or v.template), states.get((v.id, "posted"), 0), waiting, counts
            )
        )
    planned = exp.planned_impressions or 1
    plan = load_plan(session, exp.account_id, exp.id)
    deadline = as_utc(exp.created_at) + timedelta(days=exp.horizon_days or 120)
    taken = _looks(session, exp)
    information = float(plan.get("information") or planned * DEFAULT_BASELINE.get(exp.metric, 0.01) / 2)
    args = {
        "alpha": float(plan.get("alpha") or ALPHA),
        "pin_spread": float(plan.get("pin_spread") or PIN_SPREAD),
        "lift": float(plan.get("lift") or MIN_LIFT),
    }
    arms = [s.counts for s in out]
    if frozen is not None:  # replay the look that ended it, on the counts it was judged on
        result = verdict(arms, information, taken[:-1], look=True, final=_frozen_final(session, exp), **args)
    else:
        first = as_utc(datetime.fromisoformat(plan["first_at"])) if plan.get("first_at") else as_utc(exp.created_at)
        due = now >= first + timedelta(days=LOOK_EVERY_DAYS * (len(taken) + 1))
        final = exp.status == "running" and now >= deadline
        result = verdict(arms, information, taken, look=due and exp.status == "running", final=final, **args)
        if exp.status == "running" and len(result.looks) > len(taken):
            _save_looks(session, exp, result.looks, now)
    outcome = result.status
    winner = next((s.design for s in out if s.key == result.winner), None) if outcome == "winner" else None
    status = ExperimentStatus(
        exp.id,
        exp.name,
        exp.hypothesis,
        exp.metric,
        exp.status,
        outcome,
        planned,
        deadline,
        exp.auto_apply,
        out,
        result,
        winner,
        plan,
    )
    if outcome != "collecting":
        status.summary = summarise(status)
    return status


def _frozen(session: Session, exp: Experiment) -> dict[str, list[list[Any]]] | None:
    row = read_in(session, exp.account_id, experiment_result_key(exp.id))
    if row is None:
        return None
    try:
        return dict(json.loads(row[0])["units"])
    except (ValueError, KeyError, TypeError):
        return None


def _looks(session: Session, exp: Experiment) -> list[float]:
    row = read_in(session, exp.account_id, experiment_looks_key(exp.id))
    try:
        return [float(t) for t in json.loads(row[0])["fractions"]] if row else []
    except (ValueError, KeyError, TypeError):
        return []


def _save_looks(session: Session, exp: Experiment, fractions: list[float], now: datetime) -> None:
    value = json.dumps({"fractions": fractions, "last_at": now.isoformat()})
    write_in(session, exp.account_id, experiment_looks_key(exp.id), value, now)


def _frozen_final(session: Session, exp: Experiment) -> bool:
    row = read_in(session, exp.account_id, experiment_result_key(exp.id))
    try:
        return bool(json.loads(row[0]).get("final", True)) if row else True
    except (ValueError, AttributeError):
        return True


def _finish(session: Session, exp: Experiment, status: ExperimentStatus, now: datetime) -> None:
    """The look that ended it: freeze the counts, record the outcome and the winner, free the boards."""
    exp.status = "finished"
    exp.finished_at = now
    if status.outcome == "winner":
        winner = session.exec(
            select(ExperimentVariant).where(
                ExperimentVariant.experiment_id == exp.id, ExperimentVariant.key == status.verdict.winner
            )
        ).first()
        exp.winner_variant_id = winner.id if winner else None
    session.add(exp)
    units = {
        s.key: [[x, n, *s.counts.strata[i : i + 1]] for i, (x, n) in enumerate(s.counts.units)] for s in status.variants
    }
    final = status.verdict.final_look
    value = json.dumps({"outcome": status.outcome, "units": units, "final": final, "finished_at": now.isoformat()})
    write_in(session, exp.account_id, experiment_result_key(exp.id), value, now)
    status.state = "finished"
    status.just_finished = True
    ids = [v.id for v in session.exec(select(ExperimentVariant).where(ExperimentVariant.experiment_id == exp.id))]
    for pin in session.exec(
        select(Pin).where(col(Pin.experiment_variant_id).in_(ids), Pin.status == PinStatus.queued)
    ).all():
        pin.status = PinStatus.cancelled  # the test has its answer: its remaining pins would only hold boards
        session.add(pin)


def evaluate(engine: Engine, account_id: int, now: datetime, ref: str | None = None) -> list[ExperimentStatus]:
    """Status of one experiment (by id or name) or of all; finishes those whose plan or horizon is reached."""
    with session_scope(engine) as session:
        query = select(Experiment).where(Experiment.account_id == account_id).order_by(col(Experiment.id))
        if ref is not None:
            by_name = col(Experiment.name) == ref
            query = query.where(by_name | (col(Experiment.id) == int(ref)) if ref.isdigit() else by_name)
        experiments = session.exec(query).all()
        if ref is not None and not experiments:
            raise NotFound(f"no experiment {ref!r}; see `pinbot experiment list`")
        out = []
        for exp in experiments:
            status = _status(session, exp, now)
            if exp.status == "running" and status.outcome != "collecting":
                _finish(session, exp, status, now)
            out.append(status)
        return out


def summarise(s: ExperimentStatus) -> dict[str, list[str]]:
    """Successes, failures and what we learned, in sentences with the numbers behind them."""
    v = s.verdict
    metric = s.metric.replace("_", " ")
    rates = {k: r for k, r in v.rates.items()}
    design = {x.key: x.design for x in s.variants}
    lift = s.plan.get("lift", 0.3)
    successes: list[str] = []
    failures: list[str] = []
    learned: list[str] = []
    if s.outcome == "winner" and v.winner:
        w = rates[v.winner]
        for key, comp in v.comparisons.items():
            r = rates[key]
            change = f"{comp.lift * 100:+.0f}%" if comp.lift is not None else "n/a"
            successes.append(
                f"{design[v.winner]} beat {design[key]}: {pct(w.value)} vs {pct(r.value)} {metric} "
                f"({change}, p = {comp.p_value:.3g}), {w.trials:,} vs {r.trials:,} impressions."
            )
            failures.append(f"{design[key]} lost: {pct(r.value)} {metric} over {r.trials:,} impressions.")
        learned.append(f"Hypothesis “{s.hypothesis or s.name}”: the data favour {design[v.winner]}.")
        learned.append(
            f"Future pins of these products use {design[v.winner]}."
            if s.auto_apply
            else f"Run `{apply_command(s.name)}` to use {design[v.winner]} for these products."
        )
    elif s.outcome == "no_difference":
        # Not a failure: the test ruled out any difference larger than it could see.
        learned.append(
            f"No winner: {', '.join(f'{design[k]} {pct(r.value)}' for k, r in rates.items())} {metric}; "
            f"too close to call (p = {v.p_value:.3g})."
        )
        learned.append(_no_difference_lesson(s, metric, lift))
    return {"successes": successes, "failures": failures, "learned": learned}


def apply_command(name: str) -> str:
    """The command that applies an experiment's winner, with the name quoted for a shell."""
    return f"pinbot experiment status {shlex.quote(name)} --apply"


def _no_difference_lesson(s: ExperimentStatus, metric: str, lift: float) -> str:
    """What "no difference" means: the largest difference the test would very likely have seen,
    so a test without a winner still says what it ruled out."""
    v = s.verdict
    n = min((x.counts.trials for x in s.variants), default=0)
    hits = sum(x.counts.successes for x in s.variants)
    hypothesis = f"Hypothesis “{s.hypothesis or s.name}”"
    size = f"{n:,} views per design"
    if hits <= 0:
        return (
            f"{hypothesis}: not tested. With no {metric.removesuffix(' rate')}s at all in {size} there is nothing "
            "to compare; the designs may or may not differ. Test on boards or products with more traffic."
        )
    seen = v.power_at_plan or 0.0
    # None or infinite: an error estimated from too few units (a round on one board) bounds nothing
    if v.detectable_lift is None or not v.detectable_lift <= LARGEST_LIFT:
        return (
            f"{hypothesis}: not settled. {size.capitalize()} are too few to tell: even a design that does four "
            "times as well could easily have been missed. Test with more rounds or on more products."
        )
    bound = (
        f"no difference larger than {v.detectable_lift:.0%} (a real one that large would have shown 90% of the time)"
    )
    if v.detectable_lift <= lift:
        return (
            f"{hypothesis}: not supported. After {size} there is {bound}; a {lift:.0%} difference would have shown "
            f"{seen:.0%} of the time. The design is not what moves {metric} here: test something bigger next, "
            "the photo, the title or the board."
        )
    return (
        f"{hypothesis}: not settled. After {size} the designs are too close to call: {bound}, but a "
        f"{lift:.0%} difference would have shown only {seen:.0%} of the time, so a smaller one may be there."
    )


def apply_winner(engine: Engine, account_id: int, ref: str, now: datetime) -> ExperimentStatus:
    """Turn auto-apply on for a finished experiment with a winner (the owner's explicit choice)."""
    with session_scope(engine) as session:
        exp = session.exec(
            select(Experiment).where(Experiment.account_id == account_id, Experiment.name == ref)
        ).first() or (session.get(Experiment, int(ref)) if ref.isdigit() else None)
        if exp is None or exp.account_id != account_id:
            raise NotFound(f"no experiment {ref!r}; see `pinbot experiment list`")
        exp.auto_apply = True
        session.add(exp)
    return evaluate(engine, account_id, now, str(exp.id))[0]
