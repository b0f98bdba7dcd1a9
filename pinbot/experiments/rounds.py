"""The rounds of an experiment: which look and which photo each round's pins get.

A round puts every design on every board for every product. Repeating a round as it was would put
the same photo in the same design on the same board again, which Pinterest treats as spam (and
`pinbot.queue.lint` refuses). So rounds differ, and always in the same way for every design of a round,
so that what the owner is testing stays the only systematic difference between the arms:

- designs named by their template (`photo-band,split-block`): in round r every arm is drawn in the
  same palette and crop (`PALETTES[r % 4]`, `CROPS[r % 3]`: 12 different looks, each palette and
  crop equally often over whole cycles); the template is what differs;
- after the looks run out, or when a design is a full id (`photo-band.brand.subject`: its palette
  and crop are part of what is tested), the products' next photo.

A round that would repeat an image already live on one of its boards (an earlier pin, an earlier
experiment) is skipped. `plan_rounds` returns as many rounds as fit; the caller refuses or trims.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_
from sqlalchemy import select as sa_select
from sqlmodel import Session

from pinbot.errors import InvalidInput, PinbotError
from pinbot.queue.lint import LIVE, design_key
from pinbot.render import CROPS, PALETTES, load_template
from pinbot.shop.boards import BoardDef
from pinbot.shop.products import typed_ref
from pinbot.store.models import Product
from pinbot.store.tables import BOARD, PIN
from pinbot.words import clip

ImageKey = tuple[str, str, str]  # (board key, photo, full design id)


@dataclass(frozen=True)
class Design:
    id: str  # the arm as the owner named it: a template name or a full id "template.palette.crop"
    template: str

    @property
    def fixed(self) -> bool:
        """A full id keeps its palette and crop in every round; a template name may vary them."""
        return self.id != self.template


@dataclass(frozen=True)
class Round:
    photo: int  # index into each product's photos (a product with fewer photos wraps around)
    look: tuple[str, str] | None  # (palette, crop) of every arm this round; None: the designs as given
    designs: dict[str, str]  # Design.id -> the full design id its pins carry (Pin.variant_key)

    def photo_of(self, paths: Sequence[str]) -> str | None:
        return paths[self.photo % len(paths)] if paths else None

    def as_dict(self) -> dict[str, Any]:
        return {"photo": self.photo, "look": ".".join(self.look) if self.look else None, "designs": self.designs}


def looks() -> list[tuple[str, str]]:
    """Every (palette, crop) once, both cycling at once, so a short run still varies both."""
    n_p, n_c = len(PALETTES), len(CROPS)
    cycle = math.lcm(n_p, n_c)
    return [(PALETTES[i % n_p], CROPS[(i + i // cycle) % n_c]) for i in range(n_p * n_c)]


def full_id(template: str, variant: str | None, assets_dir: Path) -> str:
    """The look the renderer draws for (template, variant): the template's default for none."""
    t, v = design_key(template, variant)
    if v:
        return v
    try:
        return f"{t}.{load_template(assets_dir, t).default_palette}.subject"
    except PinbotError:  # a template that is gone: its name is all there is to compare
        return t


def photo_key(photo: str | None, product_id: int | None) -> str:
    # Without a photo of its own a pin shows its product's text card: one image per product.
    return photo or f"product:{product_id}"


