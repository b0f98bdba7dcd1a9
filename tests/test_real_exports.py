"""Real shop exports (tests/data/real/etsy, tests/data/real/shopify) through `pinbot products
import` and `pinbot queue import`. Where a case has no licensed real file (a German or French Etsy
export, a multi-SKU cell, an active-but-unpublished Shopify product, a photo that 404s), the test
derives it from a real file by changing only what the case needs, and says so.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlmodel import select

from pinbot.importers.etsy import parse_etsy
from pinbot.importers.images import ImageStore
from pinbot.importers.shopify import parse_shopify
from pinbot.store import db
from pinbot.store.models import Pin, PinStatus, Product
from tests.conftest import Cli
from tests.photo_server import Served, serve

REAL = Path(__file__).resolve().parent / "data" / "real"
ETSY_EN = REAL / "etsy" / "makermetrics__EtsyListingsDownload.csv"
ETSY_IT = REAL / "etsy" / "sabaceramics__EtsyListingsDownload.csv"
ETSY_2018 = REAL / "etsy" / "gatsby-storefront__EtsyListingsDownload.csv"
SHOPIFY_TEMPLATE = REAL / "shopify" / "shopify-automation__product_template.csv"
SHOPIFY_PACKT = REAL / "shopify" / "packt__Product-data.csv"
SHOPIFY_ARTIST = REAL / "shopify" / "theartswithg__products_export_1.csv"


def table(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def stored(cli: Cli, model: type[Any]) -> list[Any]:
    engine = db.make_engine(cli.env["PINBOT_DATABASE_URL"])
    try:
        with db.session_scope(engine) as session:
            rows = list(session.exec(select(model)).all())
            for r in rows:
                session.expunge(r)
            return rows
    finally:
        engine.dispose()


def no_download(tmp_path: Path) -> ImageStore:
    return ImageStore(tmp_path / "photos", download=False)


# --- Etsy ------------------------------------------------------------------------------------


def test_an_italian_etsy_export_is_read(tmp_path: Path) -> None:
    """sabaceramics: TITOLO, DESCRIZIONE, PREZZO, QUANTITÀ, TAG, IMMAGINE1..10 (was refused)."""
    parsed = parse_etsy(ETSY_IT, no_download(tmp_path), "https://sabaceramics.example/p/{sku}")
    assert parsed.errors == [] and parsed.rows == 27 and len(parsed.records) == 27
    assert "an Etsy export in Italian: its columns were read by their English names" in parsed.notes
    first = parsed.records[0][1]
    assert first.currency == "EUR" and first.price_cents is not None and first.price_cents % 100 == 0
    assert first.title and first.description and first.link.startswith("https://sabaceramics.example/p/")
    assert first.image_paths is None  # photos are URLs and downloads are off: nothing touched


def test_offline_an_import_tries_each_photo_host_once_and_says_so_in_one_line(tmp_path: Path) -> None:
    """The Italian export names 200-odd photos on i.etsystatic.com; with no network the import gave
    one warning line per photo (and, with a slow DNS, one wait per photo). Now: one line, one count."""
    from pinbot.importers.fetch import Fetched, FetchError

    asked: list[str] = []

    def offline(url: str, *, max_bytes: int) -> Fetched:
        asked.append(url)
        raise FetchError("cannot connect: [Errno -2] Name or service not known", unreachable=True)

    with ETSY_IT.open(encoding="utf-8") as fh:
        photos = sum(1 for row in csv.DictReader(fh) for k, v in row.items() if k.startswith("IMMAGINE") and v)
    store = ImageStore(tmp_path / "photos", offline)
    parsed = parse_etsy(ETSY_IT, store, "https://sabaceramics.example/p/{sku}")
    assert len(parsed.records) == 27 and not parsed.errors  # text, price and stock still imported
    assert len(asked) == 1
    lost = [n for n in parsed.notes if "imported without this photo" in n]
    assert len(lost) == 1 and "i.etsystatic.com" in lost[0]
    [summary] = store.unreachable_notes()
    assert summary.startswith(f"{photos - 1} more photos from i.etsystatic.com not downloaded")


def test_a_german_etsy_export_is_read(tmp_path: Path) -> None:
    """Derived: the real English export with German header names (TITEL, PREIS, STÜCKZAHL, BILD1...)."""
    rows = table(ETSY_EN)
    german = {"TITLE": "TITEL", "DESCRIPTION": "BESCHREIBUNG", "PRICE": "PREIS", "CURRENCY_CODE": "WÄHRUNGSCODE",
              "QUANTITY": "STÜCKZAHL", "MATERIALS": "MATERIALIEN", "SKU": "BESTANDSEINHEIT",
              **{f"IMAGE{n}": f"BILD{n}" for n in range(1, 11)}}  # fmt: skip
    rows[0] = [german.get(h, h) for h in rows[0]]
    english = parse_etsy(ETSY_EN, no_download(tmp_path), "https://shop.example/{slug}")
    parsed = parse_etsy(write_rows(tmp_path / "de.csv", rows), no_download(tmp_path), "https://shop.example/{slug}")
    assert parsed.errors == [] and [r for _, r in parsed.records] == [r for _, r in english.records]


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("French", {"TITLE": "TITRE", "PRICE": "PRIX", "QUANTITY": "QUANTITÉ"}),
        ("Spanish", {"TITLE": "TÍTULO", "PRICE": "PRECIO", "QUANTITY": "CANTIDAD"}),
        ("Dutch", {"TITLE": "TITEL", "PRICE": "PRIJS", "QUANTITY": "AANTAL"}),
    ],
)
def test_an_etsy_export_in_another_language_says_how_to_get_it_in_english(
    initialised_cli: Cli, tmp_path: Path, language: str, names: dict[str, str]
) -> None:
    """Derived: the real English export with the title, price and quantity columns renamed."""
    rows = table(ETSY_EN)
    rows[0] = [names.get(h, h) for h in rows[0]]
    export = write_rows(tmp_path / "EtsyListingsDownload.csv", rows)
    result = initialised_cli("products", "import", str(export), "--shop-url", "https://shop.example", "--no-download")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert f"this looks like an Etsy export in {language}" in line
    assert "Switch Etsy to English" in line and "Download Data" in line


def test_variation_skus_give_one_stable_product_and_a_working_link(initialised_cli: Cli, tmp_path: Path) -> None:
    """Derived: the real export with Etsy's multi-SKU cell shape put into two listings' SKU cells
    (seen in public exports whose repositories have no licence; only the shape is copied)."""
    rows = table(ETSY_EN)
    sku = rows[0].index("SKU")
    for n, row in enumerate(rows[1:]):
        row[sku] = f"MM-{n}"  # the real cells are blank; the link pattern needs a SKU
    rows[1][sku] = "Vanilla-V2,Vanilla-V3,Vanilla-V1"
    rows[2][sku] = ",".join(f"LONG-SKU-VARIATION-{n:03}" for n in range(30))  # 719 characters
    export = write_rows(tmp_path / "listings.csv", rows)
    url = "https://candles.example/products/{sku}"
    imp = ("products", "import", "--no-download", "--shop-url", url, "--json")  # its photo URLs are not fetched
    first = json.loads(initialised_cli(*imp, str(export)).stdout)
    assert first["errors"] == [] and first["created"] == 93
    products = {p.title: p for p in stored(initialised_cli, Product)}
    vanilla = products[rows[1][0].strip()]
    assert vanilla.external_id == "Vanilla-V1"
    assert vanilla.link == "https://candles.example/products/Vanilla-V1" and "%2C" not in vanilla.link
    assert products[" ".join(rows[2][0].split())].external_id == "LONG-SKU-VARIATION-000"

    # A variation is added (and Etsy lists the SKUs in another order): the same product, updated.
    rows[1][sku] = "Vanilla-V3,Vanilla-V0,Vanilla-V1,Vanilla-V2"
    rows[1][2] = "99.00"
    again = json.loads(initialised_cli(*imp, str(write_rows(export, rows))).stdout)
    assert (again["created"], again["updated"], again["errors"]) == (0, 1, [])
    assert len(stored(initialised_cli, Product)) == 93


def test_etsy_tags_lose_their_underscores(tmp_path: Path) -> None:
    """makermetrics writes tags the Etsy way: "Pokémon_cards"."""
    raw_tags = {t for row in table(ETSY_EN)[1:] for t in row[5].split(",")}
    assert any("_" in t for t in raw_tags)
    parsed = parse_etsy(ETSY_EN, no_download(tmp_path), "https://shop.example")
    tags = {t for _, r in parsed.records for t in r.tags}
    assert tags and not any("_" in t for t in tags)
    assert any(t.replace("_", " ") in tags for t in raw_tags if "_" in t)


def test_a_2018_export_with_ragged_rows_and_no_sku_column(tmp_path: Path) -> None:
    parsed = parse_etsy(ETSY_2018, no_download(tmp_path), "https://www.etsy.com/shop/Example")
    assert parsed.errors == [] and len(parsed.records) == 35
    assert all(r.external_id.startswith("title-") for _, r in parsed.records)


def test_plain_text_with_entities_keeps_its_line_breaks(tmp_path: Path) -> None:
    """Derived: a real multi-line Etsy description with "&" written as "&amp;" (no tags)."""
    rows = table(ETSY_EN)
    row = next(r for r in rows[1:] if r[1].count("\n") >= 3)
    row[1] = row[1].replace(" and ", " &amp; ", 1) + "\nSalt &amp; pepper"
    parsed = parse_etsy(write_rows(tmp_path / "x.csv", [rows[0], row]), no_download(tmp_path), "https://s.example")
    description = parsed.records[0][1].description
    assert description.count("\n") >= 3 and description.endswith("\nSalt & pepper") and "&amp;" not in description
    # The same in a Shopify body: derived from the packt export, a plain-text body with entities.
    shop = table(SHOPIFY_PACKT)
    body = shop[0].index("Body (HTML)")
    shop[1][body] = "Warm light &amp; brass.\nDimmable.\nBulb included"
    parsed = parse_shopify(write_rows(tmp_path / "s.csv", shop[:2]), no_download(tmp_path), "https://s.example")
    assert parsed.records[0][1].description == "Warm light & brass.\nDimmable.\nBulb included"


# --- Shopify ---------------------------------------------------------------------------------


def test_only_products_visible_on_the_store_are_pinnable(tmp_path: Path) -> None:
    """Shopify's own template: draft and archived products are out; derived: the active product
    with Published FALSE is out too (it has no page a buyer can open)."""
    parsed = parse_shopify(SHOPIFY_TEMPLATE, no_download(tmp_path), "https://shop.example", currency="USD")
    visible = {r.external_id: r.in_stock for _, r in parsed.records}
    assert sum(visible.values()) == 1
    rows = table(SHOPIFY_TEMPLATE)
    status, published = rows[0].index("Status"), rows[0].index("Published")
    for row in rows[1:]:
        if row[status] == "active":
            row[published] = "FALSE"
    derived = parse_shopify(write_rows(tmp_path / "p.csv", rows), no_download(tmp_path), "https://shop.example")
    assert not any(r.in_stock for _, r in derived.records)
    assert any("not published on the online store (Published FALSE): not pinnable" in n for n in derived.notes)


def test_the_artist_shop_export_imports_whole(tmp_path: Path) -> None:
    parsed = parse_shopify(SHOPIFY_ARTIST, no_download(tmp_path), "https://theartswithg.example", currency="USD")
    assert parsed.errors == [] and len(parsed.records) == 53 and parsed.rows == 850


def test_queue_import_of_a_shopify_export_points_at_products_import(initialised_cli: Cli) -> None:
    result = initialised_cli("queue", "import", str(SHOPIFY_PACKT))
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "this is a Shopify products export, not pinbot's pin CSV" in line
    assert f"pinbot products import {SHOPIFY_PACKT.name}" in line and "unknown column" not in line


@pytest.fixture
def cdn(tmp_path: Path) -> Iterator[Served]:
    """The packt export's photos, served locally (its URLs are rewritten to this server)."""
    folder = tmp_path / "cdn"
    for row in table(SHOPIFY_PACKT)[1:]:
        for cell in row:
            if cell.startswith("https://cdn.shopify.com/"):
                target = folder / urlsplit(cell).path.lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                Image.new("RGB", (400, 500), (120, 110, 100)).save(target, "JPEG")
    with serve(folder) as served:
        yield served


