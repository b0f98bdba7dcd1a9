"""Shopify's products export: variants and extra photo rows folded into one product, HTML to
text, the stock rule, and bad rows named by row and column while the other products go on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pinbot.errors import InvalidInput
from pinbot.importers.images import ImageStore
from pinbot.importers.shopify import parse_shopify
from tests.photo_server import Served, serve
from tests.product_fixtures import SHOPIFY_HEADER, make_photos, shopify_rows, write


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Served]:
    make_photos(tmp_path / "cdn")
    with serve(tmp_path / "cdn") as served:
        yield served


def test_export_becomes_products(server: Served, tmp_path: Path) -> None:
    export = write(tmp_path / "products_export_1.csv", SHOPIFY_HEADER, shopify_rows(server.base))
    store = ImageStore(tmp_path / "photos")
    parsed = parse_shopify(export, store, "https://shop.example.com", currency="GBP")

    by_id = {r.external_id: (row, r) for row, r in parsed.records}
    assert sorted(by_id) == ["bud-vase", "linen-apron", "sage-bowl", "speckled-mug", "terracotta-planter"]
    assert parsed.rows == 9

    row, mug = by_id["speckled-mug"]
    assert row == 2
    assert mug.title == "Speckled stoneware mug"
    assert mug.link == "https://shop.example.com/products/speckled-mug"
    assert (mug.price_cents, mug.currency) == (3400, "GBP")  # the first variant's price
    assert mug.tags == ("mug", "stoneware", "handmade")
    assert mug.in_stock  # one variant has 4 left
    # HTML gone, entities decoded, script dropped, cut on a word boundary with an ellipsis
    assert mug.description.startswith(
        "Each mug is wheel-thrown in our studio & glazed in oatmeal speckle.\nHolds 350 ml"
    )
    assert "<" not in mug.description and "trackView" not in mug.description
    assert len(mug.description) <= 800 and mug.description.endswith("…")
    assert not mug.description[:-1].endswith(" ")
    assert "row 2: description shortened to 800 characters" in parsed.notes
    # three photos in Image Position order (front, side, top), downloaded into photos/<sha256>.jpg
    assert mug.image_paths is not None and len(mug.image_paths) == 3
    served_bytes = [(server.folder / f"mug-{n}.jpg").read_bytes() for n in ("front", "side", "top")]
    assert [Path(p).read_bytes() for p in mug.image_paths] == served_bytes
    for p in mug.image_paths:
        assert Path(p).parent == (tmp_path / "photos").resolve() and len(Path(p).stem) == 64

    assert not by_id["sage-bowl"][1].in_stock  # tracked, 0 left, policy deny
    assert by_id["bud-vase"][1].in_stock  # quantity not tracked
    assert by_id["bud-vase"][1].price_cents == 2600
    assert not by_id["linen-apron"][1].in_stock  # a draft is not for sale


def test_bad_rows_are_named_and_skipped(server: Served, tmp_path: Path) -> None:
    export = write(tmp_path / "export.csv", SHOPIFY_HEADER, shopify_rows(server.base))
    parsed = parse_shopify(export, ImageStore(tmp_path / "photos"), "https://shop.example.com")
    errors = [(e.row, e.field) for e in parsed.errors]
    assert errors == [(8, "Variant Price")]
    assert "not a price: 'thirty'" in parsed.errors[0].reason
    # A photo that 404s is a warning: the planter keeps its text, price, stock and the photo that worked.
    (note,) = [n for n in parsed.notes if n.startswith("row 10: Image Src: ")]
    assert f"{server.base}/missing.jpg" in note and "404" in note and note.endswith("imported without this photo")
    planter = {r.external_id: r for _, r in parsed.records}["terracotta-planter"]
    assert planter.image_paths is not None and len(planter.image_paths) == 1


def test_shop_url_pattern_and_missing_shop_url(server: Served, tmp_path: Path) -> None:
    export = write(tmp_path / "export.csv", SHOPIFY_HEADER, shopify_rows(server.base)[:3])
    parsed = parse_shopify(export, ImageStore(tmp_path / "photos"), "https://clay.example/shop/{handle}?ref=pin")
    assert parsed.records[0][1].link == "https://clay.example/shop/speckled-mug?ref=pin"
    with pytest.raises(InvalidInput, match="--shop-url"):
        parse_shopify(export, ImageStore(tmp_path / "photos"), "")


def test_not_a_shopify_file(tmp_path: Path) -> None:
    other = write(tmp_path / "pins.csv", ["board", "title", "image"], [["ceramics", "Mug", "mug.jpg"]])
    with pytest.raises(InvalidInput, match="row 1: Handle: column is missing"):
        parse_shopify(other, ImageStore(tmp_path / "photos"), "https://shop.example.com")


def test_lenient_header_and_no_status_column(tmp_path: Path) -> None:
    header = ["handle", "TITLE", "body_html", "Published", "variant price", "Variant Inventory Qty"]
    export = write(
        tmp_path / "export.csv",
        header,
        [
            ["a", "Alpha", "<p>x</p>", "TRUE", "10", "1"],
            ["b", "Beta", "", "FALSE", "10", "1"],
            ["c", "Gamma", "", "", "1", "0"],
        ],
    )
    parsed = parse_shopify(export, ImageStore(tmp_path / "photos"), "https://shop.example.com")
    stock = {r.external_id: r.in_stock for _, r in parsed.records}
    assert stock == {"a": True, "b": False, "c": False}  # unpublished; no tracker column: 0 means sold out
