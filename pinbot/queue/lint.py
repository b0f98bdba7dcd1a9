"""Pre-publish lint: refuse what Pinterest treats as spam before it is queued or posted.

Owns three checks: link shorteners, the same image on the same board twice, and one product on
more boards than `schedule.max_boards_per_product` (10 by default). `lint_new_pins` raises
`InvalidInput` naming the field and the offending pin (the enqueue transaction then writes
nothing); `findings` reports the same problems for a list of pins (`pinbot queue plan`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session, col, select

from pinbot.errors import InvalidInput
from pinbot.links import domain_of, is_shortener, link_key
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
    seen_images: dict[tuple[int, tuple[str, str, str]], PinLike] = {}
    boards_of: dict[str, set[int]] = defaultdict(set)
    for pin in pins:
        if (f := shortener_finding(pin)) is not None:
            out.append(f)
        key = image_key(pin)
        if key is not None:
            first = seen_images.setdefault((pin.board_id, key), pin)
            if first is not pin:
                board = board_names.get(pin.board_id, str(pin.board_id))
                out.append(
                    Finding(
                        "image",
                        f"{key[0]} is already on board {board!r} with the same design"
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


def _live_related(session: Session, account_id: int, pins: Sequence[PinLike]) -> list[Pin]:
    """The live pins already queued or posted that the new ones could clash with."""
    boards = {p.board_id for p in pins}
    images = {p.image_path for p in pins if p.image_path}
    products = {p.product_id for p in pins if p.product_id is not None}
    links = {p.link for p in pins if p.link}
    found: dict[int, Pin] = {}
    with session.no_autoflush:
        if images:
            q = select(Pin).where(
                Pin.account_id == account_id,
                col(Pin.status).in_(LIVE),
                col(Pin.board_id).in_(boards),
                col(Pin.image_path).in_(images),
            )
            found.update({p.id: p for p in session.exec(q).all() if p.id is not None})
        if products or links:
            cond = col(Pin.product_id).in_(products) | col(Pin.link).in_(links)
            q = select(Pin).where(Pin.account_id == account_id, col(Pin.status).in_(LIVE), cond)
            found.update({p.id: p for p in session.exec(q).all() if p.id is not None})
    return list(found.values())


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
