"""Pin image renderer: brand-kit templates from product photos, with Pillow only.

Pure API (paths and bytes in, bytes out; no database, no network):
`load_brand`, `list_templates`, `RenderRequest`, `render_pin`, `render_to_cache`, `variants_for`,
`make_contact_sheet`. Bad images raise `pinbot.errors.ImageError(path, reason)`.
"""

from __future__ import annotations

from pinbot.render.api import render_pin, render_sources
from pinbot.render.brand import PALETTES, BrandKit, load_brand
from pinbot.render.cache import RENDERER_VERSION, cache_key, render_to_cache
from pinbot.render.crop import CROPS
from pinbot.render.loading import PhotoTooSmall, check_photo, read_photo
from pinbot.render.sheet import make_contact_sheet
from pinbot.render.template_file import list_templates, load_template
from pinbot.render.types import CANVAS_H, CANVAS_W, SAFE_AREA, RenderedImage, RenderRequest, TextPlacement, Variant
from pinbot.render.variants import resolve_variant, variants_for

__all__ = [
    "CANVAS_H",
    "CANVAS_W",
    "CROPS",
    "PALETTES",
    "RENDERER_VERSION",
    "SAFE_AREA",
    "BrandKit",
    "PhotoTooSmall",
    "RenderRequest",
    "RenderedImage",
    "TextPlacement",
    "Variant",
    "cache_key",
    "check_photo",
    "list_templates",
    "load_brand",
    "load_template",
    "make_contact_sheet",
    "read_photo",
    "render_pin",
    "render_sources",
    "render_to_cache",
    "resolve_variant",
    "variants_for",
]
