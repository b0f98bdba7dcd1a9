"""`pinbot products ...` and `pinbot queue add --product` through the real CLI, asserting on rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from pinbot.store import db
from pinbot.store.models import Experiment, ExperimentVariant, Pin, PinStatus, Product
from tests.conftest import Cli
from tests.helpers import make_photo
from tests.photo_server import Served, serve
from tests.product_fixtures import ETSY_HEADER, SHOPIFY_HEADER, etsy_rows, make_photos, rss_feed, shopify_rows, write


def rows(cli: Cli, model: type[Pin] | type[Product]) -> list:  # type: ignore[type-arg]
    engine = db.make_engine(cli.env["PINBOT_DATABASE_URL"])
    with Session(engine) as session:
        found = list(session.exec(select(model).order_by(col(model.id))).all())
    engine.dispose()
    return found


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Served]:
    make_photos(tmp_path / "cdn")
    with serve(tmp_path / "cdn") as served:
        yield served


def no_traceback(*outputs: str) -> None:
    for out in outputs:
        assert "Traceback" not in out


def test_add_then_queue_the_product_on_several_boards(initialised_cli: Cli, tmp_path: Path) -> None:
    cli = initialised_cli
    photo = make_photo(tmp_path / "mug.jpg")
    args = ["products", "add", "--title", "Speckled stoneware mug", "--link", "https://shop.example.com/mug"]
    added = cli.ok(*args, "--image", str(photo), "--price", "34.00", "--currency", "gbp", "--tags", "mug, clay")
    (product,) = rows(cli, Product)
    assert added.stdout.strip() == str(product.id)
    assert (product.source, product.external_id, product.price_cents, product.currency) == (
        "manual",
        "speckled-stoneware-mug",
        3400,
        "GBP",
    )
    assert product.image_paths == [str(photo.resolve())] and product.tags == ["mug", "clay"]

    queued = cli.ok("queue", "add", "--product", "speckled-stoneware-mug", "--boards", "ceramics,handmade-jewelry")
    pins = rows(cli, Pin)
    assert queued.stdout.split() == [str(p.id) for p in pins] and len(pins) == 2
    by_board = {p.board_id: p for p in pins}
    assert {p.product_id for p in pins} == {product.id}
    assert {p.template for p in pins} == {"split-block", "photo-band"}  # each board's default
    for pin in pins:
        assert (pin.title, pin.link, pin.image_path) == (
            "Speckled stoneware mug",
            "https://shop.example.com/mug",
            str(photo.resolve()),
        )
    first, second = sorted(by_board.values(), key=lambda p: p.due_at)
    assert second.due_at - first.due_at >= timedelta(days=7)  # one product's boards are spread out

    # the same command again adds nothing; an explicit title overrides the product's
    again = cli.ok("queue", "add", "--product", str(product.id), "--boards", "ceramics,handmade-jewelry")
    assert "already queued" in again.stderr and len(rows(cli, Pin)) == 2
    cli.ok("queue", "add", "--product", str(product.id), "--board", "diy-craft-tutorials", "--title", "Mug of the week")
    pin = rows(cli, Pin)[-1]
    assert (pin.title, pin.product_id, pin.template) == ("Mug of the week", product.id, "text-forward")


def test_sold_out_cancels_queued_pins_and_refuses_new_ones(initialised_cli: Cli, tmp_path: Path) -> None:
    cli = initialised_cli
    photo = str(make_photo(tmp_path / "hoops.jpg"))
    base = [
        "products",
        "add",
        "--title",
        "Silver hoops",
        "--link",
        "https://shop.example.com/hoops",
        "--image",
        photo,
        "--key",
        "HOOP-1",
    ]
    cli.ok(*base)
    cli.ok("queue", "add", "--product", "HOOP-1", "--boards", "handmade-jewelry,ceramics")
    sold = cli.ok(*base, "--out-of-stock")
    assert "sold out: Silver hoops" in sold.stderr and "2 queued pins cancelled" in sold.stderr
    pins = rows(cli, Pin)
    assert {(p.status, p.last_error) for p in pins} == {(PinStatus.cancelled, "sold out: Silver hoops")}

    refused = cli("queue", "add", "--product", "HOOP-1", "--board", "ceramics")
    assert refused.exit_code == 4 and "out of stock; nothing queued" in refused.stderr
    assert len(rows(cli, Pin)) == 2
    back = cli.ok("products", "stock", "HOOP-1", "--in")
    assert "nothing was re-queued" in back.stderr
    assert {p.status for p in rows(cli, Pin)} == {PinStatus.cancelled}
    no_traceback(refused.output, back.output)


def test_import_shopify_export(initialised_cli: Cli, server: Served, tmp_path: Path) -> None:
    cli = initialised_cli
    export = write(tmp_path / "products_export.csv", SHOPIFY_HEADER, shopify_rows(server.base))
    result = cli("products", "import", str(export), "--shop-url", "shop.example.com", "--currency", "GBP", "--json")
    assert result.exit_code == 2
    summary = json.loads(result.stdout)
    assert (summary["format"], summary["rows"], summary["created"], summary["updated"]) == ("shopify", 9, 5, 0)
    assert [(e["row"], e["column"]) for e in summary["errors"]] == [(8, "Variant Price")]
    assert any("missing.jpg" in n and "imported without this photo" in n for n in summary["notes"])
    assert "1 invalid row; the other rows were imported" in result.stderr
    products = {p.external_id: p for p in rows(cli, Product)}
    assert sorted(products) == ["bud-vase", "linen-apron", "sage-bowl", "speckled-mug", "terracotta-planter"]
    mug = products["speckled-mug"]
    assert (mug.source, mug.link, mug.price_cents, mug.currency) == (
        "shopify",
        "https://shop.example.com/products/speckled-mug",
        3400,
        "GBP",
    )
    assert len(mug.image_paths) == 3 and all(Path(p).is_file() for p in mug.image_paths)
    assert Path(mug.image_paths[0]).parent == (Path(cli.env["PINBOT_DATA_DIR"]) / "photos").resolve()

    # the same file again: nothing new, nothing downloaded again
    requests = len(server.paths)
    again = cli("products", "import", str(export), "--shop-url", "https://shop.example.com", "--currency", "GBP")
    assert "0 products added, 0 updated, 5 unchanged, 1 invalid row of 9" in again.stdout
    assert len(rows(cli, Product)) == 5
    assert [p for p in server.paths[requests:] if not p.endswith("missing.jpg")] == []
    assert "export.csv: row 8: Variant Price: not a price: 'thirty'" in again.stderr
    # --no-download: no photo fetched, and the products keep the photos they have
    requests = len(server.paths)
    kept = cli(
        "products",
        "import",
        str(export),
        "--no-download",
        "--shop-url",
        "https://shop.example.com",
        "--currency",
        "GBP",
    )
    assert "5 unchanged" in kept.stdout and len(server.paths) == requests
    assert {p.external_id: p.image_paths for p in rows(cli, Product)}["speckled-mug"] == mug.image_paths
    no_traceback(result.output, again.output)


def test_strict_import_writes_nothing(initialised_cli: Cli, server: Served, tmp_path: Path) -> None:
    export = write(tmp_path / "listings.csv", ETSY_HEADER, etsy_rows(server.base))
    result = initialised_cli(
        "products", "import", str(export), "--shop-url", "https://www.etsy.com/shop/Clay", "--strict"
    )
    assert result.exit_code == 2 and "nothing imported (--strict)" in result.stderr
    assert rows(initialised_cli, Product) == []


def test_import_etsy_auto_detected(initialised_cli: Cli, server: Served, tmp_path: Path) -> None:
    export = write(tmp_path / "listings.csv", ETSY_HEADER, etsy_rows(server.base)[:2])
    result = initialised_cli.ok(
        "products", "import", str(export), "--json", PINBOT_SHOP_URL="https://www.etsy.com/shop/Clay"
    )
    assert json.loads(result.stdout)["format"] == "etsy"
    products = rows(initialised_cli, Product)
    assert [(p.source, p.in_stock) for p in products] == [("etsy", True), ("etsy", False)]
    assert {p.link for p in products} == {"https://www.etsy.com/shop/Clay"}
    in_stock = json.loads(initialised_cli.ok("products", "list", "--in-stock", "--json").stdout)
    assert [p["id"] for p in in_stock] == [products[0].id]


def test_import_errors_are_one_line(initialised_cli: Cli, server: Served, tmp_path: Path) -> None:
    cli = initialised_cli
    export = write(tmp_path / "products.csv", SHOPIFY_HEADER, shopify_rows(server.base)[:1])
    no_url = cli("products", "import", str(export))
    assert no_url.exit_code == 2 and "--shop-url" in no_url.stderr and len(no_url.stderr.strip().splitlines()) == 1
    pins_csv = write(tmp_path / "pins.csv", ["board", "title", "image"], [["ceramics", "Mug", "mug.jpg"]])
    unknown = cli("products", "import", str(pins_csv))
    assert unknown.exit_code == 2 and "pinbot queue import" in unknown.stderr
    missing = cli("products", "import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    bad_url = cli("products", "import", str(export), PINBOT_SHOP_URL="shop.example.com")
    assert bad_url.exit_code == 2 and "PINBOT_SHOP_URL" in bad_url.stderr
    not_found = cli("products", "show", "teapot")
    assert not_found.exit_code == 3 and "no product 'teapot'" in not_found.stderr
    no_title = cli("queue", "add", "--board", "ceramics", "--image", "x.jpg")
    assert no_title.exit_code == 2 and "title: is required (or give --product" in no_title.stderr
    no_traceback(no_url.output, unknown.output, missing.output, bad_url.output, not_found.output, no_title.output)
    assert rows(cli, Product) == []


def test_import_feed_then_list_and_show(initialised_cli: Cli, server: Served) -> None:
    cli = initialised_cli
    (server.folder / "feed.xml").write_text(rss_feed(server.base))
    result = cli("products", "import-feed", server.url("feed.xml"))
    assert result.exit_code == 2  # item 4 has no link
    assert "item 4: link: is required" in result.stderr and "4 products added" in result.stdout
    assert "item 5: no photo found" in result.stderr
    listed = json.loads(cli.ok("products", "list", "--json").stdout)
    assert [p["external_id"] for p in listed][:2] == ["post-101", f"{server.base}/blog/open-day"]
    assert {p["source"] for p in listed} == {"feed"}
    shown = json.loads(cli.ok("products", "show", "post-101", "--json").stdout)
    assert shown["title"] == "How to glaze pottery at home" and shown["pin_list"] == []
    text = cli.ok("products", "show", "post-101").stdout  # in words, not the JSON's field names
    assert "key          post-101 (from feed)" in text and "stock        in stock" in text
    assert "external_id" not in text and "in_stock" not in text and "True" not in text
    words_only = cli.ok("products", "show", f"{server.base}/blog/words-only").stdout
    # the fix that lasts: a photo on the product (its key is the post's address: named by id)
    assert "photos none: a pin of it needs one (`pinbot products photo 4 --image PHOTO`)" in " ".join(
        words_only.split()
    )
    cli.ok("queue", "add", "--product", "post-101", "--board", "diy-craft-tutorials")
    shown = json.loads(cli.ok("products", "show", str(shown["id"]), "--json").stdout)
    assert shown["pins"] == {"queued": 1} and shown["pin_list"][0]["board"] == "diy-craft-tutorials"
    # an item without a photo can be queued only with --image
    no_photo = cli("queue", "add", "--product", f"{server.base}/blog/words-only", "--board", "diy-craft-tutorials")
    assert no_photo.exit_code == 2
    # a feed post's key is its address: the fix names it by id
    assert "has no photo: add one with `pinbot products photo 4 --image PHOTO`" in no_photo.stderr, no_photo.stderr
    table = cli.ok("products", "list").stdout  # 80 columns: the title whole before the key
    assert "How to glaze pottery at home" in table and "in stock" in table and "post-101" not in table
    assert "post-101" in cli.ok("products", "list", COLUMNS="120").stdout  # room for the key


def test_queue_add_product_uses_the_winning_design(initialised_cli: Cli, tmp_path: Path) -> None:
    cli = initialised_cli
    photo = str(make_photo(tmp_path / "bowl.jpg"))
    cli.ok(
        "products",
        "add",
        "--title",
        "Sage bowl",
        "--link",
        "https://shop.example.com/bowl",
        "--image",
        photo,
        "--key",
        "BOWL",
    )
    cli.ok("queue", "add", "--product", "BOWL", "--board", "handmade-jewelry", "--template", "split-block")
    engine = db.make_engine(cli.env["PINBOT_DATABASE_URL"])
    with db.session_scope(engine) as session:
        (pin,) = session.exec(select(Pin)).all()
        exp = Experiment(account_id=pin.account_id, name="bands", status="finished", auto_apply=True)
        session.add(exp)
        session.flush()
        assert exp.id is not None
        winner = ExperimentVariant(
            experiment_id=exp.id, key="A", template="photo-band", design={"id": "photo-band.brand.subject"}
        )
        session.add(winner)
        session.flush()
        exp.winner_variant_id = winner.id
        exp.finished_at = exp.created_at
        pin.experiment_variant_id = winner.id
        session.add_all([exp, pin])
    engine.dispose()
    cli.ok("queue", "add", "--product", "BOWL", "--boards", "ceramics,diy-craft-tutorials")
    new = rows(cli, Pin)[1:]
    # the winner beats each board's default template (split-block, text-forward)
    assert [(p.template, p.variant_key) for p in new] == [("photo-band", "photo-band.brand.subject")] * 2
