"""The shop's catalogue: products in, products out, and what selling out does to the queue.

Owns `ProductRecord` (a validated product as an importer or the owner gives it), the idempotent
upsert keyed by `(account, source, external_id)` (a re-import updates fields, never duplicates,
never deletes: a product missing from a later file is left alone), lookups by id or external
id, and inventory awareness: whenever a product is (or becomes) out of stock, its `queued` pins
are cancelled with `last_error = "sold out: <title>"`; pins being posted or already posted are
never touched. Coming back in stock re-queues nothing on purpose: the owner decides what to pin
again (`pinbot queue add --product ...`), since the old slots are gone anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pinbot.clock import Clock, as_utc
from pinbot.errors import InvalidInput, NotFound
from pinbot.store.db import session_scope
from pinbot.store.models import Board, Pin, PinStatus, Product
from pinbot.words import clip

SOURCES = ("manual", "csv", "shopify", "etsy", "feed", "demo")


@dataclass(frozen=True)
class ProductRecord:
    """One product as an import sees it. `image_paths=None` keeps the stored photos (downloads off)."""

    source: str
    external_id: str
    title: str
    description: str = ""
    link: str = ""
    price_cents: int | None = None
    currency: str | None = None
    image_paths: tuple[str, ...] | None = ()
    tags: tuple[str, ...] = ()
    in_stock: bool = True
    # Other ids the same product may be stored under: an Etsy listing's other variation SKUs, so
    # that a listing keeps its product when a variation is added or the SKUs come in another order.
    aliases: tuple[str, ...] = ()
    headline: str | None = None  # None: keep the stored one ("" clears it)
    badge: str | None = None


@dataclass(frozen=True)
class StockChange:
    product_id: int
    title: str
    cancelled_pins: int = 0
    ref: str = ""  # what to type for it (`typed_ref`): an Etsy SKU "4" may also be product id 4


@dataclass
class UpsertResult:
    ids: list[int] = field(default_factory=list)  # product ids, in record order
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    sold_out: list[StockChange] = field(default_factory=list)  # out of stock now, with pins cancelled
    back_in_stock: list[StockChange] = field(default_factory=list)  # nothing re-queued for these
    hand_photos_kept: list[int] = field(default_factory=list)  # an import's photos came; the owner's stayed
    no_photo: list[str] = field(default_factory=list)  # in-stock products with no photo after it, as `etsy:32`

    @property
    def cancelled_pins(self) -> int:
        return sum(c.cancelled_pins for c in self.sold_out)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "product_ids": self.ids,
            "sold_out": [vars(c) for c in self.sold_out],
            "back_in_stock": [vars(c) for c in self.back_in_stock],
            "cancelled_pins": self.cancelled_pins,
            "hand_photos_kept": self.hand_photos_kept,
            "no_photo": self.no_photo,
        }


def product_to_dict(product: Product, pin_counts: dict[str, int] | None = None) -> dict[str, Any]:
    """The stable JSON shape of a product (`--json` output)."""
    return {
        "id": product.id,
        "source": product.source,
        "external_id": product.external_id,
        "title": product.title,
        "description": product.description,
        "link": product.link,
        "price_cents": product.price_cents,
        "currency": product.currency,
        "images": list(product.image_paths),
        "tags": list(product.tags),
        "in_stock": product.in_stock,
        "hand_photos": list(product.hand_photos or []),
        "hand_photos_only": bool(product.hand_photos_only),
        "headline": product.headline,
        "badge": product.badge,
        "pins": pin_counts or {},
        "created_at": as_utc(product.created_at).isoformat(),
        "updated_at": as_utc(product.updated_at).isoformat(),
    }


_FIELDS = ("title", "description", "link", "price_cents", "currency", "tags", "in_stock")


class ProductService:
    def __init__(self, engine: Engine, account_id: int, clock: Clock) -> None:
        self.engine = engine
        self.account_id = account_id
        self.clock = clock

    # -- writing ---------------------------------------------------------------------------
    def upsert(self, records: Sequence[ProductRecord]) -> UpsertResult:
        """Insert new products and update changed ones, all in one transaction."""
        for rec in records:
            if rec.source not in SOURCES:
                raise InvalidInput("source", f"unknown product source {rec.source!r}")
        try:
            return self._upsert(records)
        except IntegrityError:
            # Another import inserted one of these products after we looked (PostgreSQL lets two
            # writers in at once): a second pass sees its rows and updates them instead.
            return self._upsert(records)

    def _upsert(self, records: Sequence[ProductRecord]) -> UpsertResult:
        now = self.clock.now()
        result = UpsertResult()
        with session_scope(self.engine) as session:
            existing = self._existing(session, records)
            for rec in records:
                row = existing.get((rec.source, rec.external_id)) or next(
                    (existing[(rec.source, a)] for a in rec.aliases if (rec.source, a) in existing), None
                )
                was_in_stock = row.in_stock if row is not None else True
                if row is None:
                    row = Product(
                        account_id=self.account_id,
                        source=rec.source,
                        external_id=rec.external_id,
                        title=rec.title,
                        created_at=now,
                        updated_at=now,
                    )
                    _apply(row, rec)
                    session.add(row)
                    session.flush()
                    existing[(rec.source, rec.external_id)] = row
                    bucket = result.created
                elif _apply(row, rec):
                    row.updated_at = now
                    session.add(row)
                    session.flush()
                    bucket = result.updated
                else:
                    bucket = result.unchanged
                assert row.id is not None
                kept = row.hand_photos and rec.image_paths is not None and rec.source != "manual"
                if kept and row.id not in result.hand_photos_kept:
                    result.hand_photos_kept.append(row.id)
                if row.id not in result.ids:
                    result.ids.append(row.id)
                    bucket.append(row.id)
                    if rec.in_stock and not row.image_paths:
                        result.no_photo.append(typed_ref(row.id, row.source, row.external_id))
                if not rec.in_stock:
                    # Also when it was out of stock already: pins queued since then (an experiment's)
                    # must not go out for a product that cannot be bought.
                    cancelled = self._cancel_queued(session, row, now)
                    if was_in_stock or cancelled:
                        result.sold_out.append(StockChange(row.id, row.title, cancelled, _ref(row)))
                elif not was_in_stock:
                    result.back_in_stock.append(StockChange(row.id, row.title, 0, _ref(row)))
        return result

    def set_stock(self, ref: str, in_stock: bool) -> tuple[Product, StockChange | None]:
        """Mark one product in or out of stock; the change (cancelled pins) or None if it was already so."""
        now = self.clock.now()
        with session_scope(self.engine) as session:
            product = self._find(session, ref)
            assert product.id is not None
            change: StockChange | None = None
            if not in_stock:
                cancelled = self._cancel_queued(session, product, now)
                if product.in_stock or cancelled:
                    change = StockChange(product.id, product.title, cancelled, _ref(product))
            elif not product.in_stock:
                change = StockChange(product.id, product.title, 0, _ref(product))
            if product.in_stock != in_stock:
                product.in_stock = in_stock
                product.updated_at = now
                session.add(product)
            session.flush()
            session.expunge(product)
            return product, change

    def _cancel_queued(self, session: Session, product: Product, now: datetime) -> int:
        # One UPDATE guarded by status: a pin a worker claims at this moment is either cancelled
        # here first (its claim then finds it not queued) or already `posting` and left alone.
        result = session.execute(
            update(Pin)
            .where(
                col(Pin.account_id) == self.account_id,
                col(Pin.product_id) == product.id,
                col(Pin.status) == PinStatus.queued,
            )
            .values(status=PinStatus.cancelled, last_error=f"sold out: {product.title}", updated_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def _existing(self, session: Session, records: Sequence[ProductRecord]) -> dict[tuple[str, str], Product]:
        found: dict[tuple[str, str], Product] = {}
        by_source: dict[str, list[str]] = {}
        for rec in records:
            by_source.setdefault(rec.source, []).extend((rec.external_id, *rec.aliases))
        for source, ids in by_source.items():
            for start in range(0, len(ids), 500):
                rows = session.exec(
                    select(Product).where(
                        Product.account_id == self.account_id,
                        Product.source == source,
                        col(Product.external_id).in_(ids[start : start + 500]),
                    )
                ).all()
                found.update({(p.source, p.external_id): p for p in rows})
        return found

    # -- reading ---------------------------------------------------------------------------
    def _find(self, session: Session, ref: str) -> Product:
        return find_product(session, self.account_id, ref)

    def get(self, ref: str) -> Product:
        with session_scope(self.engine) as session:
            product = self._find(session, ref)
            session.expunge(product)
            return product

    def get_id(self, product_id: int) -> Product:
        """By id alone (a product just written): a number can also be another product's key."""
        with session_scope(self.engine) as session:
            product = session.get(Product, product_id)
            if product is None or product.account_id != self.account_id:
                raise NotFound(f"no product {product_id}")
            session.expunge(product)
            return product

    def pin_counts(self, product_ids: Sequence[int] | None = None) -> dict[int, dict[str, int]]:
        """Pins per product and status (every product of the account when `product_ids` is None)."""
        with session_scope(self.engine) as session:
            query = select(Pin.product_id, Pin.status, func.count()).where(
                Pin.account_id == self.account_id, col(Pin.product_id).is_not(None)
            )
            if product_ids is not None:
                query = query.where(col(Pin.product_id).in_(list(product_ids)))
            out: dict[int, dict[str, int]] = {}
            for product_id, status, n in session.exec(query.group_by(col(Pin.product_id), col(Pin.status))).all():
                key = status.value if isinstance(status, PinStatus) else str(status)
                out.setdefault(int(product_id or 0), {})[key] = int(n)
            return out

    def pins(self, product_id: int) -> list[tuple[Pin, str]]:
        """The product's pins with their board keys, soonest first."""
        with session_scope(self.engine) as session:
            rows = session.exec(
                select(Pin, Board.key)
                .join(Board, col(Board.id) == Pin.board_id)
                .where(Pin.account_id == self.account_id, Pin.product_id == product_id)
                .order_by(col(Pin.due_at), col(Pin.id))
            ).all()
            for pin, _ in rows:
                session.expunge(pin)
            return [(pin, key) for pin, key in rows]

    def list(self, in_stock_only: bool = False) -> list[Product]:
        with session_scope(self.engine) as session:
            query = select(Product).where(Product.account_id == self.account_id)
            if in_stock_only:
                query = query.where(col(Product.in_stock).is_(True))
            rows = list(session.exec(query.order_by(col(Product.id))).all())
            for row in rows:
                session.expunge(row)
            return rows


