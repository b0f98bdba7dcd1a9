"""The value types of the renderer's public API: what a caller asks for and what it gets back.

Kept free of Pillow so that callers (CLI, poster, scheduler) can build requests without
importing image code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CANVAS_W = 1000
CANVAS_H = 1500
# Nothing important outside this box: 50 px margins, and the bottom strip (150 px) where Pinterest
# lays its own buttons and the link chip over the pin in the feed.
SAFE_AREA = (50, 50, 950, 1350)

Box = tuple[int, int, int, int]
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class RenderRequest:
    template: str
    title: str
    subtitle: str = ""
    headline: str = ""  # the short hook printed big; "" derives one from the title
    price: str = ""
    badge: str = ""
    site_name: str = ""
    photos: tuple[Path, ...] = ()
    variant: str | None = None


@dataclass(frozen=True)
class TextPlacement:
    """Where one text ended up; lets tests and the contact sheet check fit, safe area and contrast."""

    field: str
    region: Box  # the box the template allotted to this text
    bbox: Box  # the ink box of what was drawn
    color: RGB
    size: int
    lines: tuple[str, ...]
    truncated: bool
    contrast: float  # measured on the pixels under the text just before it was drawn
    x_height: float = 0.0  # height of its smallest letters (x-height, or cap height for capitals)


@dataclass(frozen=True)
class PhotoPlacement:
    """Where a photo and its product ended up: lets the design check prove nothing covers or cuts it."""

    slot: Box  # the photo's box on the canvas
    window: tuple[float, float, float, float]  # the cut, in fractions of the photo (past 0..1: filled)
    subject: Box  # the product's box on the canvas
    photo_share: float  # share of the slot showing real photo pixels
    upscale: float  # how much the photo's full-resolution pixels are enlarged (> 1.5 looks soft)
    arrangement: str = ""
    photo: int = 0  # which of the request's photos


@dataclass(frozen=True)
class RenderedImage:
    data: bytes = field(repr=False)
    content_type: str
    sha256: str
    extension: str  # "jpg" or "png", without the dot
    width: int = CANVAS_W
    height: int = CANVAS_H
    texts: tuple[TextPlacement, ...] = ()
    variant: str = ""  # the resolved variant id, e.g. "photo-band.brand.subject"
    photos: tuple[PhotoPlacement, ...] = ()
    scrims: tuple[Box, ...] = ()  # areas darkened or lightened under text
    notes: tuple[str, ...] = ()  # what the owner should know: text left out or shortened


@dataclass(frozen=True)
class Variant:
    """One design of a product: template × palette × crop. `id` is stable: "template.palette.crop"."""

    template: str
    palette: str
    crop: str

    @property
    def id(self) -> str:
        return f"{self.template}.{self.palette}.{self.crop}"
