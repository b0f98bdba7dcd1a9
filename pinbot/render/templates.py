"""Pin templates: files in `assets/templates/NAME.toml` describing layers on a 1000x1500 canvas
(photos, colour blocks, text stacks, pills, logo) in palette colour roles and brand font roles.

Owns what a template is (its layers and their geometry); reading and validating the files is
`render.template_file`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from pinbot.render.types import RGB, Box

FIELDS = ("title", "subtitle", "price", "badge", "site_name", "shop_name", "eyebrow")
FONT_ROLES = ("heading", "body", "body_bold")
ALIGNS = ("left", "center", "right")
VALIGNS = ("top", "center", "bottom")


@dataclass(frozen=True)
class Color:
    """A palette role ("band") or a fixed colour ("#FFFFFF")."""

    role: str = ""
    fixed: RGB | None = None


@dataclass(frozen=True)
class Layer:
    min_photos: int
    max_photos: int

    def active(self, photos: int) -> bool:
        return self.min_photos <= photos <= self.max_photos


@dataclass(frozen=True)
class PhotoLayer(Layer):
    photo: int  # index into the request's photos; wraps around when there are fewer
    box: Box
    focus: Box  # where the product must land: the part of the box no text, pill or logo covers
    radius: int
    zoom: float
    max_zoom: float = 0.0  # the most the fill crop may enlarge the photo beyond showing it whole


@dataclass(frozen=True)
class BlockLayer(Layer):
    box: Box
    fill: Color
    radius: int
    opacity: float


@dataclass(frozen=True)
class TextItem:
    field: str
    font: str
    size: tuple[int, int]
    max_lines: int
    color: Color
    uppercase: bool
    tracking: float
    line_height: float
    gap: int | None
    max_height: int


@dataclass(frozen=True)
class RuleItem:
    width: int
    height: int
    color: Color
    gap: int | None


@dataclass(frozen=True)
class LogoItem:
    height: int
    gap: int | None


StackItem = TextItem | RuleItem | LogoItem


@dataclass(frozen=True)
class StackLayer(Layer):
    box: Box
    align: str
    valign: str
    gap: int
    scrim: str  # "auto": darken/lighten the photo under the text when it does not read; "none"
    items: tuple[StackItem, ...]


@dataclass(frozen=True)
class PillLayer(Layer):
    field: str
    anchor: tuple[int, int]
    align: str
    valign: str
    font: str
    size: tuple[int, int]
    max_width: int
    fill: Color
    color: Color
    pad: tuple[int, int]
    uppercase: bool
    tracking: float

    def max_box(self) -> Box:
        """The largest box the pill can take (checked against the safe area)."""
        w = self.max_width
        h = math.ceil(self.size[1] * 1.3) + 2 * self.pad[1]
        return _anchored(self.anchor, (w, h), self.align, self.valign)


@dataclass(frozen=True)
class LogoLayer(Layer):
    box: Box
    align: str


AnyLayer = PhotoLayer | BlockLayer | StackLayer | PillLayer | LogoLayer


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    path: Path
    sha256: str
    background: Color
    default_palette: str
    layers: tuple[AnyLayer, ...]
    # Alternative arrangements (e.g. headline at the bottom or at the top of the photo): a layer
    # tagged with one is used only in it; the composer takes the first that keeps the product free.
    arrangements: tuple[str, ...] = ("",)
    arranged: tuple[str, ...] = ()  # per layer: its arrangement, "" for every arrangement
    min_photos: int = 0  # fewer distinct photos than this: the template does not suit the product

    def photo_slots(self) -> int:
        return max((layer.photo + 1 for layer in self.layers if isinstance(layer, PhotoLayer)), default=0)

    def draws_without_photos(self) -> bool:
        """Whether a pin with no photo is one of its designs: it has no photo slot, or layers made
        for that case (`max_photos = 0`). Otherwise its photo area would be left empty."""
        return not self.photo_slots() or any(layer.max_photos == 0 for layer in self.layers)

    def layers_for(self, arrangement: str, photos: int) -> list[AnyLayer]:
        tags = self.arranged or ("",) * len(self.layers)
        return [
            layer
            for layer, tag in zip(self.layers, tags, strict=True)
            if layer.active(photos) and tag in ("", arrangement)
        ]


def text_over(layers: list[AnyLayer], photo: PhotoLayer) -> bool:
    """Whether a text stack among `layers` (one arrangement's) is set over the photo slot: such a
    layout must know where the product is to keep its headline off it."""
    px0, py0, px1, py1 = photo.box
    return any(
        isinstance(layer, StackLayer)
        and layer.box[0] < px1
        and px0 < layer.box[2]
        and layer.box[1] < py1
        and py0 < layer.box[3]
        for layer in layers
    )


def _anchored(anchor: tuple[int, int], size: tuple[int, int], align: str, valign: str) -> Box:
    ax, ay = anchor
    w, h = size
    x0 = ax if align == "left" else ax - w // 2 if align == "center" else ax - w
    y0 = ay if valign == "top" else ay - h // 2 if valign == "center" else ay - h
    return x0, y0, x0 + w, y0 + h