def live_images(
    session: Session,
    account_id: int,
    boards: Mapping[str, BoardDef],
    board_keys: Sequence[str],
    products: Sequence[Product],
    assets_dir: Path,
) -> set[ImageKey]:
    """The images already queued or posted on these boards for these products' photos."""
    photos = {p for prod in products for p in prod.image_paths}
    first = {prod.id: (prod.image_paths[0] if prod.image_paths else None) for prod in products}
    pin, b = PIN.c, BOARD.c
    rows = session.execute(
        sa_select(pin.image_path, pin.product_id, pin.template, pin.variant_key, b.key)
        .join_from(PIN, BOARD, b.id == pin.board_id)
        .where(
            pin.account_id == account_id,
            b.key.in_(board_keys),
            pin.status.in_(LIVE),
            or_(pin.image_path.in_(photos), pin.product_id.in_(list(first))),
        )
    ).all()
    out: set[ImageKey] = set()
    for image, product_id, template, variant, key in rows:
        board = boards.get(key)
        template = template or (board.default_template if board else None)
        if not template:
            continue  # posted as the photo itself, not in any design
        photo = image or first.get(product_id)
        out.add((key, photo_key(photo, product_id), full_id(template, variant, assets_dir)))
    return out


def plan_rounds(
    designs: Sequence[Design],
    photos: Mapping[int, Sequence[str]],
    board_keys: Sequence[str],
    wanted: int,
    used: set[ImageKey],
    assets_dir: Path,
) -> list[Round]:
    """Up to `wanted` rounds in which no board gets an image it has (or another round has) already.

    `photos` maps each product id to its photos. Looks vary only when every arm is a template
    name: an arm given as a full id is a fixed look, and varying the others would make the look,
    not the template, differ between them.
    """
    vary = not any(d.fixed for d in designs)
    options: list[tuple[str, str] | None] = list(looks()) if vary else [None]
    if not vary:
        fixed = [full_id(d.template, d.id, assets_dir) for d in designs]
        for i, a in enumerate(fixed):
            if a in fixed[:i]:
                other = designs[fixed.index(a)]
                raise InvalidInput(
                    "--variants", f"{other.id!r} and {designs[i].id!r} draw the same design ({a}); test different ones"
                )
    taken = set(used)
    out: list[Round] = []
    for k in range(max((len(v) for v in photos.values()), default=0) or 1):
        for look in options:
            ids = {
                d.id: f"{d.template}.{look[0]}.{look[1]}" if look else full_id(d.template, d.id, assets_dir)
                for d in designs
            }
            candidate = Round(k, look, ids)
            keys = [
                (board, photo_key(candidate.photo_of(paths), product_id), design)
                for product_id, paths in photos.items()
                for board in board_keys
                for design in ids.values()
            ]
            if len(set(keys)) < len(keys) or not taken.isdisjoint(keys):
                continue
            taken.update(keys)
            out.append(candidate)
            if len(out) >= wanted:
                return out
    return out


def why_fewer(designs: Sequence[Design], products: Sequence[Product], blocked: bool) -> str:
    """Why `plan_rounds` found fewer rounds than asked, in words the owner can act on."""
    first_with: dict[str, Product] = {}
    for product in products:
        for photo in dict.fromkeys(product.image_paths):
            other = first_with.setdefault(photo, product)
            if other is not product:
                # Every round would put that one photo on a board twice ("only 0 of 12 rounds"),
                # whatever the number of looks: the reason is the shared photo, not too few.
                assert product.id is not None
                ref = typed_ref(product.id, product.source, product.external_id)
                return (
                    f"{clip(other.title, 40)!r} and {clip(product.title, 40)!r} have the same photo "
                    f"({Path(photo).name}), and a board never gets one image twice; test one of them, or give "
                    f"the other its own: `pinbot products photo {ref} --image PHOTO --replace`"
                )
    fewest = min(products, key=lambda p: len(p.image_paths))
    n = len(fewest.image_paths)
    has = f"{clip(fewest.title, 40)!r} has {n} photo{'s' if n != 1 else ''}"
    if any(d.fixed for d in designs):
        why = (
            "a full design id keeps its palette and crop, so only the products' photos can change between "
            f"rounds and {has}; name the designs by template (e.g. photo-band,split-block) to vary the look "
            "per round, or add photos"
        )
    else:
        why = f"each photo can show {len(looks())} looks (palette x crop) per template and {has}; add photos"
    if blocked:  # earlier pins took looks this experiment could otherwise have used
        why += "; some of these looks are already on these boards"
    return why
