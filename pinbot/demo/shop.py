"""The demo's sample craft shop: boards, products, posting rules, brand kit and product photos.

Owns the data of "Fern & Kiln Studio" (three boards, a dozen products: jewelry, ceramics and
craft tutorials) and writing them into the demo's folder; `demo.photos` draws their product photos.
Everything here is deterministic: the same call writes the same files.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from pinbot.demo.photos import draw_photo
from pinbot.errors import PinbotError

SHOP_NAME = "Fern & Kiln Studio"
SHOP = "https://shop.example.com/products/"
BLOG = "https://blog.example.com/"

BOARDS: dict[str, str] = {
    "handmade-jewelry": """\
name = "Handmade Jewelry"
description = "Hand-hammered silver and brass earrings, rings and necklaces, made to order in our studio."
keywords = ["handmade earrings", "silver jewelry", "minimalist rings", "gift for her"]
default_template = "photo-band"

[link]
utm_campaign = "jewelry"
""",
    "ceramics": """\
name = "Ceramic Mugs & Planters"
description = "Wheel-thrown stoneware mugs, bowls and planters glazed in small batches."
keywords = ["handmade mug", "stoneware", "ceramic planter", "pottery gifts"]
default_template = "split-block"

[link]
utm_campaign = "ceramics"
""",
    "diy-craft-tutorials": """\
name = "DIY Craft Tutorials"
description = "Step-by-step tutorials from our studio blog: wire wrapping, glazing, macrame and more."
keywords = ["diy crafts", "craft tutorial", "wire wrapping", "beginner pottery"]
default_template = "text-forward"

[link]
utm_campaign = "blog"
""",
}

# A calmer schedule than the defaults so thirty days show a steady month of a small shop.
RULES = """\
# The demo shop's posting rules (see `pinbot queue plan`).
[schedule]
windows = ["08:00-11:00", "12:00-14:00", "19:00-22:30"]
daily_cap = 4
min_gap_minutes = 60
board_gap_minutes = 180
board_interval_days = 5
jitter_minutes = 10
"""

SAMPLE_LOGO = Path(__file__).resolve().parent / "sample-logo.png"
BRAND = f"""\
# The demo shop's brand kit (fonts are pinbot's bundled ones; the logo is the sample's seal).
shop_name = "{SHOP_NAME}"

