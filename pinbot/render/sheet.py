"""Contact sheet: every design of one product side by side, so an owner can look before posting."""

from __future__ import annotations

import math

from PIL import Image, ImageDraw

from pinbot.render.brand import BrandKit
from pinbot.render.color import mix
from pinbot.render.encode import jpeg_bytes
from pinbot.render.loading import PhotoSource, open_photo
from pinbot.render.names import design_name, template_name
from pinbot.render.text import TextStyle, draw_text, fit_text

THUMB_W, THUMB_H = 400, 600
GUTTER = 48
HEADER = 150
LABEL = 64


def make_contact_sheet(
    items: list[tuple[str, bytes]], brand: BrandKit, title: str, skipped: list[tuple[str, str]] | None = None
) -> bytes:
    """A JPEG grid of (label, rendered pin bytes), headed by the shop name and `title`; each
    (template, reason) in `skipped` gets a tile saying why that design is not used for the product."""
    skipped = skipped or []
    if not items and not skipped:
        raise ValueError("a contact sheet needs at least one design")
    count = len(items) + len(skipped)
    cols = min(count, 3 if count != 4 else 2)
    rows = math.ceil(count / cols)
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
        fitted = fit_text(design_name(label), label_style, THUMB_W, LABEL - 16)  # words, not the id
        if fitted:
            draw_text(sheet, fitted, x, y + THUMB_H + 14, THUMB_W, "left", brand.ink)
    reason_style = TextStyle(brand.body_font, 20, 26, 8, line_height=1.3)
    for j, (name, why) in enumerate(skipped):
        r, c = divmod(len(items) + j, cols)
        x = GUTTER + c * (THUMB_W + GUTTER)
        y = HEADER + r * (THUMB_H + LABEL + GUTTER)
        draw.rectangle((x - 1, y - 1, x + THUMB_W, y + THUMB_H), outline=brand.ink, fill=_tint(brand))
        fitted = fit_text(f"Not used for this product: {why}", reason_style, THUMB_W - 60, THUMB_H - 60)
        if fitted:
            draw_text(sheet, fitted, x + 30, y + 30, THUMB_W - 60, "left", brand.ink)
        label_fit = fit_text(f"{template_name(name)} (not used)", label_style, THUMB_W, LABEL - 16)
        if label_fit:
            draw_text(sheet, label_fit, x, y + THUMB_H + 14, THUMB_W, "left", brand.ink)
    return jpeg_bytes(sheet, 90)


def _tint(brand: BrandKit) -> tuple[int, int, int]:
    return mix(brand.paper, brand.ink, 0.06)


class _Label(str):
    """Stands in for a path in error messages about an in-memory image."""