def _apply(row: Product, rec: ProductRecord) -> bool:
    """Copy the record's fields onto the row; True when anything changed."""
    changed = False
    for name in _FIELDS:
        value: Any = getattr(rec, name)
        if name == "tags":
            value = list(value)
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if rec.image_paths is not None:
        photos = _photos_after(row, rec)
        if list(row.image_paths or []) != photos:
            row.image_paths = photos
            changed = True
    for name in ("headline", "badge"):
        wanted = getattr(rec, name)
        if wanted is not None and getattr(row, name) != (wanted or None):
            setattr(row, name, wanted or None)
            changed = True
    return changed


def _photos_after(row: Product, rec: ProductRecord) -> list[str]:
    """The photos a product has after an import brought `rec.image_paths`: the import's own photos
    change as the shop's file says, and the photos the owner added by hand (`pinbot products photo`)
    are kept after them; when the owner replaced the photos by hand, an import leaves them alone
    (an owner's work is never silently undone by a re-import; docs/data-model.md)."""
    hand = list(row.hand_photos or [])
    if row.hand_photos_only and rec.source != "manual":
        return list(row.image_paths or [])
    imported = list(rec.image_paths or [])
    return imported + [p for p in hand if p not in imported]


def typed_ref(product_id: int, source: str, key: str) -> str:
    """What to type in a command for a product the owner is told about: `etsy:32` (its key, which
    cannot be two products, where its id could be another product's SKU), or its id when the key
    is too long to type (a feed post's address)."""
    typable = len(key) <= 40 and not any(c.isspace() or c == "/" for c in key)
    return f"{source}:{key}" if typable else str(product_id)


