"""Contact sheet: every design of one product side by side, so an owner can look before posting."""

from __future__ import annotations

import math

from PIL import Image, ImageDraw

from pinbot.render.brand import BrandKit
from pinbot.render.encode import jpeg_bytes
from pinbot.render.loading import PhotoSource, open_photo
from pinbot.render.text import TextStyle, draw_text, fit_text

THUMB_W, THUMB_H = 400, 600
GUTTER = 48
HEADER = 150
LABEL = 64


def make_contact_sheet(items: list[tuple[str, bytes]], brand: BrandKit, title: str) -> bytes:
    """A JPEG grid of (label, rendered pin bytes), headed by the shop name and `title`."""
    if not items:
        raise ValueError("a contact sheet needs at least one design")
    cols = min(len(items), 3 if len(items) != 4 else 2)
    rows = math.ceil(len(items) / cols)
    width = GUTTER + cols * (THUMB_W + GUTTER)
    height = HEADER + rows * (THUMB_H + LABEL + GUTTER)
    sheet = Image.new("RGB", (width, height), brand.paper)
    draw = ImageDraw.Draw(sheet)
    inner = width - 2 * GUTTER
    eyebrow = fit_text(
        f"{brand.shop_name} · contact sheet" if brand.shop_name else "contact sheet",
        TextStyle(brand.body_bold_font, 18, 22, 1, uppercase=True, tracking=0.12, balance=False),
        inner,
        40,
    )
    heading = fit_text(title, TextStyle(brand.heading_font, 28, 48, 1, balance=False), inner, 70)
    if eyebrow:
        draw_text(sheet, eyebrow, GUTTER, 36, inner, "left", brand.accent)
    if heading:
        draw_text(sheet, heading, GUTTER, 72, inner, "left", brand.ink)
    label_style = TextStyle(brand.body_font, 16, 22, 1, balance=False)
    for i, (label, data) in enumerate(items):
        r, c = divmod(i, cols)
        x = GUTTER + c * (THUMB_W + GUTTER)
        y = HEADER + r * (THUMB_H + LABEL + GUTTER)
        src = PhotoSource(path=_Label(label), data=data, sha256="")  # type: ignore[arg-type]
        thumb = open_photo(src, [((THUMB_W, THUMB_H), 1.0)], brand.paper).image.convert("RGB")
        thumb = thumb.resize((THUMB_W, THUMB_H), Image.Resampling.LANCZOS)
        draw.rectangle((x - 1, y - 1, x + THUMB_W, y + THUMB_H), outline=(0, 0, 0))
        sheet.paste(thumb, (x, y))
        fitted = fit_text(label, label_style, THUMB_W, LABEL - 16)
        if fitted:
            draw_text(sheet, fitted, x, y + THUMB_H + 14, THUMB_W, "left", brand.ink)
    return jpeg_bytes(sheet, 90)


class _Label(str):
    """Stands in for a path in error messages about an in-memory image."""
