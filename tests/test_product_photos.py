"""`pinbot products photo KEY --image PATH`: an imported product's photos added by hand, end to end
on the real Italian Etsy export (sabaceramics, SKUs that are bare numbers, so a key can also be
another product's id) and the shop's own real photo (tests/data/real/photos/pres6.jpg)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from pinbot.store.models import Pin, Product
from tests.conftest import Cli
from tests.photo_server import Served, serve
from tests.test_real_exports import stored

REAL = Path(__file__).resolve().parent / "data" / "real"
ETSY_IT = REAL / "etsy" / "sabaceramics__EtsyListingsDownload.csv"
FOX_BOWL = REAL / "photos" / "pres6.jpg"  # the same shop's tea bowl, shot by the potter
PATCHWORK = REAL / "photos" / "CHSDM-1980-31-5MattFlynn.jpg"
SHOP_URL = ("--shop-url", "https://sabaceramics.example/p/{sku}")
ETSY_CDN = "https://i.etsystatic.com"


def products_by_key(cli: Cli) -> dict[str, Product]:
    return {f"{p.source}:{p.external_id}": p for p in stored(cli, Product)}


def pins(cli: Cli) -> list[Pin]:
    return stored(cli, Pin)


@pytest.fixture
def cdn(tmp_path: Path) -> Iterator[Served]:
    """Etsy's photo host, local: the export's photo URLs are rewritten to it; nothing is there yet."""
    with serve(tmp_path / "cdn") as served:
        yield served


def export_via(cdn: Served, tmp_path: Path) -> Path:
    text = ETSY_IT.read_text(encoding="utf-8-sig").replace(ETSY_CDN, cdn.base)
    path = tmp_path / "EtsyListingsDownload.csv"
    path.write_text(text, encoding="utf-8")
    return path


def photo_urls(export: Path, sku: str) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(export.read_text(encoding="utf-8"))))
    row = next(r for r in rows if r["SKU"] == sku)
    return [row[f"IMMAGINE{n}"] for n in range(1, 11) if row[f"IMMAGINE{n}"]]


def put_on_cdn(cdn: Served, url: str, source: Path | None = None) -> None:
    """A photo at `url`: a copy of `source`, else one of its own (photos are stored by content)."""
    target = cdn.folder / urlsplit(url).path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if source is not None:
        shutil.copy(source, target)
    else:
        r, g, b = hashlib.sha256(target.name.encode()).digest()[:3]
        Image.new("RGB", (400, 500), (r, g, b)).save(target, "JPEG")


@pytest.fixture
def imported(initialised_cli: Cli, tmp_path: Path) -> Cli:
    """The real Italian export imported offline: 27 listings, none with a photo."""
    result = initialised_cli.ok("products", "import", "--no-download", str(ETSY_IT), *SHOP_URL)
    # said once, with the command that fixes it (not only a line per photo URL that failed)
    assert (
        "27 products in stock have no photo yet, so no pin can be made of them: add one with "
        "`pinbot products photo etsy:32 --image PHOTO` (or import again once the photos download)"
    ) in result.stderr.splitlines()
    shutil.copy(FOX_BOWL, initialised_cli.cwd / "fox-bowl.jpg")
    assert len(products_by_key(initialised_cli)) == 27
    return initialised_cli


def test_add_with_an_imported_key_says_to_use_products_photo(imported: Cli) -> None:
    """It made a second, hand-added product `32` next to the Etsy listing with SKU 32."""
    result = imported("products", "add", "--key", "32", "--title", "Saggar vase", "--link", "https://x.example/32",
                      "--image", "fox-bowl.jpg")  # fmt: skip
    assert result.exit_code == 2
    assert "32 is already product 1 from your etsy import" in result.stderr
    assert "pinbot products photo etsy:32 --image PHOTO" in result.stderr
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1
    assert len(products_by_key(imported)) == 27  # no second product
    # a key nobody has is still a new product, added by hand
    imported.ok("products", "add", "--key", "mug-1", "--title", "Mug", "--link", "https://x.example/m",
                "--image", "fox-bowl.jpg")  # fmt: skip
    assert "manual:mug-1" in products_by_key(imported)
    # `etsy:32` as a key of one's own: every later `etsy:32` would find it in place of the listing
    typed = imported("products", "add", "--key", "etsy:32", "--title", "Saggar vase", "--link",
                     "https://x.example/32", "--image", "fox-bowl.jpg")  # fmt: skip
    assert typed.exit_code == 2 and "etsy:32 names the etsy product with key 32" in typed.stderr
    assert "manual:etsy:32" not in products_by_key(imported)


def test_a_photo_added_by_hand_is_pinned_and_survives_a_reimport(imported: Cli, cdn: Served, tmp_path: Path) -> None:
    cli = imported
    added = cli.ok("products", "photo", "32", "--image", "fox-bowl.jpg")
    bowl = str((cli.cwd / "fox-bowl.jpg").absolute())
    assert added.stdout.strip().splitlines() == [
        "product 1 (Saggar pottery vase with smoky grey…, etsy:32): added fox-bowl.jpg; 1 photo now, "
        "kept by a re-import"
    ]
    vase = products_by_key(cli)["etsy:32"]
    assert vase.image_paths == [bowl] and vase.hand_photos == [bowl] and len(products_by_key(cli)) == 27
    assert "fox-bowl.jpg (added by hand)" in cli.ok("products", "show", "etsy:32").stdout
    again = cli.ok("products", "photo", "etsy:32", "--image", "fox-bowl.jpg")
    assert "already has fox-bowl.jpg; nothing changed" in again.stdout

    # its pins use it: queued and rendered from the photo the owner gave
    cli.ok("queue", "add", "--product", "etsy:32", "--board", "ceramics")
    [pin] = pins(cli)
    assert pin.image_path == bowl and pin.product_id == vase.id
    rendered = cli.ok("render", str(pin.id), "--out", str(tmp_path / "out"))
    assert "pin-1.jpg" in rendered.stdout
    with Image.open(tmp_path / "out" / "pin-1.jpg") as im:
        assert im.size == (1000, 1500)

    # The shop's photos come back online: a re-import brings the listing's own photos first, and
    # the owner's photo stays after them; every other listing just gets its photos.
    export = export_via(cdn, tmp_path)
    urls = photo_urls(export, "32")
    for i, url in enumerate(urls):
        put_on_cdn(cdn, url, PATCHWORK if i == 0 else None)
    for key in ("30", "29"):
        put_on_cdn(cdn, photo_urls(export, key)[0])
    result = cli("products", "import", str(export), *SHOP_URL)
    assert result.exit_code == 0, result.output
    assert "1 product kept the photos you added by hand" in result.stderr
    after = products_by_key(cli)
    vase = after["etsy:32"]
    assert len(vase.image_paths) == len(urls) + 1 and vase.image_paths[-1] == bowl
    assert vase.hand_photos == [bowl]
    with Image.open(vase.image_paths[0]) as first, Image.open(PATCHWORK) as real:
        assert first.size == real.size  # the import's own first photo, as before
    assert len(after["etsy:30"].image_paths) == 1 and after["etsy:30"].hand_photos == []

    # the shop changes the listing's photos: the import's photos follow, the owner's stays
    put_on_cdn(cdn, urls[0].replace(".jpg", "-new.jpg"))
    export.write_text(export.read_text(encoding="utf-8").replace(urls[1], urls[0].replace(".jpg", "-new.jpg")))
    cli.ok("products", "import", str(export), *SHOP_URL)
    vase = products_by_key(cli)["etsy:32"]
    assert len(vase.image_paths) == len(urls) + 1 and vase.image_paths[-1] == bowl


def test_replace_makes_them_its_only_photos_and_a_reimport_leaves_them(
    imported: Cli, cdn: Served, tmp_path: Path
) -> None:
    cli = imported
    export = export_via(cdn, tmp_path)
    urls = photo_urls(export, "29")
    for url in urls + photo_urls(export, "30"):
        put_on_cdn(cdn, url)
    cli.ok("products", "import", str(export), *SHOP_URL)
    assert len(products_by_key(cli)["etsy:29"].image_paths) == len(urls)

    result = cli.ok("products", "photo", "29", "--image", "fox-bowl.jpg", "--replace", "--json")
    bowl = str((cli.cwd / "fox-bowl.jpg").absolute())
    data = json.loads(result.stdout)
    assert data["added"] == [bowl] and len(data["removed"]) == len(urls) and data["photos"] == [bowl]
    line = cli.ok("products", "photo", "etsy:29", "--image", "fox-bowl.jpg", "--replace").stdout
    assert "nothing changed" in line
    # --replace with the photos it has: they stay, and imports now leave them alone
    own = products_by_key(cli)["etsy:30"].image_paths
    other = cli.ok("products", "photo", "30", "--replace", *(f"--image={p}" for p in own)).stdout
    assert other.endswith(".jpg; a re-import leaves its photos alone\n") and "taken off" not in other
    assert products_by_key(cli)["etsy:30"].hand_photos_only and products_by_key(cli)["etsy:30"].image_paths == own

    cli.ok("products", "import", str(export), *SHOP_URL)
    vase = products_by_key(cli)["etsy:29"]
    assert vase.image_paths == [bowl] and vase.hand_photos_only
    # adding one more after a replace adds it; the import still keeps out
    shutil.copy(PATCHWORK, cli.cwd / "patchwork.jpg")
    cli.ok("products", "photo", "29", "--image", "patchwork.jpg")
    cli.ok("products", "import", str(export), *SHOP_URL)
    assert [Path(p).name for p in products_by_key(cli)["etsy:29"].image_paths] == ["fox-bowl.jpg", "patchwork.jpg"]


def test_a_key_that_could_be_two_products_says_what_to_type(imported: Cli) -> None:
    """SKU 5 is product 26; product 5 is SKU 24. Neither is guessed, here nor when pinning it
    (`queue add --product 5` took product 5 without a word)."""
    said = (
        "pinbot: product: '5' names several products: type etsy:24 for product 5 (Antiqued Raku vase with "
        "blue-purple…) or etsy:5 for product 26 (Japanese inspired pit fired stoneware…)"
    )
    for args in (("products", "photo", "5", "--image", "fox-bowl.jpg"), ("queue", "add", "--product", "5",
                 "--board", "ceramics"), ("products", "show", "5")):  # fmt: skip
        result = imported(*args)
        assert result.exit_code == 2 and result.stderr.strip() == said, result.output
    assert all(not p.image_paths for p in products_by_key(imported).values()) and not pins(imported)
    assert "product 26 (" in imported.ok("products", "photo", "etsy:5", "--image", "fox-bowl.jpg").stdout
    imported.ok("queue", "add", "--product", "etsy:5", "--board", "ceramics")
    [pin] = pins(imported)
    assert pin.product_id == 26 and pin.image_path == str((imported.cwd / "fox-bowl.jpg").absolute())
    # a key that is no product's id, and an id that is no product's key, are not ambiguous
    assert "etsy:32" in imported.ok("products", "photo", "32", "--image", "fox-bowl.jpg").stdout
    assert "etsy:22" in imported.ok("products", "photo", "6", "--image", "fox-bowl.jpg").stdout
    missing = imported("products", "photo", "33", "--image", "fox-bowl.jpg")
    assert missing.exit_code == 3 and "no product '33'" in missing.stderr


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("cut-off.jpg", lambda p: p.write_bytes(FOX_BOWL.read_bytes()[:3000]), "damaged or cut off"),
        ("icon.png", lambda p: Image.new("RGB", (16, 16)).save(p), "16x16 px"),
        ("huge.png", lambda p: Image.new("1", (7000, 7000)).save(p), "possible decompression bomb"),
        ("notes.jpg", lambda p: p.write_text("not a photo"), "not a JPEG, PNG"),
        ("gone.jpg", lambda p: None, "no such file"),
    ],
)
def test_a_bad_photo_is_refused_in_one_line_naming_it(imported: Cli, name: str, make: object, reason: str) -> None:
    make(imported.cwd / name)  # type: ignore[operator]
    result = imported("products", "photo", "32", "--image", "fox-bowl.jpg", "--image", name)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"pinbot: image: {name}: ") and reason in line, line
    assert products_by_key(imported)["etsy:32"].image_paths == []  # nothing added, not even the good one


def test_queueing_a_listing_whose_photos_did_not_download_says_how_to_add_one(imported: Cli) -> None:
    """The first thing an Etsy shop meets offline: `queue add --product 29` on a listing with no
    photo. The line names the command that fixes it for good, with the key that cannot be two
    products (etsy:29), not only this pin's --image."""
    result = imported("queue", "add", "--product", "29", "--board", "ceramics")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line == (
        "pinbot: image: product 3 (etsy:29) has no photo: add one with `pinbot products photo etsy:29 "
        "--image PHOTO` (or give --image PHOTO for this pin)"
    )
    imported.ok("products", "photo", "etsy:29", "--image", "fox-bowl.jpg")
    imported.ok("queue", "add", "--product", "29", "--board", "ceramics")
    assert [p.product_id for p in pins(imported)] == [3]