def _ref(product: Product) -> str:
    assert product.id is not None
    return typed_ref(product.id, product.source, product.external_id)


def find_product(session: Session, account_id: int, ref: str) -> Product:
    """By id (digits) or by key (external id); `source:key` settles a clash. Keys are unique per
    source only, and an Etsy export's SKUs are small numbers like ids: a ref that names several
    products (an id and another product's key, or one key from two sources) is refused with the
    `source:key` to type for each, never guessed."""
    ref = ref.strip()
    if not ref:
        raise InvalidInput("product", "give a product id or its external id")
    mine = select(Product).where(Product.account_id == account_id)
    rows = list(session.exec(mine.where(Product.external_id == ref).order_by(col(Product.id))).all())
    if ref.isdigit():
        row = session.exec(mine.where(Product.id == int(ref))).first()
        if row is not None:
            rows = [row, *(p for p in rows if p.id != row.id)]
    if not rows and ":" in ref:
        source, _, external_id = ref.partition(":")
        if source in SOURCES:
            rows = list(session.exec(mine.where(Product.source == source, Product.external_id == external_id)).all())
    if len(rows) > 1:
        choices = " or ".join(
            f"{p.source}:{p.external_id} for product {p.id} ({clip(p.title, 40)})"
            for p in sorted(rows, key=lambda p: p.id or 0)
        )
        raise InvalidInput("product", f"{ref!r} names several products: type {choices}")
    if not rows:
        raise NotFound(f"no product {ref!r} (give a product id or its key; see pinbot products list)")
    return rows[0]
