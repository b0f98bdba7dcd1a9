"""Composition: one template, one brand palette and one request's photos and text painted onto
the 1000x1500 canvas. Photos, colour blocks and the logo are painted here; text and pills by
`render.stacks`, which checks every text's contrast on the pixels under it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from pinbot.render.brand import BrandKit, Palette
from pinbot.render.canvas import Canvas
from pinbot.render.crop import Cut
from pinbot.render.loading import PhotoSource, load_logo
from pinbot.render.photos import Photo, arrange, open_sources, pixels, placement
from pinbot.render.shapes import rounded_mask
from pinbot.render.stacks import paint_pill, paint_stack
from pinbot.render.templates import (
    BlockLayer,
    LogoLayer,
    PhotoLayer,
    PillLayer,
    StackLayer,
    Template,
)
from pinbot.render.types import CANVAS_H, CANVAS_W, Box, PhotoPlacement, RenderRequest, TextPlacement

log = logging.getLogger(__name__)


@dataclass
class Composition:
    image: Image.Image
    texts: list[TextPlacement]
    has_photo: bool
    photos: list[PhotoPlacement] = field(default_factory=list)
    scrims: list[Box] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def compose(
    tpl: Template,
    brand: BrandKit,
    palette: Palette,
    req: RenderRequest,
    sources: tuple[PhotoSource, ...],
    crop: str,
    *,
    paint_text: bool = True,
) -> Composition:
    """`paint_text=False` lays out and scrims everything but draws no glyphs: the pixels each
    text was measured against (tests use it to check contrast independently)."""
    n = len(sources)
    background = palette.role(tpl.background.role) if tpl.background.fixed is None else tpl.background.fixed
    photos = open_sources(tpl, sources, crop, background) if n else []
    sizes = [p.opened.image.size if p.opened else (p.info.width, p.info.height) for p in photos]
    arranged = arrange(tpl, [p.info for p in photos], sizes, crop)
    layers = arranged.layers
    placed: list[PhotoPlacement] = []
    for i, c in arranged.cuts.items():
        layer = layers[i]
        assert isinstance(layer, PhotoLayer)
        placed.append(placement(layer, c, photos[layer.photo % n].info, arranged.name))
    has_photo = bool(n and arranged.cuts)

    canvas: Image.Image | None = None
    first = layers[0] if layers else None
    if isinstance(first, PhotoLayer) and first.box == (0, 0, CANVAS_W, CANVAS_H) and not first.radius and n:
        # Full-bleed photo: the resized photo is the canvas (saves a 1000x1500 paste).
        canvas = _photo_pixels(photos[first.photo % n], arranged.cuts[0])
        layers = layers[1:]
        offset = 1
    else:
        offset = 0
    if canvas is None:
        canvas = Image.new("RGB", (CANVAS_W, CANVAS_H), background)
    ctx = Canvas(req, brand, palette, crop, canvas, ImageDraw.Draw(canvas), [], paint_text)
    ctx.subjects = [p.subject for p in placed]
    for j, layer in enumerate(layers):
        if isinstance(layer, PhotoLayer):
            slot_cut = arranged.cuts.get(j + offset)
            _paint_photo(ctx, layer, photos[layer.photo % n] if n and slot_cut else None, slot_cut)
        elif isinstance(layer, BlockLayer):
            _paint_block(ctx, layer)
        elif isinstance(layer, StackLayer):
            paint_stack(ctx, layer)
        elif isinstance(layer, PillLayer):
            paint_pill(ctx, layer)
        elif isinstance(layer, LogoLayer):
            _paint_logo(ctx, layer)
    return Composition(canvas, ctx.texts, has_photo, placed, ctx.scrims, ctx.notes)


# --- photos ----------------------------------------------------------------------------------


def _photo_pixels(photo: Photo, c: Cut) -> Image.Image:
    assert photo.opened is not None
    return pixels(photo.opened.image, photo.opened.icc, c)


def _paint_photo(ctx: Canvas, layer: PhotoLayer, photo: Photo | None, c: Cut | None) -> None:
    x0, y0, x1, y1 = layer.box
    size = (x1 - x0, y1 - y0)
    mask = rounded_mask(size, layer.radius) if layer.radius else None
    if photo is not None and c is not None:
        ctx.canvas.paste(_photo_pixels(photo, c), (x0, y0), mask)
        return
    # No photo for this slot (a blog post, a product without pictures): a brand tint with the
    # logo as a centred seal, so the design still looks intended.
    ctx.canvas.paste(ctx.palette.tint, layer.box, mask)
    if ctx.brand.logo is not None:
        side = int(min(size) * 0.34)
        logo = load_logo(ctx.brand.logo, (side, side))
        ctx.paste_logo(logo, layer.box, "center")


def _paint_block(ctx: Canvas, layer: BlockLayer) -> None:
    x0, y0, x1, y1 = layer.box
    if layer.radius or layer.opacity < 1:
        ctx.canvas.paste(
            ctx.color(layer.fill), layer.box, rounded_mask((x1 - x0, y1 - y0), layer.radius, layer.opacity)
        )
    else:
        ctx.draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=ctx.color(layer.fill))


def _paint_logo(ctx: Canvas, layer: LogoLayer) -> None:
    if ctx.brand.logo is None:
        return
    x0, y0, x1, y1 = layer.box
    logo = load_logo(ctx.brand.logo, (x1 - x0, y1 - y0))
    ctx.paste_logo(logo, layer.box, layer.align)