[colors]
primary = "#2E4A3F"
accent = "#C4673F"
ink = "#1F1B18"
paper = "#F7F2EA"
"""


@dataclass(frozen=True)
class DemoProduct:
    key: str
    title: str
    description: str
    link: str
    price_cents: int | None
    boards: tuple[str, ...]
    draw: str  # name of the drawing function for its photo
    tags: tuple[str, ...] = ()


PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        "silver-hoops",
        "Hammered silver hoop earrings",
        "Lightweight hoops hand-forged from recycled sterling silver. Made to order in 3 days.",
        SHOP + "silver-hoops",
        4800,
        ("handmade-jewelry",),
        "hoops",
        ("earrings",),
    ),
    DemoProduct(
        "brass-leaf-studs",
        "Brass leaf stud earrings",
        "Tiny brass leaves with a brushed finish, on hypoallergenic posts.",
        SHOP + "brass-leaf-studs",
        3200,
        ("handmade-jewelry",),
        "studs",
        ("earrings",),
    ),
    DemoProduct(
        "stacking-rings",
        "Minimal stacking rings, set of three",
        "Silver, brass and copper bands to wear alone or stacked. Sizes 4 to 11.",
        SHOP + "stacking-rings",
        5600,
        ("handmade-jewelry",),
        "rings",
        ("rings",),
    ),
    DemoProduct(
        "moonstone-pendant",
        "Moonstone drop pendant necklace",
        "A rainbow moonstone set in a hand-cut silver bezel on a fine 45 cm chain.",
        SHOP + "moonstone-pendant",
        7200,
        ("handmade-jewelry",),
        "pendant",
        ("necklace",),
    ),
    DemoProduct(
        "speckled-mug",
        "Speckled stoneware mug, 350 ml",
        "Wheel-thrown, dishwasher safe, glazed in oatmeal speckle with a blue rim.",
        SHOP + "speckled-mug",
        3400,
        ("ceramics",),
        "mug",
        ("mug",),
    ),
    DemoProduct(
        "sage-bowl",
        "Sage glaze serving bowl",
        "A generous 24 cm bowl in a soft sage glaze for salads, fruit or bread.",
        SHOP + "sage-bowl",
        5200,
        ("ceramics",),
        "bowl",
        ("bowl",),
    ),
    DemoProduct(
        "terracotta-planter",
        "Terracotta succulent planter",
        "Unglazed terracotta with a drainage hole and a matching saucer.",
        SHOP + "terracotta-planter",
        2900,
        ("ceramics",),
        "planter",
        ("planter",),
    ),
    DemoProduct(
        "espresso-cups",
        "Ocean blue espresso cups, pair",
        "Two 90 ml cups in a deep ocean glaze, thrown as a matching pair.",
        SHOP + "espresso-cups",
        3800,
        ("ceramics",),
        "cups",
        ("mug",),
    ),
    DemoProduct(
        "bud-vase",
        "Ribbed porcelain bud vase",
        "A small ribbed vase for a single stem; satin white porcelain.",
        SHOP + "bud-vase",
        2600,
        ("ceramics",),
        "vase",
        ("vase",),
    ),
    DemoProduct(
        "wire-wrap-tutorial",
        "How to wire-wrap a crystal pendant",
        "A beginner's guide to wrapping a raw crystal with copper wire: tools, steps and three finishes.",
        BLOG + "wire-wrap-a-crystal",
        None,
        ("diy-craft-tutorials", "handmade-jewelry"),
        "crystal",
        ("tutorial",),
    ),
    DemoProduct(
        "glazing-tutorial",
        "How to glaze pottery at home",
        "Everything you need to glaze your first bowls without a studio: kit list, safety and firing.",
        BLOG + "glazing-at-home",
        None,
        ("diy-craft-tutorials", "ceramics"),
        "glaze",
        ("tutorial",),
    ),
    DemoProduct(
        "macrame-tutorial",
        "Make a macrame plant hanger in an hour",
        "Four knots, one ring and cotton cord: a plant hanger for your first macrame afternoon.",
        BLOG + "macrame-plant-hanger",
        None,
        ("diy-craft-tutorials",),
        "macrame",
        ("tutorial",),
    ),
)


def write_shop_files(folder: Path, assets_source: Path) -> None:
    """boards/*.toml, pinbot.toml and the brand kit (the sample's name, colours and seal; pinbot's bundled
    fonts and templates)."""
    boards = folder / "boards"
    boards.mkdir(parents=True, exist_ok=True)
    for key, text in BOARDS.items():
        (boards / f"{key}.toml").write_text(text, encoding="utf-8")
    (folder / "pinbot.toml").write_text(RULES, encoding="utf-8")
    if not (assets_source / "templates").is_dir():
        raise PinbotError(f"demo: no templates in {assets_source}; set PINBOT_ASSETS_DIR to pinbot's assets folder")
    assets = folder / "assets"
    ignore = shutil.ignore_patterns("brand.toml", "brand.example.toml", "logo.*")
    shutil.copytree(assets_source, assets, dirs_exist_ok=True, ignore=ignore)
    write_sample_brand(assets)


def write_sample_brand(assets: Path) -> None:
    """The sample shop's brand kit: its name, colours and "F&K" seal (the demo's alone: an owner's
    shop gets its own from `pinbot init`)."""
    assets.mkdir(parents=True, exist_ok=True)
    (assets / "brand.toml").write_text(BRAND, encoding="utf-8")
    shutil.copyfile(SAMPLE_LOGO, assets / "logo.png")


def photo_path(folder: Path, product: DemoProduct) -> Path:
    return folder / "photos" / f"{product.key}.jpg"


def write_photo(folder: Path, index: int) -> Path:
    """Draw product `index`'s photo into folder/photos (a JPEG; the same bytes on every run)."""
    product = PRODUCTS[index]
    path = photo_path(folder, product)
    path.parent.mkdir(parents=True, exist_ok=True)
    image = draw_photo(product.draw, index)
    image.save(path, "JPEG", quality=88, optimize=True)
    return path
