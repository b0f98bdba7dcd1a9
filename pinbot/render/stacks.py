"""Painting a template's text: stacks of text, rules and logos fitted into their boxes, and pills
(price, badge). Every text is checked for contrast on the pixels under it; a scrim is laid down
when a photo is too busy or too bright for the text to read, and never over the product."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from pinbot.render.brand import BLACK
from pinbot.render.canvas import Canvas
from pinbot.render.color import (
    Sample,
    best_text_color,
    luminance,
    mix,
    sample_pixels,
    scrim_alpha,
    worst_contrast,
)
from pinbot.render.fonts import missing_glyphs
from pinbot.render.legibility import legibility_note, letter_height
from pinbot.render.loading import load_logo
from pinbot.render.shapes import rounded_mask, vertical_fade
from pinbot.render.templates import LogoItem, PillLayer, RuleItem, StackLayer, TextItem
from pinbot.render.text import FittedText, TextStyle, draw_text, fit_text, ink_box
from pinbot.render.text import placement as text_placement
from pinbot.render.types import CANVAS_H, CANVAS_W, RGB, Box, TextPlacement

log = logging.getLogger(__name__)

# Aim above WCAG's 4.5:1 so that sampling and JPEG noise never take a text below it.
TARGET_CONTRAST = 4.8
_SAMPLE_PAD = 6


@dataclass
class _Entry:
    item: TextItem | RuleItem | LogoItem
    height: int
    fitted: FittedText | None = None
    logo: Image.Image | None = None
    y: int = 0


def _font_for(ctx: Canvas, role: str, text: str) -> Path:
    """The role's font, or another brand font when that one lacks glyphs the text needs
    (a Latin display face with a Greek or Cyrillic title)."""
    first = ctx.brand.font(role)
    if not any(ord(ch) >= 0x80 for ch in text) or not missing_glyphs(first, text):
        return first
    for other in ("body_bold", "body", "heading"):
        path = ctx.brand.font(other)
        if path != first and not missing_glyphs(path, text):
            log.warning("font %s lacks glyphs for %r; using %s", first.name, text[:40], path.name)
            return path
    log.warning("no brand font has every glyph of %r; some characters will show as boxes", text[:40])
    return first


def _style(ctx: Canvas, item: TextItem, text: str) -> TextStyle:
    return TextStyle(
        font=_font_for(ctx, item.font, text),
        min_size=item.size[0],
        max_size=item.size[1],
        max_lines=item.max_lines,
        line_height=item.line_height,
        uppercase=item.uppercase,
        tracking=item.tracking,
        balance=item.max_lines > 1,
    )


def paint_stack(ctx: Canvas, layer: StackLayer) -> None:
    x0, y0, x1, y1 = layer.box
    width = x1 - x0
    entries: list[_Entry] = []
    for item in layer.items:
        if isinstance(item, TextItem):
            text = ctx.field(item.field)
            fitted = fit_text(text, _style(ctx, item, text), width, item.max_height) if text else None
            if fitted is not None and _readable(ctx, item.field, text, fitted):
                entries.append(_Entry(item, fitted.height, fitted=fitted))
        elif isinstance(item, RuleItem):
            entries.append(_Entry(item, item.height))
        elif ctx.brand.logo is not None:
            logo = load_logo(ctx.brand.logo, (width, item.height))
            entries.append(_Entry(item, logo.height, logo=logo))
    if not any(e.fitted for e in entries):
        return
    gaps = [0] + [layer.gap if e.item.gap is None else e.item.gap for e in entries[1:]]
    total = sum(e.height for e in entries) + sum(gaps)
    y = y0 if layer.valign == "top" else y1 - total if layer.valign == "bottom" else y0 + (y1 - y0 - total) // 2
    for entry, gap in zip(entries, gaps, strict=True):
        y += gap
        entry.y = y
        y += entry.height

    texts = [e for e in entries if e.fitted is not None]
    boxes = [ink_box(e.fitted, x0, e.y, width, layer.align) for e in texts if e.fitted is not None]
    colors = _choose_colors(ctx, layer, texts, boxes)

    for entry in entries:
        if isinstance(entry.item, RuleItem):
            rx = _aligned_x(x0, width, entry.item.width, layer.align)
            ctx.draw.rectangle(
                (rx, entry.y, rx + entry.item.width - 1, entry.y + entry.item.height - 1),
                fill=ctx.color(entry.item.color),
            )
        elif entry.logo is not None:
            ctx.paste_logo(entry.logo, (x0, entry.y, x1, entry.y + entry.height), layer.align)
    for entry, (color, measured) in zip(texts, colors, strict=True):
        assert entry.fitted is not None and isinstance(entry.item, TextItem)
        if ctx.paint_text:
            drawn = draw_text(ctx.canvas, entry.fitted, x0, entry.y, width, layer.align, color)
        else:
            drawn = ink_box(entry.fitted, x0, entry.y, width, layer.align)
        ctx.texts.append(_placed(entry.item.field, layer.box, drawn, color, entry.fitted, measured))


def _readable(ctx: Canvas, name: str, text: str, fitted: FittedText) -> bool:
    ok, note = legibility_note(name, text, fitted)
    if note:
        ctx.notes.append(note)
    return ok


def _aligned_x(x0: int, width: int, w: int, align: str) -> int:
    return x0 + (width - w) // 2 if align == "center" else x0 + width - w if align == "right" else x0


def _padded(box: Box) -> Box:
    return box[0] - _SAMPLE_PAD, box[1] - _SAMPLE_PAD, box[2] + _SAMPLE_PAD, box[3] + _SAMPLE_PAD


def _choose_colors(ctx: Canvas, layer: StackLayer, texts: list[_Entry], boxes: list[Box]) -> list[tuple[RGB, float]]:
    """One colour per text, each reaching TARGET_CONTRAST on the pixels under it: the template's
    colours when they read; on a photo, a scrim under them; else the nearest shade of the same hue
    that reads, then the headline's colour, then the brand's light or dark text colour."""
    items = [e.item for e in texts if isinstance(e.item, TextItem)]
    preferred = [ctx.color(it.color) for it in items]
    samples = [sample_pixels(ctx.canvas, _padded(b)) for b in boxes]
    checks = [worst_contrast(c, px) for c, px in zip(preferred, samples, strict=True)]
    if all(c >= TARGET_CONTRAST for c in checks):
        return list(zip(preferred, checks, strict=True))
    if layer.scrim == "auto" and any(sm is not None and sm.is_busy() for sm in samples):
        laid = _lay_scrim(ctx, preferred, samples, boxes)
        if laid is not None and all(laid[2] <= _padded(b)[1] and _padded(b)[3] <= laid[3] for b in boxes):
            # Every text sits on the scrim's even part: what is under it now is known without
            # reading the canvas again.
            samples = [sm.blend(laid[0], laid[1]) if sm is not None else None for sm in samples]
        elif laid is not None:
            samples = [sample_pixels(ctx.canvas, _padded(b)) for b in boxes]
    lead = max(range(len(items)), key=lambda i: items[i].size[1])
    out: list[tuple[RGB, float]] = []
    for color, px in zip(preferred, samples, strict=True):
        under = px.average() if px is not None else ctx.palette.bg
        toward = ctx.brand.ink if luminance(under) > 0.18 else ctx.brand.paper
        shades = [mix(color, toward, t) for t in (0.3, 0.5, 0.7)]
        candidates = [color, *shades, preferred[lead], *ctx.brand.readable_on(under)]
        out.append(best_text_color(candidates, px, TARGET_CONTRAST))
    return out


def _lay_scrim(
    ctx: Canvas, colors: list[RGB], samples: list[Sample | None], boxes: list[Box]
) -> tuple[RGB, float, int, int] | None:
    """Darken (or lighten) the photo under the text; (colour, opacity, top, bottom of its even part)."""
    light_text = luminance(colors[0]) > 0.4
    if light_text:
        # A deep palette colour tints the scrim with the brand; otherwise a near-black ink.
        band = ctx.palette.band
        shade = mix(band, BLACK, 0.35) if luminance(band) < 0.08 else mix(ctx.brand.ink, BLACK, 0.6)
    else:
        shade = ctx.brand.paper
    present = [px for px in samples if px is not None]
    if not present:
        return None
    union = Sample.stack(present)
    needed = 0.0
    for color in dict.fromkeys(colors):
        alpha = scrim_alpha(color, shade, union, TARGET_CONTRAST + 0.2)
        needed = max(needed, 1.0 if alpha is None else alpha)
    if needed <= 0:
        return None
    # Contrast alone is not legibility: over a busy photo, darken until the texture is quiet.
    while needed < 0.85 and union.blend(shade, needed).spread() > 14:
        needed = min(0.85, needed + 0.1)
    text_top, text_bottom = min(b[1] for b in boxes), max(b[3] for b in boxes)
    top = max(0, text_top - 40)
    bottom = min(CANVAS_H, text_bottom + 40)
    fade_top = max(0, top - 220)
    if CANVAS_H - bottom < 260:
        # Text near the foot of the pin: the scrim runs to the edge instead of fading.
        fade_bottom = bottom = CANVAS_H
    else:
        fade_bottom = min(CANVAS_H, bottom + 160)
    if top < 260:
        fade_top = top = 0  # text near the head of the pin: the same, upwards
    # The scrim never reaches over the product: it stops at the product's edge.
    for _, sy0, _, sy1 in ctx.subjects:
        if sy1 <= text_top:
            fade_top, top = max(fade_top, sy1), max(top, sy1)
        elif sy0 >= text_bottom:
            fade_bottom, bottom = min(fade_bottom, sy0), min(bottom, sy0)
    if fade_bottom - fade_top < 2:
        return None
    ctx.scrims.append((0, fade_top, CANVAS_W, fade_bottom))
    mask = vertical_fade((CANVAS_W, fade_bottom - fade_top), (top - fade_top, bottom - fade_top), min(1.0, needed))
    ctx.canvas.paste(shade, (0, fade_top, CANVAS_W, fade_bottom), mask)
    return shade, round(255 * min(1.0, needed)) / 255, top, bottom


def paint_pill(ctx: Canvas, layer: PillLayer) -> None:
    text = ctx.field(layer.field)
    if not text:
        return
    padx, pady = layer.pad
    style = TextStyle(
        font=_font_for(ctx, layer.font, text),
        min_size=layer.size[0],
        max_size=layer.size[1],
        max_lines=1,
        uppercase=layer.uppercase,
        tracking=layer.tracking,
        balance=False,
    )
    fitted = fit_text(text, style, layer.max_width - 2 * padx, layer.size[1] * 2)
    if fitted is None or not _readable(ctx, layer.field, text, fitted):
        return
    cap = -int(fitted.font.getbbox("H", anchor="ls")[1])
    w = fitted.widths[0] + 2 * padx
    h = cap + 2 * pady
    ax, ay = layer.anchor
    px0 = ax if layer.align == "left" else ax - w // 2 if layer.align == "center" else ax - w
    py0 = ay if layer.valign == "top" else ay - h // 2 if layer.valign == "center" else ay - h
    fill = ctx.color(layer.fill)
    ctx.canvas.paste(fill, (px0, py0, px0 + w, py0 + h), rounded_mask((w, h), h // 2))
    baseline = py0 + pady + cap
    top = baseline - fitted.top
    box = ink_box(fitted, px0 + padx, top, w - 2 * padx, "left")
    px = sample_pixels(ctx.canvas, box)
    color, measured = best_text_color([ctx.color(layer.color), *ctx.brand.readable_on(fill)], px, TARGET_CONTRAST)
    drawn = draw_text(ctx.canvas, fitted, px0 + padx, top, w - 2 * padx, "left", color) if ctx.paint_text else box
    ctx.texts.append(_placed(layer.field, layer.max_box(), drawn, color, fitted, measured))


def _placed(name: str, region: Box, drawn: Box, color: RGB, fitted: FittedText, measured: float) -> TextPlacement:
    base = text_placement(name, region, drawn, color, fitted, measured)
    return replace(base, x_height=letter_height(fitted.font, fitted.lines))
