"""Reading pin templates from `assets/templates/NAME.toml`, with validation.

A template whose text could leave the safe area, or whose text stack cannot hold its items at their
largest size, is refused at load with a message naming the file and key, so that the fit guarantee
holds for any text at render time. Parsed templates are cached by file, mtime and size.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pinbot.errors import InvalidInput, NotFound
from pinbot.render.brand import PALETTES, ROLES
from pinbot.render.color import parse_color
from pinbot.render.templates import (
    ALIGNS,
    FIELDS,
    FONT_ROLES,
    VALIGNS,
    AnyLayer,
    BlockLayer,
    Color,
    LogoItem,
    LogoLayer,
    PhotoLayer,
    PillLayer,
    RuleItem,
    StackItem,
    StackLayer,
    Template,
    TextItem,
)
from pinbot.render.types import CANVAS_H, CANVAS_W, SAFE_AREA, Box


def list_templates(assets_dir: Path) -> list[str]:
    folder = assets_dir / "templates"
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.toml") if p.is_file() and not p.name.startswith("."))


def load_template(assets_dir: Path, name: str) -> Template:
    path = assets_dir / "templates" / f"{name}.toml"
    if not name or "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        known = ", ".join(list_templates(assets_dir)) or "none"
        raise NotFound(f"template {name!r} not found in {assets_dir / 'templates'} (available: {known})")
    st = path.stat()
    return _load_template(path, name, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=64)
def _load_template(path: Path, name: str, _mtime_ns: int, _size: int) -> Template:
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput("template", f"not valid TOML ({exc})", source=str(path)) from None
    return _Parser(path).template(name, data, hashlib.sha256(raw).hexdigest())


class _Parser:
    def __init__(self, path: Path) -> None:
        self.source = str(path)
        self.path = path

    def fail(self, field: str, reason: str) -> InvalidInput:
        return InvalidInput(field, reason, source=self.source)

    def template(self, name: str, data: dict[str, Any], sha: str) -> Template:
        layers_raw = data.get("layer", [])
        if not isinstance(layers_raw, list) or not layers_raw:
            raise self.fail("layer", "a template needs at least one [[layer]]")
        layers = tuple(self.layer(i, raw) for i, raw in enumerate(layers_raw))
        palette = self.choice(data, "default_palette", PALETTES, "brand", "default_palette")
        arrangements = data.get("arrangements", [""])
        if not (isinstance(arrangements, list) and arrangements and all(isinstance(a, str) for a in arrangements)):
            raise self.fail("arrangements", 'expected a list of names, e.g. ["bottom", "top"]')
        arranged = []
        for i, raw in enumerate(layers_raw):
            tag = raw.get("arrangement", "")
            if tag and tag not in arrangements:
                raise self.fail(f"layer[{i}].arrangement", f"{tag!r} is not one of {arrangements}")
            arranged.append(str(tag))
        return Template(
            name=name,
            description=str(data.get("description", "")),
            path=self.path,
            sha256=sha,
            background=self.color(data.get("background", "bg"), "background"),
            default_palette=palette,
            layers=layers,
            arrangements=tuple(arrangements),
            arranged=tuple(arranged),
            min_photos=self.integer(data, "min_photos", 0, "min_photos"),
        )

    def layer(self, i: int, raw: Any) -> AnyLayer:
        where = f"layer[{i}]"
        if not isinstance(raw, dict):
            raise self.fail(where, "expected a table")
        kind = raw.get("type")
        lo = self.integer(raw, "min_photos", 0, f"{where}.min_photos")
        hi = self.integer(raw, "max_photos", 99, f"{where}.max_photos")
        if kind == "photo":
            box = self.box(raw.get("box"), f"{where}.box", CANVAS)
            focus = self.box(raw.get("focus", list(box)), f"{where}.focus", box)
            return PhotoLayer(
                lo,
                hi,
                self.integer(raw, "photo", 0, f"{where}.photo"),
                box,
                focus,
                self.integer(raw, "radius", 0, f"{where}.radius"),
                float(raw.get("zoom", 1.0)),
                float(raw.get("max_zoom", 0.0)),
            )
        if kind == "block":
            opacity = float(raw.get("opacity", 1.0))
            if not 0 < opacity <= 1:
                raise self.fail(f"{where}.opacity", "expected a number in (0, 1]")
            return BlockLayer(
                lo,
                hi,
                self.box(raw.get("box"), f"{where}.box", CANVAS),
                self.color(raw.get("fill"), f"{where}.fill"),
                self.integer(raw, "radius", 0, f"{where}.radius"),
                opacity,
            )
        if kind == "stack":
            return self.stack(raw, where, lo, hi)
        if kind == "pill":
            pill = PillLayer(
                lo,
                hi,
                field=self.choice(raw, "field", FIELDS, None, f"{where}.field"),
                anchor=self.pair(raw.get("anchor"), f"{where}.anchor"),
                align=self.choice(raw, "align", ALIGNS, "left", f"{where}.align"),
                valign=self.choice(raw, "valign", VALIGNS, "top", f"{where}.valign"),
                font=self.choice(raw, "font", FONT_ROLES, "body_bold", f"{where}.font"),
                size=self.size(raw.get("size"), f"{where}.size"),
                max_width=self.integer(raw, "max_width", 400, f"{where}.max_width"),
                fill=self.color(raw.get("fill", "pop"), f"{where}.fill"),
                color=self.color(raw.get("color", "on_pop"), f"{where}.color"),
                pad=self.pair(raw.get("pad", [24, 12]), f"{where}.pad"),
                uppercase=bool(raw.get("uppercase", False)),
                tracking=float(raw.get("tracking", 0.0)),
            )
            self.inside_safe(pill.max_box(), where)
            return pill
        if kind == "logo":
            box = self.box(raw.get("box"), f"{where}.box", CANVAS)
            self.inside_safe(box, where)
            if box[0] >= CANVAS_W // 2 and box[1] >= CANVAS_H // 2:
                # Pinterest's own buttons sit there, and its creative guidance keeps logos away.
                raise self.fail(f"{where}.box", "a logo may not sit in the lower-right corner of the pin")
            return LogoLayer(lo, hi, box, self.choice(raw, "align", ALIGNS, "left", f"{where}.align"))
        raise self.fail(f"{where}.type", f"unknown layer type {kind!r} (photo, block, stack, pill, logo)")

    def stack(self, raw: dict[str, Any], where: str, lo: int, hi: int) -> StackLayer:
        box = self.box(raw.get("box"), f"{where}.box", CANVAS)
        self.inside_safe(box, where)
        gap = self.integer(raw, "gap", 20, f"{where}.gap")
        items_raw = raw.get("item", [])
        if not isinstance(items_raw, list) or not items_raw:
            raise self.fail(f"{where}.item", "a stack needs at least one [[layer.item]]")
        items: list[StackItem] = []
        for j, item in enumerate(items_raw):
            items.append(self.item(item, f"{where}.item[{j}]", box[2] - box[0]))
        need = sum(_item_height(it) for it in items) + sum(gap if it.gap is None else it.gap for it in items[1:])
        if need > box[3] - box[1]:
            raise self.fail(f"{where}.box", f"holds {box[3] - box[1]} px but its items need up to {need} px")
        scrim = self.choice(raw, "scrim", ("auto", "none"), "auto", f"{where}.scrim")
        return StackLayer(
            lo,
            hi,
            box,
            self.choice(raw, "align", ALIGNS, "left", f"{where}.align"),
            self.choice(raw, "valign", VALIGNS, "top", f"{where}.valign"),
            gap,
            scrim,
            tuple(items),
        )

    def item(self, raw: Any, where: str, width: int) -> StackItem:
        if not isinstance(raw, dict):
            raise self.fail(where, "expected a table")
        kind = raw.get("type", "text")
        gap = raw.get("gap")
        if gap is not None and (not isinstance(gap, int) or gap < 0):
            raise self.fail(f"{where}.gap", "expected a whole number >= 0")
        if kind == "rule":
            return RuleItem(
                min(width, self.integer(raw, "width", 80, f"{where}.width")),
                self.integer(raw, "height", 4, f"{where}.height"),
                self.color(raw.get("color", "pop"), f"{where}.color"),
                gap,
            )
        if kind == "logo":
            return LogoItem(self.integer(raw, "height", 80, f"{where}.height"), gap)
        if kind != "text":
            raise self.fail(f"{where}.type", f"unknown item type {kind!r} (text, rule, logo)")
        size = self.size(raw.get("size"), f"{where}.size")
        max_lines = self.integer(raw, "max_lines", 2, f"{where}.max_lines")
        line_height = float(raw.get("line_height", 1.15))
        if max_lines < 1 or not 0.8 <= line_height <= 2.0:
            raise self.fail(where, "max_lines must be >= 1 and line_height within 0.8..2.0")
        # Room for the largest size: accents above the cap height and a descender below.
        natural = math.ceil(size[1] * (1.3 + line_height * (max_lines - 1)))
        return TextItem(
            field=self.choice(raw, "field", FIELDS, None, f"{where}.field"),
            font=self.choice(raw, "font", FONT_ROLES, "body", f"{where}.font"),
            size=size,
            max_lines=max_lines,
            color=self.color(raw.get("color", "fg"), f"{where}.color"),
            uppercase=bool(raw.get("uppercase", False)),
            tracking=float(raw.get("tracking", 0.0)),
            line_height=line_height,
            gap=gap,
            max_height=self.integer(raw, "max_height", natural, f"{where}.max_height"),
        )

    # --- scalar helpers -----------------------------------------------------------------
    def integer(self, raw: dict[str, Any], key: str, default: int, where: str) -> int:
        value = raw.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(where, f"expected a whole number >= 0, got {value!r}")
        return value

    def choice(self, raw: dict[str, Any], key: str, options: tuple[str, ...], default: str | None, where: str) -> str:
        value = raw.get(key, default)
        if value not in options:
            raise self.fail(where, f"expected one of {', '.join(options)}, got {value!r}")
        return str(value)

    def color(self, value: Any, where: str) -> Color:
        if isinstance(value, str) and value in ROLES:
            return Color(role=value)
        try:
            return Color(fixed=parse_color(value, where))
        except ValueError:
            raise self.fail(where, f"expected a palette role ({', '.join(ROLES)}) or '#RRGGBB'") from None

    def pair(self, value: Any, where: str) -> tuple[int, int]:
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)):
            raise self.fail(where, "expected [x, y] in whole pixels")
        return value[0], value[1]

    def size(self, value: Any, where: str) -> tuple[int, int]:
        lo, hi = self.pair(value, where)
        if not 8 <= lo <= hi <= 400:
            raise self.fail(where, "expected [min, max] font sizes with 8 <= min <= max <= 400")
        return lo, hi

    def box(self, value: Any, where: str, within: Box) -> Box:
        ok = isinstance(value, list) and len(value) == 4 and all(isinstance(v, int) for v in value)
        if not ok or not (value[0] < value[2] and value[1] < value[3]):
            raise self.fail(where, "expected [x0, y0, x1, y1] in whole pixels with x0 < x1 and y0 < y1")
        if not _contains(within, tuple(value)):
            raise self.fail(where, f"{value} is outside {list(within)}")
        return value[0], value[1], value[2], value[3]

    def inside_safe(self, box: Box, where: str) -> None:
        if not _contains(SAFE_AREA, box):
            raise self.fail(where, f"{list(box)} leaves the safe area {list(SAFE_AREA)} (Pinterest covers the edges)")


CANVAS: Box = (0, 0, CANVAS_W, CANVAS_H)


def _contains(outer: Box | tuple[int, ...], inner: Box | tuple[int, ...]) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _item_height(item: StackItem) -> int:
    if isinstance(item, TextItem):
        return item.max_height
    return item.height
