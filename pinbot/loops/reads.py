"""What a top-up reads from the database, lean: plain rows on one read connection, no ORM objects.

Owns the loop's view of the shop: the in-stock products (kept between passes while the product
table's fingerprint is unchanged), the board ids, per product and board the pins so far (one
GROUP BY), the (photo, design) pairs live per product and board, how many pins are queued up to
the horizon, and cancelling a seasonal loop's queued pins that fell outside its season.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, String, bindparam, case, cast, func, update
from sqlalchemy import select as sa_select

from pinbot.clock import as_utc
from pinbot.queue.lint import LIVE, design_key
from pinbot.store.db import read_connection, write_connection
from pinbot.store.models import PinStatus
from pinbot.store.tables import BOARD, PIN, PRODUCT

_LIVE = [s.value for s in LIVE]
_QUEUED = PinStatus.queued.value


@dataclass(frozen=True)
class Product:
    id: int
    title: str
    description: str
    link: str
    images: tuple[str, ...]
    tags: tuple[str, ...]
    lower_tags: frozenset[str]


@dataclass(frozen=True)
class History:
    """One product on one board so far: pins ever made, the last live one's time, one still queued."""

    count: int
    last: datetime | None
    queued: bool


def as_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands MAX() of a datetime back as text
        value = datetime.fromisoformat(value)
    return as_utc(value)


class LoopReads:
    """The reads of one account's top-ups; statements are built once (building them is most of a
    small read's cost) and take their changing values as bound parameters."""

    def __init__(self, engine: Engine, account_id: int) -> None:
        self.engine = engine
        self.account_id = account_id
        self._products: tuple[tuple[Any, ...], dict[int, Product]] | None = None
        pin, bd, pr = PIN.c, BOARD.c, PRODUCT.c
        self._queued = sa_select(func.count()).where(
            pin.account_id == account_id, pin.status == _QUEUED, pin.due_at <= bindparam("until")
        )
        self._boards = sa_select(bd["key"], bd.id).where(bd.account_id == account_id)
        self._history = (
            sa_select(
                pin.product_id,
                pin.board_id,
                func.count(),
                func.max(case((pin.status.in_(_LIVE), func.coalesce(pin.posted_at, pin.due_at)))),
                func.sum(case((pin.status == _QUEUED, 1), else_=0)),
            )
            .where(pin.account_id == account_id, pin.product_id.is_not(None))
            .group_by(pin.product_id, pin.board_id)
        )
        # Re-read the products only when the table changed: one added, removed, restocked or edited
        # (a newer updated_at, or texts of another length even within one clock tick).
        texts = [pr.title, pr.description, pr.link, pr.image_paths, pr.tags]
        size = sum((func.coalesce(func.length(cast(c, String)), 0) for c in texts[1:]), func.length(texts[0]))
        stock = func.sum(case((pr.in_stock.is_(True), pr.id), else_=0))
        mine = pr.account_id == account_id
        self._stamp = sa_select(func.count(), func.max(pr.updated_at), stock, func.sum(size)).where(mine)
        self._in_stock_rows = sa_select(pr.id, pr.title, pr.description, pr.link, pr.image_paths, pr.tags).where(
            mine, pr.in_stock.is_(True)
        )
        self._used = sa_select(pin.product_id, pin.board_id, pin.image_path, pin.template, pin.variant_key).where(
            pin.account_id == account_id, pin.product_id.in_(bindparam("ids", expanding=True)), pin.status.in_(_LIVE)
        )

    def queued_until(self, until: datetime) -> int:
        """Queued pins due by `until`, every loop's and the owner's."""
        with read_connection(self.engine) as conn:
            return int(conn.execute(self._queued, {"until": until}).scalar_one())

    def load(self) -> tuple[dict[int, Product], dict[str, int], dict[tuple[int, int], History]]:
        """In-stock products, board ids, and the pins so far per product and board (one GROUP BY)."""
        with read_connection(self.engine) as conn:
            products = self._in_stock(conn)
            board_ids = {str(k): int(i) for k, i in conn.execute(self._boards)}
            rows = conn.execute(self._history).all()
            history = {(int(p), int(b)): History(int(n), as_time(last), bool(q)) for p, b, n, last, q in rows}
        return products, board_ids, history

    def _in_stock(self, conn: Connection) -> dict[int, Product]:
        stamp = tuple(conn.execute(self._stamp).one())
        if self._products is not None and self._products[0] == stamp:
            return dict(self._products[1])
        products = {
            int(pid): Product(
                int(pid),
                title,
                about or "",
                link or "",
                tuple(images or ()),
                tuple(tags or ()),
                frozenset(t.lower() for t in tags or ()),
            )
            for pid, title, about, link, images, tags in conn.execute(self._in_stock_rows)
            if images
        }
        self._products = (stamp, products)
        return dict(products)

    def used_designs(self, product_ids: Iterable[int]) -> dict[tuple[int, int], set[tuple[str, str, str]]]:
        """(photo, design) pairs live per product and board: what a fresh pin must avoid."""
        used: dict[tuple[int, int], set[tuple[str, str, str]]] = defaultdict(set)
        ids = list(set(product_ids))
        if not ids:
            return used
        with read_connection(self.engine) as conn:
            rows = conn.execute(self._used, {"ids": ids})
            for pid, bid, image, template, variant in rows:
                used[(int(pid), int(bid))].add((image or "", *design_key(template, variant)))
        return used

    def cancel_queued(self, loop_ids: list[int], outside: Callable[[int, datetime], bool], now: datetime) -> int:
        """Cancel the loops' queued pins for which `outside(loop_id, due)` holds; how many were."""
        if not loop_ids:
            return 0
        pin = PIN.c
        with read_connection(self.engine) as conn:
            rows = conn.execute(
                sa_select(pin.id, pin.loop_id, pin.due_at).where(pin.loop_id.in_(loop_ids), pin.status == _QUEUED)
            ).all()
        out = [pid for pid, loop_id, due in rows if outside(loop_id, as_utc(due))]
        if not out:
            return 0
        with write_connection(self.engine) as conn:
            result = conn.execute(
                update(PIN)
                .where(pin.id.in_(out), pin.status == _QUEUED)
                .values(status=PinStatus.cancelled.value, last_error="outside the loop's season", updated_at=now)
            )
            return int(getattr(result, "rowcount", 0) or 0)
