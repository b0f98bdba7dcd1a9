"""The canvas a template is painted on, and what every painter (photos, blocks, text) shares:
the request's fields, the brand kit and palette, and what has been placed so far."""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from pinbot.render.brand import BrandKit, Palette
from pinbot.render.headline import headline_from
from pinbot.render.templates import Color
from pinbot.render.types import RGB, Box, RenderRequest, TextPlacement


@dataclass
class Canvas:
    """The canvas being painted, with the request, brand and palette every painter reads."""

    req: RenderRequest
    brand: BrandKit
    palette: Palette
    crop: str
    canvas: Image.Image
    draw: ImageDraw.ImageDraw
    texts: list[TextPlacement]
    paint_text: bool = True
    subjects: list[Box] = field(default_factory=list)
    scrims: list[Box] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def color(self, c: Color) -> RGB:
        return c.fixed if c.fixed is not None else self.palette.role(c.role)

    def field(self, name: str) -> str:
        r = self.req
        values = {
            "title": r.headline.strip() or headline_from(r.title),
            "subtitle": r.subtitle,
            "price": r.price,
            "badge": r.badge,
            "site_name": r.site_name,
            "shop_name": self.brand.shop_name,
            "eyebrow": r.site_name or self.brand.shop_name,
        }
        return values[name].strip()

    def paste_logo(self, logo: Image.Image, box: Box, align: str) -> None:
        x0, y0, x1, y1 = box
        if align == "center":
            x = x0 + (x1 - x0 - logo.width) // 2
        elif align == "right":
            x = x1 - logo.width
        else:
            x = x0
        y = y0 + (y1 - y0 - logo.height) // 2
        self.canvas.paste(logo, (x, y), logo)
