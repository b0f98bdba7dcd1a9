"""What the queue and the experiments both need to know about designs: which one a product prefers.

An experiment that finished with `auto_apply` hands its winner on: the product's future pins (and its
evergreen re-pins) use that design. The queue asks here before it picks a design; the experiments
write the winner. Living in `queue/` keeps the direction one way: experiments import the queue,
never the reverse.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy import select as sa_select

from pinbot.store.db import session_scope
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
