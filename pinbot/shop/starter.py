"""A new owner's shop folder, as `pinbot init` writes it: the shop's own boards, brand kit and rules.

Owns turning what the owner said (shop name, website, colours, logo, board names or the account's
existing boards) into files: `boards/KEY.toml`, `assets/brand.toml` (+ logo, bundled fonts and
templates) and `pinbot.toml`. Nothing of the demo's sample shop is ever written here. A file that
exists is kept (the owner may have edited it) and reported as kept, so `init` is safe to run again.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pinbot.errors import ImageError, InvalidInput
from pinbot.render.color import parse_color

COLOR_ROLES = ("primary", "accent", "ink", "paper")
# Neutral colours an owner gets when they name none (the same as the renderer's defaults).
DEFAULT_COLORS = {"primary": "#3D4A55", "accent": "#B0805A", "ink": "#1E1E1E", "paper": "#F5F3EF"}
LOGO_EXTS = (".png", ".webp", ".jpg", ".jpeg")
LOGO_MIN_SIDE = 300  # pixels; the README's advice
_LOGO_LINE = re.compile(r"^\s*#?\s*logo\s*=.*$", re.MULTILINE)
PRIVACIES = ("PUBLIC", "PROTECTED", "SECRET")
_KEY_RE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class BoardSeed:
    """One board the new shop starts with."""

    key: str
    name: str
    description: str = ""
    privacy: str = "PUBLIC"


@dataclass(frozen=True)
class ShopSetup:
    shop_name: str
    website: str = ""
    colors: dict[str, str] = field(default_factory=dict)  # role -> "#RRGGBB"; missing roles: neutral
    logo: Path | None = None
    boards: tuple[BoardSeed, ...] = ()


@dataclass
class Written:
    """What `write_shop` did, file by file (paths relative to the shop folder when inside it)."""

    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    updated: list[tuple[Path, str]] = field(default_factory=list)  # (file, what changed in it)


def board_key(name: str) -> str:
    """A board key (the file name) from a board name: "Mugs & Bowls" -> "mugs-bowls"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    key = _KEY_RE.sub("-", ascii_name.lower()).strip("-")[:60].strip("-")
    return key or "board"


def seeds_from_names(names: Iterable[str]) -> tuple[BoardSeed, ...]:
    """Boards from the names an owner typed (comma-separated or one per option), keys made unique."""
    seeds: list[BoardSeed] = []
    taken: set[str] = set()
    for raw in names:
        for name in (part.strip() for part in raw.split(",")):
            if not name:
                continue
            if len(name) > 50:
                raise InvalidInput("--board", f"{name[:30]!r}…: a board name has at most 50 characters")
            key = board_key(name)
            unique, n = key, 2
            while unique in taken:
                unique, n = f"{key}-{n}", n + 1
            taken.add(unique)
            seeds.append(BoardSeed(unique, name))
    return tuple(seeds)


def seeds_from_account(boards: Sequence[dict[str, object]]) -> tuple[BoardSeed, ...]:
    """Boards from `GET /boards` items: name, description and privacy as the account has them."""
    taken: set[str] = set()
    out: list[BoardSeed] = []
    for item in boards:
        name = str(item.get("name") or "").strip()
        if not name:
            continue
        key = board_key(name)
        unique, n = key, 2
        while unique in taken:
            unique, n = f"{key}-{n}", n + 1
        taken.add(unique)
        privacy = str(item.get("privacy") or "PUBLIC").upper()
        out.append(BoardSeed(unique, name, str(item.get("description") or ""), privacy))
    return tuple(out)


def parse_colors(text: str) -> dict[str, str]:
    """`--colors "#2E4A3F,#C4673F"` (primary, accent[, ink, paper]) or `primary=#..,accent=#..`."""
    out: dict[str, str] = {}
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) > len(COLOR_ROLES):
        raise InvalidInput("--colors", f"at most {len(COLOR_ROLES)} colours: {', '.join(COLOR_ROLES)}")
    for i, part in enumerate(parts):
        role, _, value = part.rpartition("=")
        role = role.strip().lower() or COLOR_ROLES[i]
        if role not in COLOR_ROLES:
            raise InvalidInput("--colors", f"unknown colour role {role!r} (use {', '.join(COLOR_ROLES)})")
        value = value.strip()
        try:
            rgb = parse_color(value, f"colors.{role}")
        except ValueError:
            raise InvalidInput("--colors", f"{value!r} is not a colour; use #RRGGBB such as #2E4A3F") from None
        out[role] = "#{:02X}{:02X}{:02X}".format(*rgb)
    return out


def check_website(url: str) -> str:
    url = url.strip()
    if url and not url.startswith(("http://", "https://")):
        if "." in url and " " not in url:
            return "https://" + url
        raise InvalidInput("--website", f"expected your shop's address like https://shop.example.com, got {url!r}")
    return url


def check_logo(path: Path) -> Path:
    if not path.is_file():
        raise InvalidInput("--logo", f"no such file: {path}")
    if path.suffix.lower() not in LOGO_EXTS:
        raise InvalidInput("--logo", f"{path.name}: use a PNG, WebP or JPEG file (a square PNG looks best)")
    # Decoded now, as every pin will decode it: a damaged logo taken here would fail every pin later.
    from pinbot.render.loading import load_logo

    try:
        load_logo(path, (LOGO_MIN_SIDE, LOGO_MIN_SIDE))
    except ImageError as exc:
        raise InvalidInput("--logo", f"{path.name}: {exc.reason}") from None
    return path


