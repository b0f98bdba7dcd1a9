"""Encoding the finished canvas: JPEG for photos, PNG for flat text designs (sharp text, and
smaller there), never any metadata, always the same bytes for the same pixels, and well under
Pinterest's 20 MB limit.
"""

from __future__ import annotations

import hashlib
import io

from PIL import Image

from pinbot.render.types import RenderedImage, TextPlacement

JPEG_QUALITY = 88
MAX_BYTES = 3 * 1024 * 1024  # Pinterest takes 20 MB; a pin never needs more than a few hundred KB


def jpeg_bytes(image: Image.Image, quality: int = JPEG_QUALITY) -> bytes:
    buf = io.BytesIO()
    # 4:4:4 chroma keeps coloured text edges crisp; no exif/icc/comment is passed, so none is written.
    image.save(buf, format="JPEG", quality=quality, subsampling=0, optimize=False, progressive=False)
    return buf.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def encode(
    image: Image.Image, *, sharp: bool, texts: tuple[TextPlacement, ...] = (), variant: str = ""
) -> RenderedImage:
    """`sharp`: the design has no photo, so PNG keeps its text crisp and is usually smaller."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    data, ctype, ext = b"", "", ""
    if sharp:
        png = png_bytes(image)
        if len(png) <= MAX_BYTES:
            data, ctype, ext = png, "image/png", "png"
    if not data:
        quality = JPEG_QUALITY
        data = jpeg_bytes(image, quality)
        while len(data) > MAX_BYTES and quality > 50:
            quality -= 10
            data = jpeg_bytes(image, quality)
        ctype, ext = "image/jpeg", "jpg"
    return RenderedImage(
        data=data,
        content_type=ctype,
        sha256=hashlib.sha256(data).hexdigest(),
        extension=ext,
        width=image.width,
        height=image.height,
        texts=texts,
        variant=variant,
    )
