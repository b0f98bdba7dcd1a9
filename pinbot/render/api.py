"""The renderer's entry points: request in, image bytes out (no database, no network)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pinbot.render.brand import load_brand
from pinbot.render.compose import compose
from pinbot.render.encode import encode
from pinbot.render.loading import PhotoSource, read_photo
from pinbot.render.template_file import load_template
from pinbot.render.types import RenderedImage, RenderRequest
from pinbot.render.variants import resolve_variant


def render_pin(req: RenderRequest, assets_dir: Path) -> RenderedImage:
    """Render one pin. Bad photos raise ImageError naming the file; a bad template or brand kit
    raises InvalidInput/NotFound naming the file and field."""
    sources = tuple(read_photo(p) for p in req.photos)
    return render_sources(req, assets_dir, sources)


def render_sources(
    req: RenderRequest, assets_dir: Path, sources: tuple[PhotoSource, ...], *, paint_text: bool = True
) -> RenderedImage:
    brand = load_brand(assets_dir)
    tpl = load_template(assets_dir, req.template)
    variant = resolve_variant(req, tpl)
    palette = brand.palette(variant.palette)
    comp = compose(tpl, brand, palette, req, sources, variant.crop, paint_text=paint_text)
    image = encode(comp.image, sharp=not comp.has_photo, texts=tuple(comp.texts), variant=variant.id)
    return replace(image, photos=tuple(comp.photos), scrims=tuple(comp.scrims), notes=tuple(comp.notes))