def logo_note(path: Path) -> str:
    """A line of advice when the logo will look poor on pins (small, or far from square); "" when fine."""
    from pinbot.render.loading import photo_size

    size = photo_size(path)
    if size is None:
        return ""
    w, h = size
    if min(w, h) >= LOGO_MIN_SIDE and max(w, h) <= 1.25 * min(w, h):
        return ""
    return (
        f"your logo {path.name} is {w}x{h} px: pins show it small and soft; a square PNG of at least "
        f"{LOGO_MIN_SIDE}x{LOGO_MIN_SIDE} px looks best (`pinbot init --logo FILE --yes` swaps it)"
    )


def board_toml(seed: BoardSeed) -> str:
    lines = [
        f"# Board {seed.key!r} (`pinbot queue add --board {seed.key}`). Edit freely; `pinbot boards list` checks it.",
        f"name = {_q(seed.name)}",
        f"description = {_q(seed.description)}",
        f"privacy = {_q(seed.privacy if seed.privacy in PRIVACIES else 'PUBLIC')}",
        'keywords = []                   # words your customers search for, e.g. ["handmade mug"]',
        "# The design of its pins: split-block, photo-band, photo-overlay, text-forward or collage",
        "# (`pinbot render --sheet --product KEY` draws every one for one of your products).",
        'default_template = "split-block"',
        "",
        "[link]",
        f"utm_campaign = {_q(seed.key)}",
        "",
    ]
    return "\n".join(lines)


def brand_toml(setup: ShopSetup, logo_name: str | None) -> str:
    colors = {**DEFAULT_COLORS, **setup.colors}
    logo = f"logo = {_q(logo_name)}" if logo_name else '# logo = "logo.png"   # a square PNG in assets/'
    lines = [
        "# Your brand kit: every pin pinbot draws takes its name, colours, fonts and logo from here.",
        "# Colours are #RRGGBB; text colours are checked for contrast and switched automatically.",
        f"shop_name = {_q(setup.shop_name)}",
        logo,
        "",
        "[colors]",
        f'primary = "{colors["primary"]}"   # bands and blocks',
        f'accent = "{colors["accent"]}"    # badges, prices, rules',
        f'ink = "{colors["ink"]}"       # dark text',
        f'paper = "{colors["paper"]}"     # light background and light text',
        "",
        "[fonts]",
        "# The bundled fonts (Vollkorn for headings, Inter for text) unless you name files in assets/fonts/:",
        '# heading = "MyFont-Bold.ttf"',
        '# body = "MyFont-Regular.ttf"',
        '# body_bold = "MyFont-SemiBold.ttf"',
        "",
    ]
    return "\n".join(lines)


RULES_TOML = """\
# Posting rules. Every key is optional; these are the defaults (times in PINBOT_TIMEZONE).
[schedule]
# windows = ["08:00-11:00", "12:00-14:00", "19:00-22:30"]
# daily_cap = 15
# same_link_hours = 48
# board_interval_days = 7
"""


def write_shop(
    setup: ShopSetup,
    *,
    boards_dir: Path,
    assets_dir: Path,
    rules_file: Path,
    bundled_assets: Path,
) -> Written:
    """Write the shop's files; existing files are kept (reported in `kept`)."""
    if not setup.shop_name.strip():
        raise InvalidInput("--shop-name", "give your shop's name as customers know it")
    done = Written()
    boards_dir.mkdir(parents=True, exist_ok=True)
    for seed in setup.boards:
        _write_new(boards_dir / f"{seed.key}.toml", board_toml(seed), done)
    assets_dir.mkdir(parents=True, exist_ok=True)
    for folder in ("templates", "fonts"):
        source, target = bundled_assets / folder, assets_dir / folder
        if source.is_dir() and source.resolve() != target.resolve():
            shutil.copytree(source, target, dirs_exist_ok=True)
    logo_name = None
    if setup.logo is not None:
        logo_name = "logo" + setup.logo.suffix.lower()
        target = assets_dir / logo_name
        if setup.logo.resolve() != target.resolve():
            shutil.copyfile(setup.logo, target)
        done.created.append(target)
    brand = assets_dir / "brand.toml"
    _write_new(brand, brand_toml(setup, logo_name), done)
    if logo_name is not None and brand in done.kept and _set_logo(brand, logo_name):
        # The owner asked for this logo: a kept brand.toml naming the old one would leave it unused.
        done.kept.remove(brand)
        done.updated.append((brand, f"logo = {_q(logo_name)}"))
    _write_new(rules_file, RULES_TOML, done)
    return done


def _write_new(path: Path, text: str, done: Written) -> None:
    if path.exists():
        done.kept.append(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    done.created.append(path)


def _set_logo(brand: Path, logo_name: str) -> bool:
    """Point brand.toml's `logo` at `logo_name`, its other lines as the owner left them. The key is
    top-level: only lines before the first [table] are looked at. False when it already did."""
    text = brand.read_text(encoding="utf-8")
    table = re.search(r"^\s*\[", text, re.MULTILINE)
    head, tail = (text[: table.start()], text[table.start() :]) if table else (text, "")
    line = f"logo = {_q(logo_name)}"
    # The owner's own `logo =` line before the commented example: turning the example into a second
    # `logo` key would leave a brand.toml that does not read.
    lines = list(_LOGO_LINE.finditer(head))
    found = next((m for m in lines if not m.group().lstrip().startswith("#")), lines[0] if lines else None)
    if found and found.group().strip() == line:
        return False
    if found:
        head = head[: found.start()] + line + head[found.end() :]
    else:
        head = head.rstrip("\n") + ("\n" if head.strip() else "") + line + "\n\n"
    brand.write_text(head + tail, encoding="utf-8")
    return True


def _q(value: str) -> str:
    """A TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'
