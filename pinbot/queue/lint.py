"""Pre-publish lint: refuse what Pinterest treats as spam before it is queued or posted.

Owns three checks: link shorteners, the same image on the same board twice (the same photo file,
or a resized or re-encoded copy of it: photos are compared by perceptual hash, and only with the
same design: another design of one product is a different pin), and one product on more boards
than `schedule.max_boards_per_product` (10 by default). `lint_new_pins` raises
`InvalidInput` naming the field and the offending pin (the enqueue transaction then writes
nothing); `findings` reports the same problems for a list of pins (`pinbot queue plan`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import BindParameter, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from pinbot.errors import InvalidInput
from pinbot.links import domain_of, is_shortener
from pinbot.queue.lint_batch import design_key, parsed_hash, photo_hashes, product_of, quick_findings
from pinbot.queue.photo_index import Fingerprint, Fingerprints
from pinbot.render.subject import fingerprint
from pinbot.shop.rules import ScheduleRules
from pinbot.store.models import Board, Pin, PinStatus
from pinbot.words import clip

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


def image_key(pin: PinLike) -> tuple[str, str, str] | None:
    """What makes two pins "the same image": the photo, rendered with the same design."""
    if not pin.image_path:
        return None
    t, v = design_key(pin.template, pin.variant_key)
    return pin.image_path, t, v


def photo_hash(pin: PinLike, memo: dict[str, str | None] | None = None) -> tuple[int, bytes] | None:
    """The pin's photo fingerprint: stored at enqueue, else read from the file (older pins);
    `memo` keeps a file's answer for one check (many pins show one photo)."""
    value = getattr(pin, "image_hash", None)
    if value:
        return _parse(value)
    if pin.image_path:
        if memo is None:
            value = fingerprint(Path(pin.image_path))
        elif pin.image_path in memo:
            value = memo[pin.image_path]
        else:
            value = memo[pin.image_path] = fingerprint(Path(pin.image_path))
    return _parse(value) if value else None


_parse = parsed_hash


class NearIndex:
    """Photos seen so far per (board, design), found again by exact path or perceptual hash."""

    def __init__(self, fingerprints: Fingerprints | None = None) -> None:
        self.paths: dict[tuple[int, tuple[str, str, str]], PinLike] = {}
        self.fingerprints = fingerprints or Fingerprints()
        # (board, design, fingerprint) -> (order added, first pin added with that photo)
        self.seen: dict[tuple[int, tuple[str, str], Fingerprint], tuple[int, PinLike]] = {}
        self._added = 0

    def find(self, board_id: int, key: tuple[str, str, str], h: Fingerprint | None) -> PinLike | None:
        """The first photo added that is a copy of this one (same path, or a near-duplicate)."""
        hit = self.paths.get((board_id, key))
        if hit is not None or h is None:
            return hit
        return self._first_seen(board_id, (key[1], key[2]), self.fingerprints.register(h))

    def find_or_add(
        self, board_id: int, key: tuple[str, str, str], h: Fingerprint | None, pin: PinLike
    ) -> PinLike | None:
        """`find`, and `add` the pin when no copy of its photo was added before (one pass: an
        import asks this for every pin)."""
        at = (board_id, key)
        hit = self.paths.get(at)
        if hit is not None:
            return hit
        if h is None:
            self.paths[at] = pin
            return None
        design = (key[1], key[2])
        near = self.fingerprints.near.get(h) or self.fingerprints.register(h)  # h itself included
        first = self._first_seen(board_id, design, near)
        if first is not None:
            return first
        self.paths[at] = pin
        self.seen[(board_id, design, h)] = (self._added, pin)  # not there: h is among the copies looked up
        self._added += 1
        return None

    def _first_seen(self, board_id: int, design: tuple[str, str], near: Iterable[Fingerprint]) -> PinLike | None:
        """The first pin added on the board in the design whose photo is one of `near`."""
        best: tuple[int, PinLike] | None = None
        for other in near:
            found = self.seen.get((board_id, design, other))
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        return best[1] if best is not None else None

    def add(self, board_id: int, key: tuple[str, str, str], h: Fingerprint | None, pin: PinLike) -> None:
        self.paths.setdefault((board_id, key), pin)
        if h is None:
            return
        self.fingerprints.register(h)
        seen_key = (board_id, (key[1], key[2]), h)
        if seen_key not in self.seen:
            self.seen[seen_key] = (self._added, pin)
            self._added += 1


def product_key(pin: PinLike) -> str | None:
    return product_of(pin.product_id, pin.link)


def shortener_finding(pin: PinLike) -> Finding | None:
    if pin.link and is_shortener(pin.link):
        return Finding(
            "link",
            f"{domain_of(pin.link)} is a link shortener, which Pinterest treats as spam; use the full link "
            f"({clip(pin.title, 40)!r})",
            _id(pin),
        )
    return None


