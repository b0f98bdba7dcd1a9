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
import zlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from pinbot.clock import as_utc
from pinbot.errors import InvalidInput, NotFound, StateConflict
from pinbot.experiments.feasibility import MAX_ROUNDS, METRICS, options_for, shop_traffic, suited_products
from pinbot.experiments.rounds import Design, Round, live_images, plan_rounds, why_fewer
from pinbot.experiments.sizing import (
    MATURE_DAYS,
    MAX_DAYS,
    TARGET_POWER,
    propose,
    schedule,
)
from pinbot.experiments.sizing import (
    every_hours as spacing,
)
from pinbot.experiments.stored import ExperimentPlan
from pinbot.queue.service import PinRequest, QueueService
from pinbot.render import CROPS, PALETTES, list_templates
from pinbot.shop.boards import require_board
from pinbot.shop.products import find_product
from pinbot.stats import ALPHA, MIN_LIFT
from pinbot.store.db import session_scope
from pinbot.store.models import Board, Experiment, ExperimentVariant, Pin, Product
from pinbot.store.state import delete_in, experiment_plan_key, write_in

__all__ = [
    "Design",
    "ExperimentPlan",
    "create_experiment",
    "resolve_designs",
]


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
    """As everywhere a product is named (`find_product`): an id, a key, or `etsy:32`; a ref that
    could be two products (an Etsy SKU "4" and product 4) is refused with what to type, never guessed."""
    found = []
    for ref in refs:
        try:
            found.append(find_product(session, account_id, ref))
        except InvalidInput as exc:
            raise InvalidInput("--products", exc.reason) from None
        except NotFound:
            raise NotFound(f"--products: no product {ref.strip()!r} (its key is in `pinbot products list`)") from None
    if not found:
        raise InvalidInput("--products", "give at least one product")
    return found


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
    strict: bool = False,
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
        prods, unsuited = suited_products(_products(session, account_id, products), designs, assets_dir)
        product_ids = [p.id for p in prods if p.id is not None]
        board_keys = list(dict.fromkeys(b.strip() for b in boards if b.strip())) or _default_boards(
            session, account_id, product_ids
        )
        traffics = {m: shop_traffic(session, account_id, m, now) for m in METRICS}
        known = traffics[metric]
        if not board_keys:
            raise InvalidInput("--boards", "these products have never been pinned; name the boards to test on")
        for key in board_keys:
            require_board(queue.boards, key)
        used = live_images(session, account_id, queue.boards, board_keys, prods, assets_dir)
        proposal = propose(known, len(designs), len(board_keys), len(product_ids), lift, ALPHA, MAX_ROUNDS, rounds)
    notes = list(unsuited)
    wanted = rounds
    rounds = proposal.sizing.rounds
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
        proposal = propose(known, len(designs), len(board_keys), len(product_ids), lift, ALPHA, MAX_ROUNDS, rounds)
    every = every_hours or spacing(len(product_ids))
    if every != proposal.every or wanted is not None:  # the owner's spacing or rounds: say what they promise
        proposal = propose(
            known, len(designs), len(board_keys), len(product_ids), lift, ALPHA, MAX_ROUNDS, rounds, every
        )
    sizing = proposal.sizing
    options = (
        []
        if proposal.feasible or planned_impressions
        else options_for(traffics, metric, len(designs), len(board_keys), len(product_ids), lift, proposal)
    )
    if options and strict:
        raise InvalidInput(
            "--strict",
            f"at this shop's traffic this test finds a real {lift:.0%} difference only {sizing.power:.0%} of the time "
            f"within {sizing.days} days (a plan aims for {TARGET_POWER:.0%} within {MAX_DAYS} days). "
            "To make it feasible: " + "; or ".join(options),
        )
    information, stated = sizing.information, sizing.power
    if planned_impressions:  # the owner fixed the sample (--sample): a plain binomial test's information
        information, stated = planned_impressions * known.rate / 2, 0.0
    first = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    requests: list[tuple[Design, PinRequest]] = []
    order = schedule(len(designs), len(board_keys), len(prods), rounds, every, seed=zlib.crc32(name.encode()))
    for r, b, d, p, hours in order:
        at = first + timedelta(hours=hours)
        requests.append((designs[d], _request(prods[p], designs[d], looks[r], board_keys[b], at, name, r)))
    last = first + timedelta(hours=order[-1][4])
    horizon = horizon_days or math.ceil((last - now).total_seconds() / 86400) + MATURE_DAYS
    feasible = bool(planned_impressions) or proposal.feasible
    expected = round(sizing.clicks / known.rate) if known.rate > 0 else 0

    with session_scope(engine) as session:
        exp = Experiment(
            account_id=account_id,
            name=name,
            hypothesis=hypothesis.strip(),
            metric=metric,
            planned_impressions=planned_impressions or expected,
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
            exp.id,
            name,
            metric,
            known.rate,
            known.source,
            lift,
            ALPHA,
            stated,
            planned_impressions or expected,
            designs,
            board_keys,
            product_ids,
            rounds,
            every,
            first,
            last,
            horizon,
            notes=notes,
            round_looks=looks,
            information=information,
            pin_spread=known.pin_spread,
            feasible=feasible,
            detectable=sizing.detectable,
            options=options,
            traffic=known.as_dict(),
        )
        if not feasible:
            plan.notes.insert(
                0,
                f"at this shop's traffic this test finds a real {lift:.0%} difference only {stated:.0%} of the time "
                f"by its horizon (a plan aims for {TARGET_POWER:.0%}). It is queued anyway; to make it feasible: "
                + "; or ".join(options),
            )
        write_in(session, account_id, experiment_plan_key(exp.id), json.dumps(plan.as_dict()), now)
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
        write_in(session, account_id, experiment_plan_key(plan.experiment_id), json.dumps(plan.as_dict()), now)


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
            delete_in(session, exp.account_id, experiment_plan_key(experiment_id))
            session.delete(exp)