def test_experiment_create_takes_products_as_every_other_command_does(imported: Cli) -> None:
    """`experiment create --products etsy:32` said "no product 'etsy:32'" (the form pinbot itself
    tells the owner to type), and `--products 5` took product 5 when SKU 5 is product 26."""
    shutil.copy(PATCHWORK, imported.cwd / "patchwork.jpg")
    imported.ok("products", "photo", "etsy:32", "--image", "fox-bowl.jpg")
    imported.ok("products", "photo", "etsy:5", "--image", "patchwork.jpg")
    two = imported("experiment", "create", "--name", "t", "--products", "5", "--variants", "split-block,photo-band",
                   "--boards", "ceramics")  # fmt: skip
    assert two.exit_code == 2 and "--products: '5' names several products: type etsy:24" in two.stderr, two.output
    made = imported("experiment", "create", "--name", "t", "--products", "etsy:32,etsy:5", "--variants",
                    "split-block,photo-band", "--boards", "ceramics", "--json")  # fmt: skip
    assert made.exit_code == 0 and "no product" not in made.output, made.output
    # etsy:5 is product 26 (its wide patchwork photo suits no layout of one design: left out, said)
    assert "product 26 left out (split-block:" in made.output
    assert {p.product_id for p in pins(imported)} == {1}
    # before any view: said in words, not "0.00% (95% 0.00%–100.00%), 0 of 0 views"
    status = " ".join(imported.ok("experiment", "status", "t").output.split())
    assert "A Split block: no views yet, 0 posted, 12 waiting" in status, status
    assert "0.00%" not in status and "0 of 0" not in status
    imported.ok("report", "--html", str(imported.cwd / "report.html"))
    page = (imported.cwd / "report.html").read_text()
    card = page.split('id="experiment-', 1)[1].split("</section>", 1)[0]
    assert "No views yet: visits per view by design shows with the first ones." in card and "0.00%" not in card


