"""What the queue and the experiments both need to know about designs: which one a product prefers.

An experiment that finished with `auto_apply` hands its winner on: the product's future pins (and its
evergreen re-pins) use that design. The queue asks here before it picks a design; the experiments
write the winner. Living in `queue/` keeps the direction one way: experiments import the queue,
never the reverse.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine
from sqlalchemy import select as sa_select

from pinbot.store.db import read_scope, session_scope
from pinbot.store.tables import EXPERIMENT, PIN, VARIANT


def preferred_design(engine: Engine, account_id: int, product_id: int) -> str | None:
    """The design that won the latest auto-applied experiment on this product, or None.

    The planner uses it for the product's future pins and its evergreen re-pins.
    """
    exp_t, var_t = EXPERIMENT, VARIANT
    e, v, pin = exp_t.c, var_t.c, PIN.c
    with session_scope(engine) as session:
        tested = (
            sa_select(v.experiment_id)
            .join_from(PIN, var_t, v.id == pin.experiment_variant_id)
            .where(pin.product_id == product_id, pin.account_id == account_id)
        )
        row = session.execute(
            sa_select(v.design, v.template)
            .join_from(exp_t, var_t, v.id == e.winner_variant_id)
            .where(e.account_id == account_id, e.auto_apply.is_(True), e.status == "finished", e.id.in_(tested))
            .order_by(e.finished_at.desc(), e.id.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    design, template = row
    return str((design or {}).get("id") or template) if (design or template) else None


def preferred_designs(engine: Engine, account_id: int, product_ids: Iterable[int]) -> dict[int, str]:
    """`preferred_design` for many products in two queries (a loop asks for dozens at a time)."""
    ids = list(set(product_ids))
    if not ids:
        return {}
    e, v, pin = EXPERIMENT.c, VARIANT.c, PIN.c
    with read_scope(engine) as session:
        tested = session.execute(
            sa_select(pin.product_id, v.experiment_id)
            .join_from(PIN, VARIANT, v.id == pin.experiment_variant_id)
            .where(pin.account_id == account_id, pin.product_id.in_(ids))
            .distinct()
        ).all()
        if not tested:
            return {}
        winners = session.execute(
            sa_select(e.id, e.finished_at, v.design, v.template)
            .join_from(EXPERIMENT, VARIANT, v.id == e.winner_variant_id)
            .where(
                e.account_id == account_id,
                e.auto_apply.is_(True),
                e.status == "finished",
                e.id.in_({exp for _, exp in tested}),
            )
        ).all()
    by_exp = {exp_id: (finished, exp_id, design, template) for exp_id, finished, design, template in winners}
    best: dict[int, tuple[object, int, str]] = {}
    for product_id, exp_id in tested:
        if exp_id not in by_exp:
            continue
        finished, _, design, template = by_exp[exp_id]
        name = str((design or {}).get("id") or template) if (design or template) else None
        if name is None:
            continue
        rank = (finished, exp_id)
        if product_id not in best or rank > best[product_id][:2]:  # type: ignore[operator]
            best[product_id] = (finished, exp_id, name)
    return {pid: name for pid, (_, _, name) in best.items()}