def test_a_missing_photo_keeps_the_sold_out_change(initialised_cli: Cli, cdn: Served, tmp_path: Path) -> None:
    """Derived from the packt export: its photo URLs point at a local server. Then the floor lamp
    sells out while one of its photos is gone (404): the stock change must still cancel its pins."""
    cli = initialised_cli
    rows = [[c.replace("https://cdn.shopify.com", cdn.base) for c in row] for row in table(SHOPIFY_PACKT)]
    export = write_rows(tmp_path / "products_export.csv", rows)
    args = ("--shop-url", "https://lamps.example", "--currency", "USD")
    cli.ok("products", "import", str(export), *args)
    queued = cli.ok("queue", "add", "--product", "floor-lamp", "--board", "ceramics").stdout.split()
    assert queued and all(p.status == PinStatus.queued for p in stored(cli, Pin))

    columns = ("Handle", "Variant Inventory Qty", "Variant Inventory Tracker", "Image Src")
    handle, qty, tracker, src = (rows[0].index(c) for c in columns)
    lamp = next(r for r in rows[1:] if r[handle] == "floor-lamp")
    lamp[qty], lamp[tracker] = "0", "shopify"  # tracked, none left: sold out
    lamp[src] = lamp[src].replace(".jpg", "-retouched.jpg")  # a new photo URL that is not there (404)
    result = cli("products", "import", str(write_rows(export, rows)), *args)

    assert result.exit_code == 0, result.output
    assert "imported without this photo" in result.stderr and "HTTP 404" in result.stderr
    assert f"sold out: {lamp[rows[0].index('Title')]}" in result.stderr
    assert {p.status for p in stored(cli, Pin)} == {PinStatus.cancelled}
    kept = next(p for p in stored(cli, Product) if p.external_id == "floor-lamp")
    assert len(kept.image_paths) == 1 and Path(kept.image_paths[0]).is_file()  # the photo it had


def test_messages_count_right_and_say_nothing_was_imported(initialised_cli: Cli, tmp_path: Path) -> None:
    """Derived: the real Italian export with every price spoiled: nothing can be imported."""
    rows = table(ETSY_IT)
    rows[1:] = [[*r[:2], "?", *r[3:]] for r in rows[1:2]]
    export = write_rows(tmp_path / "one.csv", rows)
    result = initialised_cli("products", "import", "--no-download", str(export), "--shop-url", "https://s.example")
    assert result.exit_code == 2
    assert "0 products added, 0 updated, 0 unchanged, 1 invalid row of 1" in result.stdout
    assert result.stderr.splitlines()[-1] == "pinbot: one.csv: 1 invalid row; nothing was imported"