def test_an_experiment_on_two_products_with_one_photo_says_that_is_why(imported: Cli) -> None:
    """The potter gave two listings the same photo: "only 0 of 12 rounds can be queued … each photo
    can show 12 looks … and 'Saggar pottery vase…' has 1 photo" read as a contradiction."""
    for key in ("etsy:32", "etsy:30"):
        imported.ok("products", "photo", key, "--image", "fox-bowl.jpg")
    made = imported("experiment", "create", "--name", "t", "--products", "etsy:32,etsy:30", "--variants",
                    "split-block,photo-band", "--boards", "ceramics")  # fmt: skip
    assert made.exit_code == 2
    assert (
        "have the same photo (fox-bowl.jpg), and a board never gets one image twice; test one of them, or give "
        "the other its own: `pinbot products photo etsy:30 --image PHOTO --replace`"
    ) in made.stderr, made.stderr
    assert "12 looks" not in made.stderr and not pins(imported)


def test_render_a_product_no_design_suits_says_why_not_no_templates(imported: Cli, tmp_path: Path) -> None:
    """The only photo is the real 1200x433 panorama: `render --product etsy:12 --sheet` said
    "no templates in assets/templates", and the owner went looking for lost files."""
    shutil.copy(PATCHWORK, imported.cwd / "panel.jpg")
    imported.ok("products", "photo", "etsy:12", "--image", "panel.jpg")
    for sheet in ((), ("--sheet",)):
        result = imported("render", "--product", "etsy:12", *sheet, "--out", str(tmp_path / "out"))
        assert result.exit_code == 2
        [line] = result.stderr.strip().splitlines()
        assert "no templates" not in line and line.startswith("pinbot: --product: no design suits the photos of ")
        assert "too wide (1200x433)" in line and "`pinbot products photo etsy:12 --image PHOTO`" in line