def findings(
    pins: Sequence[PinLike],
    rules: ScheduleRules,
    board_names: dict[int, str],
    fingerprints: Fingerprints | None = None,
) -> list[Finding]:
    """Every lint problem among `pins` (which must include the live pins they compete with)."""
    fingerprints = fingerprints or Fingerprints()
    quick = quick_findings(pins, rules.max_boards_per_product, fingerprints)
    if quick is not None:  # nothing but the boards limit: no pin-by-pin pass needed
        return [Finding("boards", message) for message in quick]
    out: list[Finding] = []
    seen_images = NearIndex(fingerprints)
    find_or_add = seen_images.find_or_add
    boards_of: dict[str, set[int]] = defaultdict(set)
    memo: dict[str, str | None] = {}
    # An import asks for every pin, of a few links, photos and designs: each is worked out once.
    short: dict[str, bool] = {}
    products: dict[tuple[int | None, str], str | None] = {}
    for pin in pins:
        link = pin.link
        if link:
            is_short = short.get(link)
            if is_short is None:
                is_short = short[link] = is_shortener(link)
            if is_short and (f := shortener_finding(pin)) is not None:
                out.append(f)
        image = pin.image_path
        if image:
            key = (image, *design_key(pin.template, pin.variant_key))
            h = photo_hash(pin, memo)
            first = find_or_add(pin.board_id, key, h, pin)
            if first is not None:
                board = board_names.get(pin.board_id, str(pin.board_id))
                what = image if first.image_path == image else f"{image} (a copy of {first.image_path})"
                out.append(
                    Finding(
                        "image",
                        f"{what} is already on board {board!r} with the same design"
                        + (f" (pin {_id(first)})" if _id(first) else "")
                        + f"; use another photo or template ({clip(pin.title, 40)!r})",
                        _id(pin),
                    )
                )
        at = (pin.product_id, link)
        product = products.get(at, "")
        if product == "":
            product = products[at] = product_key(pin)
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


def _live_related(session: Session, account_id: int, pins: Sequence[PinLike], prints: Fingerprints) -> list[LivePin]:
    """The live pins already queued or posted that the new ones could clash with."""
    boards = {p.board_id for p in pins}
    images = {p.image_path for p in pins if p.image_path}
    products = {p.product_id for p in pins if p.product_id is not None}
    links = {p.link for p in pins if p.link}
    found: dict[int, LivePin] = {}
    mine = (col(Pin.account_id) == account_id, col(Pin.status).in_(LIVE))

    def read(*where: Any, **values: list[Any]) -> None:
        for row in session.execute(sa_select(*_LIVE_COLUMNS).where(*where), values):
            found[row[0]] = LivePin(*row)

    # The value lists are bound when the statement runs: compiling an IN of 10,000 values (an
    # import's photos and links) costs more than the lookup.
    def each(name: str) -> BindParameter[Any]:
        return bindparam(name, expanding=True)

    with session.no_autoflush:
        if images:
            read(
                *mine,
                col(Pin.board_id).in_(each("boards")),
                col(Pin.image_path).in_(each("images")),
                boards=list(boards),
                images=list(images),
            )
        near = _near_copies(session, account_id, pins, boards, prints)
        if near:
            read(col(Pin.id).in_(near))
        if products or links:
            read(
                *mine,
                col(Pin.product_id).in_(each("products")) | col(Pin.link).in_(each("links")),
                products=list(products),
                links=list(links),
            )
    return list(found.values())


def _near_copies(
    session: Session, account_id: int, pins: Sequence[PinLike], boards: set[int], prints: Fingerprints
) -> list[int]:
    """Ids of live pins on these boards whose photo is a copy of a new pin's photo (same design).
    The queue's distinct photos are compared, not its pins: a photo on many boards is read once."""
    shown = [pin for pin in pins if pin.image_path]
    hashes = photo_hashes(shown)  # once per distinct photo: many pins show one
    registered = [h for h in dict.fromkeys(hashes) if h is not None]
    if not registered:
        return []
    for photo in registered:
        prints.register(photo)
    mine = (
        col(Pin.account_id) == account_id,
        col(Pin.status).in_(LIVE),
        col(Pin.board_id).in_(boards),
    )
    stored = [
        (value, h)
        for (value,) in session.execute(sa_select(col(Pin.image_hash)).distinct().where(*mine))
        if value and (h := _parse(value)) is not None
    ]
    found = prints.have_copies([h for _, h in stored])
    values = [value for (value, _), copied in zip(stored, found, strict=True) if copied]
    if not values:
        return []
    # (board, design, photo) of the new pins
    wanted = {
        (pin.board_id, design_key(pin.template, pin.variant_key), h)
        for pin, h in zip(shown, hashes, strict=True)
        if h is not None
    }
    out: list[int] = []
    for start in range(0, len(values), 500):
        q = sa_select(col(Pin.id), col(Pin.board_id), col(Pin.image_hash), col(Pin.template), col(Pin.variant_key))
        for pin_id, board_id, value, template, variant in session.execute(
            q.where(*mine, col(Pin.image_hash).in_(values[start : start + 500]))
        ):
            h = _parse(value)
            design = design_key(template, variant)
            if h is not None and any((board_id, design, other) in wanted for other in prints.copies(h)):
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
    prints = Fingerprints()  # the new photos, compared once here and again by `findings`
    existing = [p for p in _live_related(session, account_id, pins, prints) if id(p) not in new_ids]
    names = board_names(session, {p.board_id for p in pins})
    problems = findings([*existing, *pins], rules, names, prints)
    for problem in problems:
        if problem.pin_id is not None:
            continue  # an old pin's problem is not the new pins' fault (e.g. queued before the lint)
        raise InvalidInput(problem.field, problem.message)
