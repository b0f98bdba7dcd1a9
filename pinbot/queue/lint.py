"""Pre-publish lint: refuse what Pinterest treats as spam before it is queued or posted.

Owns three checks: link shorteners, the same image on the same board twice (the same photo file,
or a resized or re-encoded copy of it: photos are compared by perceptual hash, and only with the
same design: another design of one product is a different pin), and one product on more boards
than `schedule.max_boards_per_product` (10 by default). `lint_new_pins` raises
`InvalidInput` naming the field and the offending pin (the enqueue transaction then writes
nothing); `findings` reports the same problems for a list of pins (`pinbot queue plan`).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from pinbot.errors import InvalidInput
from pinbot.links import domain_of, is_shortener, link_key
from pinbot.render.subject import (
    NEAR_DUPLICATE_BITS,
    NEAR_DUPLICATE_COLOUR,
    fingerprint,
    parse_fingerprint,
    same_picture,
)
from pinbot.shop.rules import ScheduleRules
from pinbot.store.models import Board, Pin, PinStatus

# A cancelled or failed pin never reached Pinterest (or was refused); it does not count.
LIVE = (PinStatus.queued, PinStatus.posting, PinStatus.posted, PinStatus.needs_attention)


class PinLike(Protocol):
    """What the lint reads: a stored `Pin` or a `PinDraft` about to be inserted (no id yet)."""

    board_id: int
    title: str
    link: str
    image_path: str | None
    template: str | None
    variant_key: str | None
    product_id: int | None


def _id(pin: PinLike) -> int | None:
    return getattr(pin, "id", None)


@dataclass(frozen=True)
class Finding:
    field: str
    message: str
    pin_id: int | None = None


def design_key(template: str | None, variant: str | None) -> tuple[str, str]:
    """A design as the renderer reads it: no variant and the bare template name are both the
    template's default look, and "palette.crop" belongs to the pin's template."""
    t, v = template or "", (variant or "").strip()
    if v == t:
        v = ""
    elif t and v.count(".") == 1:
        v = f"{t}.{v}"
    return t, v


def image_key(pin: PinLike) -> tuple[str, str, str] | None:
    """What makes two pins "the same image": the photo, rendered with the same design."""
    if not pin.image_path:
        return None
    return (pin.image_path, *design_key(pin.template, pin.variant_key))


def photo_hash(pin: PinLike, memo: dict[str, str | None] | None = None) -> tuple[int, bytes] | None:
    """The pin's photo fingerprint: stored at enqueue, else read from the file (older pins);
    `memo` keeps a file's answer for one check (many pins show one photo)."""
    value = getattr(pin, "image_hash", None)
    if not value and pin.image_path:
        if memo is None:
            value = fingerprint(Path(pin.image_path))
        elif pin.image_path in memo:
            value = memo[pin.image_path]
        else:
            value = memo[pin.image_path] = fingerprint(Path(pin.image_path))
    return parse_fingerprint(value) if value else None


# Pigeonhole: two 64-bit hashes within NEAR_DUPLICATE_BITS bits agree exactly on at least one of
# NEAR_DUPLICATE_BITS + 1 chunks, so looking up each chunk finds every near-duplicate.
_CHUNKS = NEAR_DUPLICATE_BITS + 1
_EDGES = [round(64 * i / _CHUNKS) for i in range(_CHUNKS + 1)]


def _chunks(h: int) -> list[tuple[int, int]]:
    return [(i, (h >> _EDGES[i]) & ((1 << (_EDGES[i + 1] - _EDGES[i])) - 1)) for i in range(_CHUNKS)]


# Photos of one layout (a product on a white background) share most of their hash, so its chunks
# find thousands of candidates; the colour tells them apart. Two photos within
# NEAR_DUPLICATE_COLOUR on every colour byte fall in the same or a neighbouring cell of this width
# on each byte indexed (the green of the four quarters): 81 cells to look in, each holding a few
# photos, however many photos share the layout.
_CELL = NEAR_DUPLICATE_COLOUR
_CELL_BYTES = (1, 4, 7, 10)

Entry = tuple[int, tuple[int, bytes], "PinLike"]  # (order added, hash, pin)