def test_an_import_whose_products_share_one_link_says_what_that_means(initialised_cli: Cli) -> None:
    """The Etsy export has no listing URLs: with the shop page as --shop-url all 27 listings link to
    it, and the 48-hour same-link rule spaced the potter's pins two days apart without a word."""
    shop = "https://www.etsy.com/shop/TerraFumo"
    result = initialised_cli.ok("products", "import", "--no-download", str(ETSY_IT), "--shop-url", shop)
    assert (
        f"all 27 products link to {shop}: pins with one link go out at most one every 48 h (same_link_hours in "
        "pinbot.toml); for a link per product, give --shop-url a pattern such as "
        "https://your-site.example/products/{sku}"
    ) in result.stderr.splitlines()
    # a pattern gives each its own link: nothing to say
    again = initialised_cli.ok("products", "import", "--no-download", str(ETSY_IT), *SHOP_URL)
    assert "link to" not in again.stderr


def test_back_in_stock_names_the_product_as_it_can_be_typed(imported: Cli) -> None:
    """ "nothing was re-queued: pinbot queue add --product 5" named product 5 by its id, which is also
    SKU 5 (product 26): the command it gave was refused."""
    imported.ok("products", "stock", "etsy:24", "--out")
    back = imported.ok("products", "stock", "etsy:24", "--in")
    assert "pinbot queue add --product etsy:24 --boards" in back.stderr, back.output
    assert "--product 5 " not in back.stderr
