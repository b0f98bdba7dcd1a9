"""Acting on a surge: queue the product to more boards now, with designs it has not worn yet.

"More boards" are the shop's boards where this product has no pin yet (queued or posted); the
design for each is a template the product has not used, rotating through the shop's templates
(a fresh look for people who already saw it). The pins go through the queue and its planner, so
the posting rules (windows, daily cap, spacing) hold. Before anything is queued the product must
be in stock and its link must work: a surge that sends people to a sold-out or missing page is
wasted, and the owner hears it loudly instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import col, select

from pinbot.errors import InvalidInput, StateConflict
from pinbot.queue.product_pins import ProductPinOptions, product_requests
from pinbot.queue.service import QueueService
from pinbot.shop.products import ProductService, typed_ref
from pinbot.store.db import session_scope
from pinbot.store.models import Board, Pin, PinStatus, Product, Surge
from pinbot.web.linkcheck import LinkVerdict
from pinbot.words import clip

LIVE = (PinStatus.queued, PinStatus.posting, PinStatus.posted)


@dataclass
class BoostPlan:
    product_id: int
    product_title: str
    boards: list[tuple[str, str]] = field(default_factory=list)  # (board key, template)
    queued: list[int] = field(default_factory=list)  # pin ids
    skipped: str = ""

    def summary(self) -> str:
        if not self.boards:
            return self.skipped or "nothing to queue"
        where = ", ".join(f"{b} ({t})" for b, t in self.boards)
        return f"queued {len(self.queued)} pin(s) of {clip(self.product_title, 60)!r} to {where}"


def product_of_surge(queue: QueueService, surge: Surge) -> int | None:
    if surge.pin_id is None:
        return None
    with session_scope(queue.engine) as session:
        pin = session.get(Pin, surge.pin_id)
        return pin.product_id if pin is not None else None


def used(queue: QueueService, product_id: int) -> tuple[set[str], set[str]]:
    """(board keys, templates) this product already has live pins on."""
    with session_scope(queue.engine) as session:
        rows = session.exec(
            select(Board.key, Pin.template)
            .join(Board, col(Board.id) == Pin.board_id)
            .where(Pin.account_id == queue.account_id, Pin.product_id == product_id, col(Pin.status).in_(LIVE))
        ).all()
    return {r[0] for r in rows}, {r[1] for r in rows if r[1]}


def plan_boost(
    queue: QueueService, product: Product, templates: Sequence[str], boards: Sequence[str] | None = None
) -> BoostPlan:
    assert product.id is not None
    plan = BoostPlan(product.id, product.title)
    on_boards, worn = used(queue, product.id)
    targets = list(boards) if boards else sorted(k for k in queue.boards if k not in on_boards)
    if not targets:
        plan.skipped = "the product is already on every board; add a board (boards/KEY.toml) to reach new people"
        return plan
    fresh = [t for t in templates if t not in worn] or list(templates)
    for i, key in enumerate(targets):
        if key not in queue.boards:
            raise InvalidInput("board", f"no board {key!r}; boards are: {', '.join(sorted(queue.boards))}")
        plan.boards.append((key, fresh[i % len(fresh)] if fresh else queue.boards[key].default_template or ""))
    return plan


def boost(
    queue: QueueService,
    products: ProductService,
    surge: Surge | None,
    product_ref: str | int,
    templates: Sequence[str],
    image_base: Path,
    check_link: Callable[..., LinkVerdict],
    now: datetime,
    boards: Sequence[str] | None = None,
    dry_run: bool = False,
) -> BoostPlan:
    """Queue the product to more boards (or say, loudly, why not). Records the action on the surge."""
    # An int is a product id from the surge: an Etsy SKU "4" may also be product 4 (`find_product`).
    product = products.get_id(product_ref) if isinstance(product_ref, int) else products.get(product_ref)
    assert product.id is not None
    if not product.in_stock:
        raise StateConflict(
            f"product {product.id} ({clip(product.title, 60)}) is SOLD OUT while people are looking at it: restock it "
            f"(then `pinbot products stock {typed_ref(product.id, product.source, product.external_id)} --in`) "
            "before sending more of them there"
        )
    if product.link:
        verdict = check_link(product.link, product_page=True, in_stock=True)
        if verdict.dead:
            raise StateConflict(
                f"product {product.id}: its link {product.link} is {verdict.verdict.replace('_', ' ')} "
                f"({verdict.reason}); fix the page before sending more people there"
            )
    plan = plan_boost(queue, product, templates, boards)
    if dry_run or not plan.boards:
        return plan
    requests = []
    for key, template in plan.boards:
        opts = ProductPinOptions(boards=(key,), template=template or None)
        requests += product_requests(products, queue, product.id, opts, image_base)
    result = queue.enqueue(requests)
    plan.queued = list(result.created)
    if surge is not None and surge.id is not None:
        with session_scope(queue.engine) as session:
            row = session.get(Surge, surge.id)
            if row is not None:
                row.action = (row.action + "; " if row.action else "") + plan.summary()
                row.acted_at = now
                session.add(row)
    return plan
