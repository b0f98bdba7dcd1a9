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
from collections.abc import Sequence
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
    stored = [getattr(p, "image_hash", None) for p in pins]
    paths = [p.image_path for p in pins]
    read: dict[str, str | None] = {}
    answers: dict[tuple[str | None, str], Fingerprint | None] = {}
    for value, path in set(zip(stored, paths, strict=True)):
        text = value
        if not text:
            if path not in read:
                read[path] = fingerprint(Path(path))
            text = read[path]
        answers[(value, path)] = parsed_hash(text) if text else None
    return list(map(answers.__getitem__, zip(stored, paths, strict=True)))


def quick_findings(pins: Sequence[Any], max_boards: int, prints: Fingerprints) -> list[str] | None:
    """The "too many boards" messages in the pin-by-pin pass's order, when the batch has no other
    problem; None when it may have one (a shortener, or a photo twice on a board in a design)."""
    boards = [p.board_id for p in pins]
    links = [p.link for p in pins]
    images = [p.image_path for p in pins]
    templates = [p.template for p in pins]
    variants = [p.variant_key for p in pins]
    products = [p.product_id for p in pins]
    if any(is_shortener(link) for link in set(links) if link):
        return None
    with_image = list(map(bool, images))
    shown = list(compress(pins, with_image))
    if shown:
        designs = {tv: design_key(*tv) for tv in set(zip(templates, variants, strict=True))}
        design_of = map(designs.__getitem__, zip(templates, variants, strict=True))
        on = list(compress(zip(boards, design_of, strict=True), with_image))
        if len(set(zip(on, compress(images, with_image), strict=True))) != len(on):
            return None  # a photo file twice on a board in a design
        hashes = photo_hashes(shown)
        known = [h is not None for h in hashes]
        found = [h for h in hashes if h is not None]
        if len(set(zip(compress(on, known), found, strict=True))) != len(found):
            return None  # one picture twice on a board in a design
        distinct = set(found)
        for h in distinct:
            near = prints.near.get(h) or prints.register(h)  # h itself included
            if len(near) > 1 and any(o in distinct for o in near if o != h):
                return None  # two photos of the batch are copies: the pin-by-pin pass compares them
    at = list(zip(products, links, strict=True))
    kinds = {pair: product_of(*pair) for pair in dict.fromkeys(at)}  # in order of first use
    number = {pair: i for i, pair in enumerate(kinds)}  # small ints hash faster than pairs
    spread = Counter(map(itemgetter(0), set(zip(map(number.__getitem__, at), boards, strict=True))))
    groups: dict[str, list[tuple[int | None, str]]] = {}
    for pair, kind in kinds.items():
        if kind is not None:
            groups.setdefault(kind, []).append(pair)
    shared = {pair for pairs in groups.values() if len(pairs) > 1 for pair in pairs}
    union: dict[str, set[int]] = {}
    if shared:  # one product under several links (or a link of a product row): their boards merged
        for pair, board in zip(at, boards, strict=True):
            if pair in shared:
                union.setdefault(str(kinds[pair]), set()).add(board)
    out = []
    for kind, pairs in groups.items():
        count = len(union[kind]) if len(pairs) > 1 else spread[number[pairs[0]]]
        if count > max_boards:
            out.append(
                f"{kind} would be on {count} boards; the limit is {max_boards} (schedule.max_boards_per_product)"
            )
    return out
