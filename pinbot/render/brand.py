"""The brand kit: shop name, colours, fonts and logo, read from `assets/brand.toml`, and the
palettes (colour roles) that templates paint with.

Fonts and the logo are picked up from the assets folder when brand.toml does not name them:
`fonts/heading.ttf|otf`, `fonts/body.*`, `fonts/body-bold.*` and `logo.png|webp|jpg` win over the
bundled defaults, so a shop owner can drop files in without editing anything.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import ImageFont

from pinbot.errors import InvalidInput
from pinbot.render.color import contrast, luminance, mix, parse_color
from pinbot.render.types import RGB

BUNDLED_ASSETS = Path(__file__).resolve().parent.parent.parent / "assets"
DEFAULT_FONTS = {
    "heading": "Vollkorn-SemiBold.ttf",
    "body": "Inter-Regular.otf",
    "body_bold": "Inter-SemiBold.otf",
}
_DROP_IN_FONTS = {"heading": "heading", "body": "body", "body_bold": "body-bold"}
_FONT_EXTS = (".ttf", ".otf", ".ttc")
_LOGO_NAMES = ("logo.png", "logo.webp", "logo.jpg", "logo.jpeg")
# Neutral colours for a shop without a brand.toml (slate and sand): no shop's identity.
DEFAULT_COLORS = {"primary": "#3D4A55", "accent": "#B0805A", "ink": "#1E1E1E", "paper": "#F5F3EF"}
PALETTES = ("brand", "accent", "light", "dark")
WHITE: RGB = (255, 255, 255)
BLACK: RGB = (0, 0, 0)


@dataclass(frozen=True)
class Palette:
    """Colour roles a template refers to: bg/fg (page), band/on_band (solid areas), pop/on_pop
    (badges, prices, rules), tint (empty photo slots), muted (secondary text on the page)."""

    name: str
    bg: RGB
    fg: RGB
    band: RGB
    on_band: RGB
    pop: RGB
    on_pop: RGB
    tint: RGB
    muted: RGB

    def role(self, name: str) -> RGB:
        return getattr(self, name)  # type: ignore[no-any-return]


ROLES = ("bg", "fg", "band", "on_band", "pop", "on_pop", "tint", "muted")


@dataclass(frozen=True)
class BrandKit:
    shop_name: str
    primary: RGB
    accent: RGB
    ink: RGB
    paper: RGB
    heading_font: Path
    body_font: Path
    body_bold_font: Path
    logo: Path | None
    files: tuple[Path, ...]  # every file the kit was built from (for cache keys)

    def font(self, role: str) -> Path:
        return {"heading": self.heading_font, "body": self.body_font, "body_bold": self.body_bold_font}[role]

    def palette(self, name: str) -> Palette:
        p, a, ink, paper = self.primary, self.accent, self.ink, self.paper
        if name == "brand":
            return _palette(name, bg=paper, fg=ink, band=p, pop=a, tint=mix(p, paper, 0.8))
        if name == "accent":
            return _palette(name, bg=paper, fg=ink, band=a, pop=p, tint=mix(a, paper, 0.8))
        if name == "light":
            return _palette(name, bg=mix(p, paper, 0.88), fg=ink, band=paper, pop=a, tint=mix(p, paper, 0.7))
        if name == "dark":
            return _palette(name, bg=ink, fg=paper, band=ink, pop=a, tint=mix(ink, paper, 0.25))
        raise InvalidInput("palette", f"unknown palette {name!r} (choose one of {', '.join(PALETTES)})")

    def readable_on(self, background: RGB) -> list[RGB]:
        """Text colours to try on `background`, best-looking first."""
        light, dark = (self.paper, self.ink)
        first = light if contrast(light, background) >= contrast(dark, background) else dark
        second = dark if first == light else light
        return [first, second, WHITE, BLACK]


def _palette(name: str, *, bg: RGB, fg: RGB, band: RGB, pop: RGB, tint: RGB) -> Palette:
    def on(c: RGB) -> RGB:
        return WHITE if contrast(WHITE, c) >= contrast(BLACK, c) else BLACK

    light = bg if luminance(bg) >= luminance(fg) else fg
    dark = fg if light == bg else bg
    if contrast(light, pop) < 4.6 and contrast(dark, pop) < 4.6 and luminance(pop) < 0.3:
        # A mid-tone accent (terracotta, teal) takes neither light nor dark text well: deepen it
        # just enough for light text, keeping its hue, as a designer would for a price tag.
        for t in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6):
            deeper = mix(pop, BLACK, t)
            if contrast(light, deeper) >= 4.6:
                pop = deeper
                break
    on_band = fg if contrast(fg, band) >= 4.5 else bg if contrast(bg, band) >= 4.5 else on(band)
    on_pop = light if contrast(light, pop) >= 4.5 else dark if contrast(dark, pop) >= 4.5 else on(pop)
    return Palette(name, bg, fg, band, on_band, pop, on_pop, tint, mix(fg, bg, 0.25))


def load_brand(assets_dir: Path) -> BrandKit:
    """Read `assets_dir/brand.toml` (optional: defaults apply) and resolve fonts and logo.

    Cached while brand.toml and the folders' listings are unchanged (a dropped-in font or logo
    changes a folder's mtime), so a daemon re-reads the kit only when the owner edits it."""
    return _load_brand(assets_dir, _stamp(assets_dir / "brand.toml"), _stamp(assets_dir), _stamp(assets_dir / "fonts"))


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (0, 0)
    return st.st_mtime_ns, st.st_size


