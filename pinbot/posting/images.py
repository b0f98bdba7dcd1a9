"""The image a queue item is posted with: rendered from its template (content-addressed cache),
or, for a pin without any template, its source photo re-encoded without metadata.

Owns the mapping from a queue item (+ its board and product) to a `RenderRequest`, and reading
the result as `PinImage` bytes. Rendering happens before a pin is claimed (docs/posting-exactly-once.md);
a bad image raises `ImageError` naming the file, which fails that pin only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pinbot.errors import ImageError
from pinbot.importers.images import source_url
from pinbot.links import site_of
from pinbot.pinterest.types import PinImage
from pinbot.render import RenderRequest, render_to_cache
from pinbot.render.clean import clean_photo
from pinbot.shop.boards import BoardDef
from pinbot.store.models import Pin, Product

_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ImageSource(Protocol):
    def image_for(self, pin: Pin, board: BoardDef | None, product: Product | None) -> tuple[PinImage, Path]:
        """The bytes to upload and the file they came from; raises ImageError."""
        ...


def price_label(cents: int | None, currency: str | None) -> str:
    """ "$24", "€12.50", "350 JPY": how a price is printed on a pin."""
    if cents is None:
        return ""
    amount = f"{cents / 100:,.2f}".removesuffix(".00")
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get((currency or "").upper())
    return f"{symbol}{amount}" if symbol else f"{amount} {currency or ''}".strip()


SUBTITLE_MAX = 90


def subtitle_from(description: str) -> str:
    """The description's first sentence when it is short enough to print under the headline."""
    text = " ".join(description.split())
    for end in (". ", "! ", "? "):
        if end in text:
            text = text.split(end, 1)[0] + end.strip()
            break
    return text if 0 < len(text) <= SUBTITLE_MAX else ""


def render_request_for(pin: Pin, board: BoardDef | None, product: Product | None) -> RenderRequest | None:
    """What the poster renders for a queue item (and `pinbot render` previews): None when the pin
    has no template at all and is posted as its photo."""
    template = pin.template or (board.default_template if board else None)
    if template is None:
        return None
    return RenderRequest(
        template=template,
        title=pin.title,
        headline=pin.headline or (product.headline if product else None) or "",
        badge=pin.badge or (product.badge if product else None) or "",
        subtitle=subtitle_from(pin.description),
        price=price_label(product.price_cents, product.currency) if product else "",
        site_name=site_of(pin.link or ""),
        photos=source_photos(pin, product),
        variant=pin.variant_key,
    )


def source_photos(pin: Pin, product: Product | None) -> tuple[Path, ...]:
    raw = [pin.image_path] if pin.image_path else list(product.image_paths if product else [])
    return tuple(Path(p) for p in raw if p)


def read_image(path: Path) -> PinImage:
    """A JPEG or PNG file as upload bytes (checked by magic number and size)."""
    try:
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            raise ImageError(str(path), f"is {size / 1e6:.1f} MB; Pinterest takes at most 20 MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImageError(str(path), "file not found") from None
    except OSError as exc:
        raise ImageError(str(path), f"cannot read: {exc.strerror or exc}") from None
    for magic, content_type in _TYPES.items():
        if data.startswith(magic):
            return PinImage(data=data, content_type=content_type)
    raise ImageError(str(path), "is not a JPEG or PNG file")


@dataclass
class CachedRenderer:
    """Renders with `pinbot.render.render_to_cache` into `cache_dir` (re-renders are cache hits)."""

    assets_dir: Path
    cache_dir: Path

    def image_for(self, pin: Pin, board: BoardDef | None, product: Product | None) -> tuple[PinImage, Path]:
        request = render_request_for(pin, board, product)
        photos = source_photos(pin, product)
        try:
            if request is None:
                if not photos:
                    raise ImageError(f"pin {pin.id}", "has no image and no template")
                # Never the file as it is: re-encoded without metadata (GPS, camera), bomb-checked.
                path = clean_photo(photos[0], self.cache_dir)
            else:
                path = Path(render_to_cache(request, self.assets_dir, self.cache_dir))
        except ImageError as exc:
            raise _named(exc, product, photos) from None
        return read_image(path), path


def photo_error(exc: ImageError, photos: tuple[Path, ...]) -> ImageError:
    """The error with the photo named the way the owner knows it: its number when there are
    several, and the URL it was downloaded from rather than its file in the photo cache."""
    index = next((i for i, p in enumerate(photos) if str(p) == exc.path), None)
    if index is None:
        return exc
    url = source_url(photos[index])
    where = url or str(photos[index])
    if len(photos) > 1:
        return ImageError(f"photo {index + 1} ({where})", exc.reason)
    return ImageError(f"the photo ({where})", exc.reason) if url else exc


def _named(exc: ImageError, product: Product | None, photos: tuple[Path, ...]) -> ImageError:
    """`photo_error`, said of the product it belongs to (a pin's own photo needs no more: the
    messages around it name the pin)."""
    named = photo_error(exc, photos)
    if product is None or not any(str(p) == exc.path for p in photos):
        return named
    return ImageError(f"product {product.title!r}, {named.path}", named.reason)
