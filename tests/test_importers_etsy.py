"""Etsy's listings export: SKU or a title hash as the id, links from --shop-url, photos from
IMAGE1..IMAGE10, QUANTITY 0 as sold out, and bad rows named by row and column."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pinbot.errors import InvalidInput
from pinbot.importers.etsy import parse_etsy
from pinbot.importers.images import ImageStore
from tests.photo_server import Served, serve
from tests.product_fixtures import ETSY_HEADER, etsy_rows, make_photos, write


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Served]:
    make_photos(tmp_path / "cdn")
    with serve(tmp_path / "cdn") as served:
        yield served


def test_listings_become_products(server: Served, tmp_path: Path) -> None:
    export = write(tmp_path / "EtsyListingsDownload.csv", ETSY_HEADER, etsy_rows(server.base))
    parsed = parse_etsy(export, ImageStore(tmp_path / "photos"), "https://clay.example/products/{sku}")
    assert parsed.rows == 5
    (row, hoops), (cuff_row, cuff) = parsed.records
    assert row == 2
    assert hoops.external_id == "HOOP-01"
    assert hoops.link == "https://clay.example/products/HOOP-01"
    assert (hoops.price_cents, hoops.currency, hoops.in_stock) == (4800, "USD", True)
    assert hoops.tags == ("earrings", "silver hoops", "minimalist", "sterling silver")
    assert hoops.description == "Lightweight hoops.\nMade to order in 3 days."
    assert hoops.image_paths is not None
    assert [Path(p).read_bytes() for p in hoops.image_paths] == [
        (server.folder / "hoops-1.jpg").read_bytes(),
        (server.folder / "hoops-2.jpg").read_bytes(),
    ]
    errors = [(e.row, e.field) for e in parsed.errors]
    assert errors == [(3, "SKU"), (4, "QUANTITY"), (6, "SKU")]
    # A photo that cannot be had is a warning: the listing's text, price and stock still count, and
    # it keeps the photos it has (None: nothing new to store).
    assert (cuff_row, cuff.external_id, cuff.image_paths) == (5, "CUFF-03", None)
    assert any(n.startswith("row 5: IMAGE1: ") and "imported without this photo" in n for n in parsed.notes)


def test_error_reasons(server: Served, tmp_path: Path) -> None:
    export = write(tmp_path / "listings.csv", ETSY_HEADER, etsy_rows(server.base))
    parsed = parse_etsy(export, ImageStore(tmp_path / "photos"), "https://www.etsy.com/shop/ClayAndCo")
    reasons = {e.row: str(e) for e in parsed.errors}
    assert sorted(reasons) == [4, 6]
    assert reasons[4] == "listings.csv: row 4: QUANTITY: not a whole number: 'lots'"
    (note,) = [n for n in parsed.notes if n.startswith("row 5:")]
    assert f"{server.base}/page.html" in note and "text/html, not an image" in note
    assert "SKU 'HOOP-01' repeats row 2" in reasons[6]
    # a plain shop URL: every listing links to the shop page
    assert {r.link for _, r in parsed.records} == {"https://www.etsy.com/shop/ClayAndCo"}
    assert len(parsed.records) == 3
    pendant = parsed.records[1][1]
    # no SKU: a stable hash of the title; QUANTITY 0: sold out
    assert pendant.external_id.startswith("title-") and not pendant.in_stock
    assert pendant.image_paths is not None and pendant.image_paths[0].endswith(".png")


def test_title_hash_is_stable_and_case_is_lenient(tmp_path: Path) -> None:
    photo = tmp_path / "p.jpg"
    from tests.helpers import make_photo

    make_photo(photo)
    header = [h.lower() for h in ETSY_HEADER]
    rows = [["Moonstone drop pendant", "x", "72", "usd", "1", "", "", str(photo)] + [""] * (len(header) - 8)]
    one = parse_etsy(write(tmp_path / "a.csv", header, rows), ImageStore(tmp_path / "photos"), "https://s.example")
    two = parse_etsy(write(tmp_path / "b.csv", header, rows), ImageStore(tmp_path / "photos"), "https://s.example")
    assert one.errors == [] and one.records[0][1].external_id == two.records[0][1].external_id
    assert one.records[0][1].currency == "USD" and one.records[0][1].image_paths == (str(photo.resolve()),)


def test_shop_url_required_without_link_columns(tmp_path: Path) -> None:
    export = write(tmp_path / "listings.csv", ETSY_HEADER, etsy_rows("http://127.0.0.1:9")[:1])
    with pytest.raises(InvalidInput, match="Etsy's export has no listing links"):
        parse_etsy(export, ImageStore(tmp_path / "photos"), "")


def test_listing_id_column_links_to_etsy(tmp_path: Path) -> None:
    header = ["Title", "Price", "Quantity", "Listing ID"]
    export = write(tmp_path / "l.csv", header, [["Copper cuff", "40", "2", "1234567890"]])
    parsed = parse_etsy(export, ImageStore(tmp_path / "photos", download=False), "")
    assert parsed.records[0][1].link == "https://www.etsy.com/listing/1234567890"
