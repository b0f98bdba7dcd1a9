"""What "queue this product on these boards" means (`pinbot queue add --product`).

Owns turning a product into queue requests: the product's title, description, link and first
photo unless the owner overrides them; `product_id` on every pin (the planner spreads one
product's boards days apart, experiments and the review find its pins); the design per board
(the owner's --template, else the winner of an auto-applied experiment on this product, else the
board's default template); and the refusal to queue a product that is out of stock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pinbot.errors import InvalidInput, StateConflict
from pinbot.importers.text import shorten
from pinbot.queue.designs import preferred_design
from pinbot.queue.service import PinRequest, QueueService
from pinbot.shop.boards import require_board
from pinbot.shop.products import ProductService, typed_ref
from pinbot.shop.validation import (
    ALT_TEXT_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    check_image_path,
    check_link,
    check_text,
)
from pinbot.words import clip


@dataclass(frozen=True)
class ProductPinOptions:
    """The owner's explicit choices; None means "take it from the product"."""

    boards: tuple[str, ...]
    title: str | None = None
    description: str | None = None
    link: str | None = None
    image: str | None = None
    alt_text: str | None = None
    at: datetime | None = None
    template: str | None = None
    key: str | None = None
    headline: str | None = None  # None: the product's (or one from the title)
    badge: str | None = None


def product_requests(
    products: ProductService, queue: QueueService, ref: str | int, opts: ProductPinOptions, image_base: Path
) -> list[PinRequest]:
    """One request per board, all sharing one source key, so the planner sees one product. `ref`:
    what the owner typed, or a product id (an int) from code, which no other product's key can match."""
    product = products.get_id(ref) if isinstance(ref, int) else products.get(ref)
    assert product.id is not None
    if not product.in_stock:
        raise StateConflict(
            f"product {product.id} ({clip(product.title, 60)}) is out of stock; nothing queued "
            f"(pinbot products stock {typed_ref(product.id, product.source, product.external_id)} --in when it is back)"
        )
    boards = [require_board(queue.boards, key) for key in opts.boards]
    title = (
        check_text("title", opts.title, TITLE_MAX, required=True, single_line=True)
        if opts.title is not None
        else shorten(product.title, TITLE_MAX)[0]
    )
    description = (
        check_text("description", opts.description, DESCRIPTION_MAX)
        if opts.description is not None
        else shorten(product.description, DESCRIPTION_MAX)[0]
    )
    link = check_link(opts.link if opts.link is not None else product.link)
    alt_text = (
        check_text("alt_text", opts.alt_text, ALT_TEXT_MAX)
        if opts.alt_text is not None
        else shorten(product.title, ALT_TEXT_MAX)[0]
    )
    image = (
        str(check_image_path(opts.image, base=image_base, keep_fingerprint=True))
        if opts.image
        else _product_photo(product.id, typed_ref(product.id, product.source, product.external_id), product.image_paths)
    )
    design = None if opts.template else preferred_design(products.engine, products.account_id, product.id)
    if opts.key:
        source_key = f"cli:{opts.key}"
    else:
        # The product's own fields are not in the key: re-running the command after a re-import
        # changed its description adds nothing. A different photo or override is a new pin.
        overrides = [image, opts.template or "", opts.title or "", opts.description or "", opts.link or ""]
        if opts.headline is not None or opts.badge is not None:  # another text on the image: another pin
            overrides += [opts.headline or "", opts.badge or ""]
        source_key = f"product:{product.id}:" + hashlib.sha256("\x1f".join(overrides).encode()).hexdigest()[:20]
    return [
        PinRequest(
            boards=(board.key,),
            title=title,
            description=description,
            link=link,
            image=image,
            alt_text=alt_text,
            at=opts.at,
            template=opts.template or (design.split(".")[0] if design else None) or board.default_template,
            variant_key=design if design and not opts.template else None,
            product_id=product.id,
            source_key=source_key,
            headline=(opts.headline if opts.headline is not None else product.headline) or "",
            badge=(opts.badge if opts.badge is not None else product.badge) or "",
        )
        for board in boards
    ]


def _product_photo(product_id: int, name: str, paths: list[str]) -> str:
    problems: list[str] = []
    for raw in paths:
        try:
            return str(check_image_path(raw, keep_fingerprint=True))  # the enqueue's lint reads it
        except InvalidInput as exc:
            problems.append(exc.reason)
    # An imported product whose photos did not download meets this first: the fix that lasts is
    # the photo on the product (kept by every re-import), not one pin's --image. `name` (etsy:32)
    # is the product's unambiguous key: an Etsy SKU "4" may also be product id 4.
    fix = f"add one with `pinbot products photo {name} --image PHOTO` (or give --image PHOTO for this pin)"
    who = f"product {product_id}" + (f" ({name})" if name != str(product_id) else "")
    if not problems:
        raise InvalidInput("image", f"{who} has no photo: {fix}")
    raise InvalidInput("image", f"{who}: its photo is unusable ({problems[0]}); {fix}")