def _cell(colour: bytes) -> tuple[int, ...] | None:
    return tuple(colour[k] // _CELL for k in _CELL_BYTES) if len(colour) == 12 else None


class NearIndex:
    """Photos seen so far per (board, design), found again by exact path or perceptual hash."""

    def __init__(self) -> None:
        self.paths: dict[tuple[int, tuple[str, str, str]], PinLike] = {}
        self.cells: dict[tuple[object, ...], dict[tuple[int, ...], list[Entry]]] = {}  # (board, design) -> cell
        self.blank: dict[tuple[object, ...], list[Entry]] = {}  # (board, design, chunk, value): no colour
        self.buckets: dict[tuple[object, ...], list[Entry]] = {}  # (board, design, chunk, value): every photo
        self._added = 0

    def find(self, board_id: int, key: tuple[str, str, str], h: tuple[int, bytes] | None) -> PinLike | None:
        """The first photo added that is a copy of this one (same path, or a near-duplicate)."""
        hit = self.paths.get((board_id, key))
        if hit is not None or h is None:
            return hit
        design = key[1:]
        cell = _cell(h[1])
        groups: list[list[Entry]] = []
        if cell is not None:  # a copy has a colour near this one's, or none (it matches any)
            cells = self.cells.get((board_id, design), {})
            near = itertools.product(*(range(c - 1, c + 2) for c in cell))
            groups.extend(found for found in map(cells.get, near) if found)
            chunked = self.blank
        else:
            chunked = self.buckets
        for i, part in _chunks(h[0]):
            found = chunked.get((board_id, design, i, part))
            if found:
                groups.append(found)
        best: tuple[int, PinLike] | None = None
        for group in groups:
            for order, other, pin in group:
                if (best is None or order < best[0]) and same_picture(h, other):
                    best = (order, pin)
        return best[1] if best is not None else None

    def add(self, board_id: int, key: tuple[str, str, str], h: tuple[int, bytes] | None, pin: PinLike) -> None:
        self.paths.setdefault((board_id, key), pin)
        if h is None:
            return
        entry = (self._added, h, pin)
        self._added += 1
        design = key[1:]
        cell = _cell(h[1])
        if cell is not None:
            self.cells.setdefault((board_id, design), {}).setdefault(cell, []).append(entry)
        for i, part in _chunks(h[0]):
            if cell is None:
                self.blank.setdefault((board_id, design, i, part), []).append(entry)
            self.buckets.setdefault((board_id, design, i, part), []).append(entry)


def product_key(pin: PinLike) -> str | None:
    if pin.product_id is not None:
        return f"product {pin.product_id}"
    if pin.link:
        return f"link {link_key(pin.link)}"
    return None


def shortener_finding(pin: PinLike) -> Finding | None:
    if pin.link and is_shortener(pin.link):
        return Finding(
            "link",
            f"{domain_of(pin.link)} is a link shortener, which Pinterest treats as spam; use the full link "
            f"({pin.title[:40]!r})",
            _id(pin),
        )
    return None


def findings(pins: Sequence[PinLike], rules: ScheduleRules, board_names: dict[int, str]) -> list[Finding]:
    """Every lint problem among `pins` (which must include the live pins they compete with)."""
    out: list[Finding] = []
    seen_images = NearIndex()
    boards_of: dict[str, set[int]] = defaultdict(set)
    memo: dict[str, str | None] = {}
    for pin in pins:
        if (f := shortener_finding(pin)) is not None:
            out.append(f)
        key = image_key(pin)
        if key is not None:
            h = photo_hash(pin, memo)
            first = seen_images.find(pin.board_id, key, h)
            if first is None:
                seen_images.add(pin.board_id, key, h, pin)
            else:
                board = board_names.get(pin.board_id, str(pin.board_id))
                what = key[0] if first.image_path == key[0] else f"{key[0]} (a copy of {first.image_path})"
                out.append(
                    Finding(
                        "image",
                        f"{what} is already on board {board!r} with the same design"
                        + (f" (pin {_id(first)})" if _id(first) else "")
                        + f"; use another photo or template ({pin.title[:40]!r})",
                        _id(pin),
                    )
                )
        product = product_key(pin)
        if product is not None:
            boards_of[product].add(pin.board_id)
    for product, boards in boards_of.items():
        if len(boards) > rules.max_boards_per_product:
            out.append(
                Finding(
                    "boards",
                    f"{product} would be on {len(boards)} boards; the limit is {rules.max_boards_per_product} "
                    "(schedule.max_boards_per_product)",
                )
            )
    return out


@dataclass(slots=True)
class LivePin:
    """A live pin as the lint reads it: plain columns, no ORM object (a top-up reads hundreds)."""

    id: int
    board_id: int
    title: str
    link: str
    image_path: str | None
    template: str | None
    variant_key: str | None
    product_id: int | None
    image_hash: str | None


_LIVE_COLUMNS = (
    col(Pin.id),
    col(Pin.board_id),
    col(Pin.title),
    col(Pin.link),
    col(Pin.image_path),
    col(Pin.template),
    col(Pin.variant_key),
    col(Pin.product_id),
    col(Pin.image_hash),
)


def _live_related(session: Session, account_id: int, pins: Sequence[PinLike]) -> list[LivePin]:
    """The live pins already queued or posted that the new ones could clash with."""
    boards = {p.board_id for p in pins}
    images = {p.image_path for p in pins if p.image_path}
    products = {p.product_id for p in pins if p.product_id is not None}
    links = {p.link for p in pins if p.link}
    found: dict[int, LivePin] = {}
    mine = (col(Pin.account_id) == account_id, col(Pin.status).in_(LIVE))

    def read(*where: Any) -> None:
        for row in session.execute(sa_select(*_LIVE_COLUMNS).where(*where)):
            found[row[0]] = LivePin(*row)

    with session.no_autoflush:
        if images:
            read(*mine, col(Pin.board_id).in_(boards), col(Pin.image_path).in_(images))
        near = _near_copies(session, account_id, pins, boards)
        if near:
            read(col(Pin.id).in_(near))
        if products or links:
            read(*mine, col(Pin.product_id).in_(products) | col(Pin.link).in_(links))
    return list(found.values())


def _near_copies(session: Session, account_id: int, pins: Sequence[PinLike], boards: set[int]) -> list[int]:
    """Ids of live pins on these boards whose photo is a copy of a new pin's photo (same design)."""
    index = NearIndex()
    memo: dict[str, str | None] = {}
    for pin in pins:
        key = image_key(pin)
        h = photo_hash(pin, memo) if key is not None else None
        if key is not None and h is not None:
            index.add(pin.board_id, ("", *key[1:]), h, pin)
    if not index.buckets:
        return []
    q = sa_select(col(Pin.id), col(Pin.board_id), col(Pin.image_hash), col(Pin.template), col(Pin.variant_key)).where(
        col(Pin.account_id) == account_id,
        col(Pin.status).in_(LIVE),
        col(Pin.board_id).in_(boards),
        col(Pin.image_hash).is_not(None),
    )
    out: list[int] = []
    for pin_id, board_id, value, template, variant in session.execute(q).all():
        h = parse_fingerprint(value) if value else None
        if pin_id is not None and h is not None and index.find(board_id, ("\0", *design_key(template, variant)), h):
            out.append(pin_id)
    return out


def board_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    with session.no_autoflush:
        rows = session.exec(select(Board.id, Board.key).where(col(Board.id).in_(ids))).all()
    return {bid: key for bid, key in rows if bid is not None}


def lint_new_pins(session: Session, account_id: int, pins: Sequence[PinLike], rules: ScheduleRules) -> None:
    """Raise InvalidInput for the first spam trigger among the new pins (nothing is written then)."""
    new_ids = {id(p) for p in pins}
    existing = [p for p in _live_related(session, account_id, pins) if id(p) not in new_ids]
    names = board_names(session, {p.board_id for p in pins})
    problems = findings([*existing, *pins], rules, names)
    for problem in problems:
        if problem.pin_id is not None:
            continue  # an old pin's problem is not the new pins' fault (e.g. queued before the lint)
        raise InvalidInput(problem.field, problem.message)