@lru_cache(maxsize=16)
def _load_brand(assets_dir: Path, *_stamps: tuple[int, int]) -> BrandKit:
    path = assets_dir / "brand.toml"
    data: dict[str, Any] = {}
    source = str(path)
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput("brand.toml", f"not valid TOML ({exc})", source=source) from None
    colors_raw = data.get("colors", {})
    if not isinstance(colors_raw, dict):
        raise InvalidInput("colors", "expected a table of colours", source=source)
    colors: dict[str, RGB] = {}
    for key, default in DEFAULT_COLORS.items():
        try:
            colors[key] = parse_color(colors_raw.get(key, default), f"colors.{key}")
        except ValueError as exc:
            raise InvalidInput(f"colors.{key}", str(exc).split(": ", 1)[-1], source=source) from None
    fonts_raw = data.get("fonts", {})
    if not isinstance(fonts_raw, dict):
        raise InvalidInput("fonts", "expected a table of font files", source=source)
    fonts = {role: _resolve_font(assets_dir, role, fonts_raw.get(role), source) for role in DEFAULT_FONTS}
    logo = _resolve_logo(assets_dir, data.get("logo"), source)
    shop_name = data.get("shop_name", "")
    if not isinstance(shop_name, str):
        raise InvalidInput("shop_name", "expected a string", source=source)
    files = tuple(p for p in (path if path.is_file() else None, *fonts.values(), logo) if p is not None)
    return BrandKit(
        shop_name=shop_name.strip(),
        primary=colors["primary"],
        accent=colors["accent"],
        ink=colors["ink"],
        paper=colors["paper"],
        heading_font=fonts["heading"],
        body_font=fonts["body"],
        body_bold_font=fonts["body_bold"],
        logo=logo,
        files=files,
    )


def _resolve_font(assets_dir: Path, role: str, named: object, source: str) -> Path:
    if named:
        if not isinstance(named, str):
            raise InvalidInput(f"fonts.{role}", "expected a file name", source=source)
        for candidate in (assets_dir / named, assets_dir / "fonts" / named):
            if candidate.is_file():
                return _check_font(candidate, f"fonts.{role}", source)
        raise InvalidInput(f"fonts.{role}", f"font file {named!r} not found in {assets_dir}", source=source)
    stem = _DROP_IN_FONTS[role]
    for folder in (assets_dir / "fonts", assets_dir):
        for ext in _FONT_EXTS:
            candidate = folder / f"{stem}{ext}"
            if candidate.is_file():
                return _check_font(candidate, f"fonts/{stem}{ext}", source)
    for folder in (assets_dir / "fonts", BUNDLED_ASSETS / "fonts"):
        candidate = folder / DEFAULT_FONTS[role]
        if candidate.is_file():
            return candidate
    raise InvalidInput(
        f"fonts.{role}", f"no font found (expected {DEFAULT_FONTS[role]} in assets/fonts)", source=source
    )


def _check_font(path: Path, field: str, source: str) -> Path:
    stat = path.stat()
    problem = _font_problem(str(path), stat.st_mtime_ns, stat.st_size)
    if problem:
        raise InvalidInput(field, f"{path.name} is not a usable font ({problem})", source=source)
    return path


@lru_cache(maxsize=64)
def _font_problem(path: str, _mtime_ns: int, _size: int) -> str:
    try:
        ImageFont.truetype(path, 12)
    except OSError as exc:
        return str(exc) or type(exc).__name__
    return ""


def _resolve_logo(assets_dir: Path, named: object, source: str) -> Path | None:
    if named is not None and named != "":
        if not isinstance(named, str):
            raise InvalidInput("logo", "expected a file name", source=source)
        if named.lower() == "none":
            return None
        candidate = assets_dir / named
        if not candidate.is_file():
            raise InvalidInput("logo", f"logo file {named!r} not found in {assets_dir}", source=source)
        return candidate
    for name in _LOGO_NAMES:
        candidate = assets_dir / name
        if candidate.is_file():
            return candidate
    return None
