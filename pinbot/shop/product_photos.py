"""Photos the owner adds to a product by hand (`pinbot products photo KEY --image PATH`).

Owns finding a product by the key `pinbot products list` shows (keys are unique per source only:
an Etsy SKU `32` and a hand-added product's key `32` can both exist, and a bare number may also be
another product's id, so a key that names several products is refused with the `source:key` to
type for each), adding photos to it or replacing them, and recording them in
`Product.hand_photos`, so that a re-import keeps them (`products._photos_after`; docs/data-model.md).
The photos are checked by the caller exactly as every photo input is (`check_image_path`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from pinbot.clock import Clock
from pinbot.errors import InvalidInput, NotFound
from pinbot.shop.products import SOURCES
from pinbot.store.db import session_scope
from pinbot.store.models import Product
from pinbot.words import clip


@dataclass
class PhotoChange:
    """What `add_photos` did to one product."""

    product_id: int
    title: str
    source: str
    key: str
    added: list[str] = field(default_factory=list)  # new on the product
    already: list[str] = field(default_factory=list)  # given, but the product had them
    removed: list[str] = field(default_factory=list)  # taken off by --replace
    photos: list[str] = field(default_factory=list)  # all its photos now, the first is the pins' default

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "source": self.source,
            "key": self.key,
            "added": self.added,
            "already_there": self.already,
            "removed": self.removed,
            "photos": self.photos,
        }


def name_of(product: Product) -> str:
    """The product as the owner can type it anywhere: `etsy:32` (source and key, always unique)."""
    return f"{product.source}:{product.external_id}"


def find_by_key(session: Session, account_id: int, ref: str) -> Product:
    """The one product `ref` names: its key (the `key` column of `pinbot products list`), its
    `source:key`, or its id. When it could be several, nothing is guessed."""
    ref = ref.strip()
    if not ref:
        raise InvalidInput("KEY", "give the product's key (see pinbot products list)")
    mine = select(Product).where(Product.account_id == account_id)
    source, colon, key = ref.partition(":")
    if colon and source in SOURCES:
        row = session.exec(mine.where(Product.source == source, Product.external_id == key)).first()
        if row is not None:
            return row
    found = {p.id: p for p in session.exec(mine.where(Product.external_id == ref).order_by(col(Product.id))).all()}
    if ref.isdigit():
        by_id = session.exec(mine.where(Product.id == int(ref))).first()
        if by_id is not None:
            found.setdefault(by_id.id, by_id)
    if not found:
        raise NotFound(f"no product with key {ref!r}; the key column of `pinbot products list` shows them")
    if len(found) > 1:
        choices = "; ".join(
            f"{name_of(p)} for product {p.id} ({clip(p.title, 40)})" for p in sorted(found.values(), key=_order)
        )
        raise InvalidInput("KEY", f"{ref!r} could be {len(found)} products: type {choices}")
    return next(iter(found.values()))


def _order(product: Product) -> int:
    return product.id or 0


def imported_with_key(engine: Engine, account_id: int, key: str) -> Product | None:
    """The imported product that has `key`, when no product added by hand has it: `products add
    --key` would then make a second product next to it instead of changing it."""
    with session_scope(engine) as session:
        rows = list(session.exec(select(Product).where(Product.account_id == account_id, Product.external_id == key)))
        if any(p.source == "manual" for p in rows) or not rows:
            return None
        session.expunge(rows[0])
        return rows[0]


def add_photos(
    engine: Engine, account_id: int, clock: Clock, ref: str, paths: Sequence[str], *, replace: bool
) -> PhotoChange:
    """Add checked photo paths to the product `ref` names (after its photos), or with `replace`
    make them its only photos (a re-import then leaves its photos alone)."""
    wanted = list(dict.fromkeys(paths))
    with session_scope(engine) as session:
        product = find_by_key(session, account_id, ref)
        assert product.id is not None
        before = list(product.image_paths or [])
        hand = list(product.hand_photos or [])
        change = PhotoChange(product.id, product.title, product.source, product.external_id)
        if replace:
            change.added = [p for p in wanted if p not in before]
            change.already = [p for p in wanted if p in before]
            change.removed = [p for p in before if p not in wanted]
            photos, hand = wanted, wanted
            only = True
        else:
            change.added = [p for p in wanted if p not in before]
            change.already = [p for p in wanted if p in before]
            photos = before + change.added
            hand = hand + [p for p in change.added if p not in hand]
            only = bool(product.hand_photos_only)
        change.photos = photos
        if photos != before or hand != list(product.hand_photos or []) or only != product.hand_photos_only:
            product.image_paths = photos
            product.hand_photos = hand
            product.hand_photos_only = only
            product.updated_at = clock.now()
            session.add(product)
        return change
