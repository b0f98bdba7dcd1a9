"""Design experiments: plan a fixed sample, queue balanced pins, and hand the winner's design on.

Owns creating an experiment (its variants are designs: a template name such as `photo-band`, or a
renderer variant id `template.palette.crop`), the plan (impressions per variant from the shop's
baseline rate, the minimum lift worth finding and the power, see `pinbot.stats`), the balanced
schedule (every variant on the same boards, for the same products, in rounds whose variant order
rotates, so neither time of day, weekday nor board can favour one design; what changes between
rounds so that no board sees the same image twice is `experiments.rounds`). The winner's design
is read back by `pinbot.queue.designs.preferred_design`.
Status, verdict and summary live in `experiments/status.py`; they count an arm's pins by
`Pin.experiment_variant_id`, whatever look each round gave them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from pinbot.clock import as_utc
from pinbot.errors import InvalidInput, NotFound, PinbotError, StateConflict
from pinbot.experiments.rounds import Design, Round, live_images, plan_rounds, why_fewer
from pinbot.queue.service import PinRequest, QueueService
from pinbot.render import CROPS, PALETTES, list_templates, load_template
from pinbot.render.fits import infos_for, template_fits
from pinbot.shop.boards import require_board
from pinbot.stats import ALPHA, MIN_LIFT, POWER, planned_sample
from pinbot.store.db import session_scope
from pinbot.store.models import Board, Experiment, ExperimentVariant, Pin, Product, ServiceState
from pinbot.store.state import write_in
from pinbot.store.tables import PIN, PMD

__all__ = [
    "Design",
    "ExperimentPlan",
    "create_experiment",
    "load_plan",
    "resolve_designs",
]

METRICS = {"outbound_click_rate": "outbound_clicks", "save_rate": "saves", "pin_click_rate": "pin_clicks"}
# Used when the shop has too little history (< 10,000 impressions in 90 days) to measure its own.
DEFAULT_BASELINE = {"outbound_click_rate": 0.01, "save_rate": 0.015, "pin_click_rate": 0.02}
DEFAULT_IMPRESSIONS_PER_PIN = 3000  # a small shop's pin over ~60 days, when history cannot tell
MAX_ROUNDS = 12
LINK_GAP_HOURS = 48  # the same product link at most once per 48 h (spam-block advice)
PLAN_KEY = "experiment:{id}:plan"
RESULT_KEY = "experiment:{id}:result"


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
        }


def resolve_designs(names: Sequence[str], assets_dir: Path) -> list[Design]:
    """Template names or renderer variant ids (`template.palette.crop`); at least two, all different."""
    templates = list_templates(assets_dir)
    out: list[Design] = []
    for raw in names:
        name = raw.strip()
        parts = name.split(".")
        if len(parts) == 3 and parts[0] in templates and parts[1] in PALETTES and parts[2] in CROPS:
            out.append(Design(name, parts[0]))
        elif name in templates:
            out.append(Design(name, name))
        else:
            known = ", ".join(templates) or "none found"
            raise InvalidInput(
                "--variants", f"{name!r} is neither a template ({known}) nor a variant id like photo-band.brand.subject"
            )
    if len(out) < 2:
        raise InvalidInput("--variants", "give at least two designs, e.g. --variants photo-band,split-block")
    if len({d.id for d in out}) != len(out):
        raise InvalidInput("--variants", "each design may appear once")
    if len(out) > 4:
        raise InvalidInput("--variants", "at most four designs: every extra one multiplies the sample needed")
    return out


def _products(session: Session, account_id: int, refs: Sequence[str]) -> list[Product]:
    found = []
    for ref in refs:
        ref = ref.strip()
        query = select(Product).where(Product.account_id == account_id)
        row = session.exec(
            query.where(Product.id == int(ref)) if ref.isdigit() else query.where(Product.external_id == ref)
        ).first()
        if row is None and ref.isdigit():
            row = session.exec(query.where(Product.external_id == ref)).first()
        if row is None:
            raise NotFound(f"--products: no product {ref!r} (give a product id or its external id)")
        found.append(row)
    if not found:
        raise InvalidInput("--products", "give at least one product")
    return found


def _suited(prods: list[Product], designs: list[Design], assets_dir: Path) -> tuple[list[Product], list[str]]:
    """The products every design can show whole and uncovered (`template_fits`), and a note for each
    one left out: every arm of an experiment needs the same products."""
    kept: list[Product] = []
    notes: list[str] = []
    for product in prods:
        photos = [Path(p) for p in product.image_paths if p]
        why = ""
        try:
            infos = infos_for(photos) if photos else []
            for design in designs:
                ok, reason = template_fits(infos, load_template(assets_dir, design.template))
                if not ok:
                    why = f"{design.template}: {reason}"
                    break
        except PinbotError:
            why = ""  # an unreadable photo is reported when its pin renders
        if why:
            notes.append(f"product {product.id} left out ({why})")
        else:
            kept.append(product)
    if not kept:
        raise InvalidInput("--products", "no product suits every design: " + "; ".join(notes))
    return kept, notes


def _shop_baseline(session: Session, account_id: int, metric: str, now: datetime) -> tuple[float, str, int]:
    """(baseline rate, where it came from, typical impressions per pin) from the last 90 days."""
    pmd, pin = PMD.c, PIN.c
    since = (now - timedelta(days=90)).date()
    column = pmd[METRICS[metric]]
    imp, hits, pins = session.execute(
        sa_select(func.sum(pmd.impressions), func.sum(column), func.count(func.distinct(pmd.pin_id)))
        .join_from(PMD, PIN, pin.id == pmd.pin_id)
        .where(pin.account_id == account_id, pmd.day >= since)
    ).one()
    imp, hits, pins = int(imp or 0), int(hits or 0), int(pins or 0)
    per_pin = max(500, imp // pins) if pins >= 10 else DEFAULT_IMPRESSIONS_PER_PIN
    if imp >= 10_000 and hits > 0:
        return hits / imp, f"the shop's last 90 days ({imp:,} impressions)", per_pin
    return DEFAULT_BASELINE[metric], "a typical small shop (not enough history of your own yet)", per_pin


def _default_boards(session: Session, account_id: int, product_ids: list[int]) -> list[str]:
    rows = session.exec(
        select(Board.key)
        .join(Pin, col(Pin.board_id) == Board.id)
        .where(Pin.account_id == account_id, col(Pin.product_id).in_(product_ids))
        .distinct()
    ).all()
    return sorted(rows)


def create_experiment(
    engine: Engine,
    account_id: int,
    queue: QueueService,
    *,
    name: str,
    hypothesis: str,
    products: Sequence[str],
    variants: Sequence[str],
    assets_dir: Path,
    boards: Sequence[str] = (),
    metric: str = "outbound_click_rate",
    lift: float = MIN_LIFT,
    planned_impressions: int | None = None,
    rounds: int | None = None,
    every_hours: int | None = None,
    horizon_days: int | None = None,
    auto: bool = False,
) -> ExperimentPlan:
    """Validate everything, record the experiment and queue its pins; nothing is written on bad input."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("--name", "give a name of 1 to 100 characters")
    if metric not in METRICS:
        raise InvalidInput("--metric", f"one of {', '.join(METRICS)}")
    if not 0 < lift <= 5:
        raise InvalidInput("--lift", "a relative lift such as 0.3 for +30%")
    designs = resolve_designs(variants, assets_dir)
    now = queue.clock.now()
    with session_scope(engine) as session:
        if session.exec(select(Experiment).where(Experiment.account_id == account_id, Experiment.name == name)).first():
            raise StateConflict(f"an experiment named {name!r} exists already; choose another name")
        prods, unsuited = _suited(_products(session, account_id, products), designs, assets_dir)
        product_ids = [p.id for p in prods if p.id is not None]
        board_keys = list(dict.fromkeys(b.strip() for b in boards if b.strip())) or _default_boards(
            session, account_id, product_ids
        )
        baseline, source, per_pin = _shop_baseline(session, account_id, metric, now)
        if not board_keys:
            raise InvalidInput("--boards", "these products have never been pinned; name the boards to test on")
        for key in board_keys:
            require_board(queue.boards, key)
        used = live_images(session, account_id, queue.boards, board_keys, prods, assets_dir)
    planned = planned_impressions or planned_sample(baseline, lift)
    cells = len(product_ids) * len(board_keys)
    notes = list(unsuited)
    wanted = rounds
    if rounds is None:
        rounds = max(1, math.ceil(planned / per_pin / cells))
        if rounds > MAX_ROUNDS:
            notes.append(
                f"the plan needs about {math.ceil(planned / per_pin)} pins per design; {MAX_ROUNDS * cells} are "
                "queued and the verdict waits until their impressions reach the plan"
            )
            rounds = MAX_ROUNDS
    photos = {p.id: list(p.image_paths) for p in prods if p.id is not None}
    looks = plan_rounds(designs, photos, board_keys, rounds, used, assets_dir)
    if len(looks) < rounds:
        blocked = used and len(plan_rounds(designs, photos, board_keys, rounds, set(), assets_dir)) > len(looks)
        why = why_fewer(designs, prods, bool(blocked))
        if wanted is not None or not looks:
            raise InvalidInput(
                "--rounds",
                f"only {len(looks)} of {rounds} rounds can be queued without putting the same photo in the "
                f"same design on a board twice: {why}",
            )
        notes.append(f"{len(looks)} round{'s' if len(looks) != 1 else ''} instead of the {rounds} planned: {why}")
        rounds = len(looks)
    every = every_hours or max(12, math.ceil(LINK_GAP_HOURS / len(product_ids)))
    first = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    requests: list[tuple[Design, PinRequest]] = []
    slot = 0
    for r, look in enumerate(looks):
        for b, board in enumerate(board_keys):
            shift = (r + b) % len(designs)
            for design in designs[shift:] + designs[:shift]:  # the order rotates every round and board
                for product in prods:
                    at = first + timedelta(hours=every * slot)
                    slot += 1
                    requests.append((design, _request(product, design, look, board, at, name, r)))
    last = first + timedelta(hours=every * (slot - 1))
    horizon = horizon_days or (last - now).days + 60

    with session_scope(engine) as session:
        exp = Experiment(
            account_id=account_id,
            name=name,
            hypothesis=hypothesis.strip(),
            metric=metric,
            planned_impressions=planned,
            horizon_days=horizon,
            auto_apply=auto,
            created_at=now,
        )
        session.add(exp)
        session.flush()
        assert exp.id is not None
        variant_ids: dict[str, int] = {}
        for i, design in enumerate(designs):
            row = ExperimentVariant(
                experiment_id=exp.id, key=chr(ord("A") + i), template=design.template, design={"id": design.id}
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            variant_ids[design.id] = row.id
        plan = ExperimentPlan(
            exp.id, name, metric, baseline, source, lift, ALPHA, 0.0 if planned_impressions else POWER, planned,
            designs, board_keys, product_ids, rounds, every, first, last, horizon, notes=notes, round_looks=looks,
        )  # fmt: skip
        session.add(
            ServiceState(account_id=account_id, key=PLAN_KEY.format(id=exp.id), value=json.dumps(plan.as_dict()))
        )
    try:
        result = queue.enqueue([_with_variant(req, variant_ids[design.id]) for design, req in requests])
    except Exception:
        _delete(engine, plan.experiment_id)
        raise
    plan.pins_created = len(result.created)
    _record_placed_times(engine, account_id, plan, result.created, now, horizon_days)
    return plan


def _record_placed_times(
    engine: Engine, account_id: int, plan: ExperimentPlan, pin_ids: Sequence[int], now: datetime, horizon: int | None
) -> None:
    """The planner placed the pins inside the posting windows (never before their slot): keep the
    plan's first and last times, and the horizon, true to where they landed."""
    if not pin_ids:
        return
    with session_scope(engine) as session:
        due = [as_utc(d) for d in session.exec(select(Pin.due_at).where(col(Pin.id).in_(list(pin_ids)))).all()]
        plan.first_at, plan.last_at = min(due), max(due)
        exp = session.get(Experiment, plan.experiment_id)
        if horizon is None and exp is not None:
            plan.horizon_days = exp.horizon_days = max(exp.horizon_days or 0, (plan.last_at - now).days + 60)
            session.add(exp)
        write_in(session, account_id, PLAN_KEY.format(id=plan.experiment_id), json.dumps(plan.as_dict()), now)


def _request(
    product: Product, design: Design, look: Round, board: str, at: datetime, name: str, round_no: int
) -> PinRequest:
    return PinRequest(
        boards=(board,),
        title=product.title[:100],
        description=product.description[:800],
        link=product.link,
        image=look.photo_of(product.image_paths),
        alt_text=product.title[:500],
        not_before=at,  # the planner fits it into the posting windows and the daily cap
        template=design.template,
        variant_key=look.designs[design.id],  # this round's look; the arm is experiment_variant_id
        product_id=product.id,
        source_key=f"exp:{name}:{design.id}:{product.id}:{round_no}",
    )


def _with_variant(req: PinRequest, variant_id: int) -> PinRequest:
    return replace(req, experiment_variant_id=variant_id)


def _delete(engine: Engine, experiment_id: int) -> None:
    with session_scope(engine) as session:
        for row in session.exec(select(ExperimentVariant).where(ExperimentVariant.experiment_id == experiment_id)):
            session.delete(row)
        exp = session.get(Experiment, experiment_id)
        if exp is not None:
            for state in session.exec(
                select(ServiceState).where(ServiceState.key == PLAN_KEY.format(id=experiment_id))
            ):
                session.delete(state)
            session.delete(exp)


def load_plan(session: Session, account_id: int, experiment_id: int) -> dict[str, Any]:
    row = session.exec(
        select(ServiceState).where(
            ServiceState.account_id == account_id, ServiceState.key == PLAN_KEY.format(id=experiment_id)
        )
    ).first()
    try:
        return dict(json.loads(row.value)) if row else {}
    except ValueError:
        return {}
