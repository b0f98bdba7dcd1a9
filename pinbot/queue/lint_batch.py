"""The lint's quick pass over a big batch of pins (`pinbot.queue.lint.findings` asks it first).

An import hands the lint 100,000 pins of a few thousand photos, links and designs, and most
batches have nothing to find. This pass works column by column on the distinct values: when no
link is a shortener, no photo is on a board twice in a design (by path, by fingerprint, or as a
copy of another of the batch's photos), it answers with the "too many boards" findings alone, the
same the pin-by-pin pass would give; otherwise it answers None and the pin-by-pin pass says which
pin is at fault. Also owns what both passes share: a design as the renderer reads it and a
stored fingerprint parsed once.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import Any

from pinbot.links import is_shortener, link_key
from pinbot.queue.photo_index import Fingerprint, Fingerprints
from pinbot.render.subject import fingerprint, parse_fingerprint


@functools.lru_cache(maxsize=4096)  # an import asks it for every pin, of a few designs
def design_key(template: str | None, variant: str | None) -> tuple[str, str]:
    """A design as the renderer reads it: no variant and the bare template name are both the
    template's default look, and "palette.crop" belongs to the pin's template."""
    t, v = template or "", (variant or "").strip()
    if v == t:
        v = ""
    elif t and v.count(".") == 1:
        v = f"{t}.{v}"
    return t, v


# Many pins show one photo: its stored fingerprint is parsed once.
parsed_hash = functools.lru_cache(maxsize=1 << 16)(parse_fingerprint)


def product_of(product_id: int | None, link: str) -> str | None:
    """What "one product" means to the boards limit: the product row, else the link."""
    if product_id is not None:
        return f"product {product_id}"
    if link:
        return f"link {link_key(link)}"
    return None


def photo_hashes(pins: Sequence[Any]) -> list[Fingerprint | None]:
    """Each pin's photo fingerprint (`pinbot.queue.lint.photo_hash`), worked out once per distinct
    stored value and path; the pins must all have a photo."""
    keys = list(zip([getattr(p, "image_hash", None) for p in pins], [p.image_path for p in pins], strict=True))
    return list(map(_answers(set(keys)).__getitem__, keys))


def _answers(keys: Iterable[tuple[str | None, str]]) -> dict[tuple[str | None, str], Fingerprint | None]:
    """(stored fingerprint, path) -> the photo's fingerprint: the stored one, else the file's."""
    read: dict[str, str | None] = {}
    answers: dict[tuple[str | None, str], Fingerprint | None] = {}
    for value, path in keys:
        text = value
        if not text:
            if path not in read:
                read[path] = fingerprint(Path(path))
            text = read[path]
        answers[(value, path)] = parsed_hash(text) if text else None
    return answers


def quick_findings(pins: Sequence[Any], max_boards: int, prints: Fingerprints) -> list[str] | None:
    """The "too many boards" messages in the pin-by-pin pass's order, when the batch has no other
    problem; None when it may have one (a shortener, or a photo twice on a board in a design)."""
    boards = [p.board_id for p in pins]
    links = [p.link for p in pins]
    if any(is_shortener(link) for link in set(links) if link):
        return None
    if _photo_twice(pins, boards, prints):
        return None
    products = [p.product_id for p in pins]
    # What a pin's product is known by: its link alone when no pin has a product row (a CSV import).
    at: list[Any] = links if products.count(None) == len(products) else list(zip(products, links, strict=True))
    of_link = at is links
    kinds = {a: product_of(None, a) if of_link else product_of(*a) for a in dict.fromkeys(at)}  # in order of use
    number = {a: i for i, a in enumerate(kinds)}  # small ints hash faster than pairs
    spread = Counter(map(itemgetter(0), set(zip(map(number.__getitem__, at), boards, strict=True))))
    groups: dict[str, list[Any]] = {}
    for a, kind in kinds.items():
        if kind is not None:
            groups.setdefault(kind, []).append(a)
    shared = {a for ats in groups.values() if len(ats) > 1 for a in ats}
    union: dict[str, set[int]] = {}
    if shared:  # one product under several links (or a link of a product row): their boards merged
        for a, board in zip(at, boards, strict=True):
            if a in shared:
                union.setdefault(str(kinds[a]), set()).add(board)
    out = []
    for kind, ats in groups.items():
        count = len(union[kind]) if len(ats) > 1 else spread[number[ats[0]]]
        if count > max_boards:
            out.append(
                f"{kind} would be on {count} boards; the limit is {max_boards} (schedule.max_boards_per_product)"
            )
    return out


def _photo_twice(pins: Sequence[Any], boards: list[int], prints: Fingerprints) -> bool:
    """Whether a photo may be on a board twice in a design: the same file, the same fingerprint, or
    two photos of the batch that are copies of each other (the pin-by-pin pass then says which)."""
    images = [p.image_path for p in pins]
    templates = [p.template for p in pins]
    variants = [p.variant_key for p in pins]
    numbers: dict[tuple[str, str], int] = {}
    design = {
        tv: numbers.setdefault(design_key(*tv), len(numbers)) for tv in set(zip(templates, variants, strict=True))
    }
    on: list[Any] = boards  # where a pin is: its board, and its design when the batch has several
    if len(numbers) > 1:
        on = list(zip(boards, map(design.__getitem__, zip(templates, variants, strict=True)), strict=True))
    if not all(images):
        keep = list(map(bool, images))
        pins, on, images = list(compress(pins, keep)), list(compress(on, keep)), list(compress(images, keep))
    if len(set(zip(on, images, strict=True))) != len(on):
        return True  # a photo file twice on a board in a design
    keys = list(zip([getattr(p, "image_hash", None) for p in pins], images, strict=True))
    answers = _answers(set(keys))
    distinct = set(answers.values())
    one_to_one = len(distinct) == len(answers) == len({path for _, path in answers}) and None not in distinct
    if not one_to_one:  # else a picture twice on a board would be a file twice there, found above
        hashes = list(map(answers.__getitem__, keys))
        known = [h is not None for h in hashes]
        found = list(compress(hashes, known))
        if len(set(zip(compress(on, known), found, strict=True))) != len(found):
            return True  # one picture twice on a board in a design
    distinct.discard(None)
    for h in distinct:
        assert h is not None
        near = prints.near.get(h) or prints.register(h)  # h itself included
        if len(near) > 1 and any(o in distinct for o in near if o != h):
            return True  # two photos of the batch are copies: the pin-by-pin pass compares them
    return False
