"""Pin image renderer: brand-kit templates from product photos, with Pillow only.

Pure API (paths and bytes in, bytes out; no database, no network):
`load_brand`, `list_templates`, `RenderRequest`, `render_pin`, `render_to_cache`, `variants_for`,
`make_contact_sheet`. Bad images raise `pinbot.errors.ImageError(path, reason)`.

The names below are loaded on first use: a command that only checks photos (`pinbot queue
import` imports `pinbot.render.loading`, and with it this package) does not pay for the
compositor, the fonts and the brand kits (a tenth of a second of its start-up).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pinbot.render.api import render_pin, render_sources
    from pinbot.render.brand import PALETTES, BrandKit, load_brand
    from pinbot.render.cache import RENDERER_VERSION, cache_key, render_to_cache
    from pinbot.render.crop import CROPS
    from pinbot.render.loading import PhotoTooSmall, check_photo, read_photo
    from pinbot.render.sheet import make_contact_sheet
    from pinbot.render.template_file import list_templates, load_template
    from pinbot.render.types import (
        CANVAS_H,
        CANVAS_W,
        SAFE_AREA,
        RenderedImage,
        RenderRequest,
        TextPlacement,
        Variant,
    )
    from pinbot.render.variants import resolve_variant, variants_for

# name -> the module of this package that defines it
_HOMES = {
    "render_pin": "api",
    "render_sources": "api",
    "PALETTES": "brand",
    "BrandKit": "brand",
    "load_brand": "brand",
    "RENDERER_VERSION": "cache",
    "cache_key": "cache",
    "render_to_cache": "cache",
    "CROPS": "crop",
    "PhotoTooSmall": "loading",
    "check_photo": "loading",
    "read_photo": "loading",
    "make_contact_sheet": "sheet",
    "list_templates": "template_file",
    "load_template": "template_file",
    "CANVAS_H": "types",
    "CANVAS_W": "types",
    "SAFE_AREA": "types",
    "RenderedImage": "types",
    "RenderRequest": "types",
    "TextPlacement": "types",
    "Variant": "types",
    "resolve_variant": "variants",
    "variants_for": "variants",
}

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


def __getattr__(name: str) -> Any:
    """`pinbot.render.NAME`: its module imported on first use (PEP 562), then kept here."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
