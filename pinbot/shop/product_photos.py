"""Photos the owner adds to a product by hand (`pinbot products photo KEY --image PATH`).

Owns adding photos to the product a key names (`products.find_product`: the key `pinbot products
list` shows, its id, or `source:key` when a key could be several products) or replacing them, and
recording them in `Product.hand_photos`, so that a re-import keeps them (`products._photos_after`;
docs/data-model.md).
The photos are checked by the caller exactly as every photo input is (`check_image_path`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select

from pinbot.clock import Clock
from pinbot.shop.products import find_product
from pinbot.store.db import session_scope
from pinbot.store.models import Product


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
    only: bool = False  # imports leave its photos alone (Product.hand_photos_only)
    changed: bool = False  # its photos, their order, or whether imports may change them

    def as_dict(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "source": self.source,
            "key": self.key,
            "added": self.added,
            "already_there": self.already,
            "removed": self.removed,
            "photos": self.photos,
            "hand_photos_only": self.only,
        }


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
        product = find_product(session, account_id, ref)
        assert product.id is not None
        before = list(product.image_paths or [])
        hand = list(product.hand_photos or [])
        change = PhotoChange(product.id, product.title, product.source, product.external_id)
        change.added = [p for p in wanted if p not in before]
        change.already = [p for p in wanted if p in before]
        if replace:
            change.removed = [p for p in before if p not in wanted]
            photos, hand, only = wanted, wanted, True
        else:
            photos = before + change.added
            hand = hand + [p for p in change.added if p not in hand]
            only = bool(product.hand_photos_only)
        change.photos, change.only = photos, only
        change.changed = photos != before or only != product.hand_photos_only
        if change.changed or hand != list(product.hand_photos or []):
            product.image_paths = photos
            product.hand_photos = hand
            product.hand_photos_only = only
            product.updated_at = clock.now()
            session.add(product)
        return change
