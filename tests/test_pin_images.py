"""The one mapping from a queue item to what is rendered, shared by the poster and `pinbot render`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pinbot.links import site_of
from pinbot.posting.images import price_label, render_request_for, subtitle_from
from pinbot.shop.boards import BoardDef
from pinbot.store.models import Pin, Product


def pin(**over: object) -> Pin:
    fields: dict[str, object] = {
        "id": 7,
        "account_id": 1,
        "board_id": 1,
        "title": "Speckled mug",
        "description": "Wheel-thrown stoneware. Dishwasher safe.",
        "link": "https://www.shop.example.com/mug",
        "due_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    fields.update(over)
    return Pin(**fields)


def test_subtitle_is_the_first_short_sentence() -> None:
    assert subtitle_from("Wheel-thrown stoneware. Dishwasher safe.") == "Wheel-thrown stoneware."
    assert subtitle_from("  Hand   made!  Really. ") == "Hand made!"
    assert subtitle_from("x" * 120) == ""
    assert subtitle_from("") == ""


def test_prices() -> None:
    assert price_label(2400, "usd") == "$24"
    assert price_label(1250, "EUR") == "€12.50"
    assert price_label(35000, "JPY") == "350 JPY"
    assert price_label(None, "GBP") == ""


def test_request_takes_template_from_pin_then_board(tmp_path: Path) -> None:
    board = BoardDef("ceramics", "Ceramics", default_template="split-block")
    product = Product(
        account_id=1,
        external_id="mug",
        title="Mug",
        price_cents=3400,
        currency="GBP",
        image_paths=[str(tmp_path / "a.jpg"), str(tmp_path / "b.jpg")],
    )
    from_board = render_request_for(pin(), board, product)
    assert from_board is not None
    assert (from_board.template, from_board.subtitle, from_board.price, from_board.site_name) == (
        "split-block",
        "Wheel-thrown stoneware.",
        "£34",
        "shop.example.com",
    )
    assert from_board.photos == (tmp_path / "a.jpg", tmp_path / "b.jpg")
    own = render_request_for(pin(template="collage", image_path=str(tmp_path / "c.jpg")), board, product)
    assert own is not None and own.template == "collage" and own.photos == (tmp_path / "c.jpg",)
    assert render_request_for(pin(), BoardDef("x", "X"), None) is None  # posted as its photo


def test_a_marketplace_listing_is_signed_with_the_shops_name_not_the_marketplaces() -> None:
    board = BoardDef("ceramics", "Ceramics", default_template="split-block")
    etsy = render_request_for(pin(link="https://www.etsy.com/listing/1570352351/saggar-vase"), board, None)
    amazon = render_request_for(pin(link="https://www.amazon.co.uk/dp/B0C1234567"), board, None)
    own = render_request_for(pin(link="https://fernandkiln.com/products/vase"), board, None)
    assert etsy is not None and amazon is not None and own is not None
    # "" lets the design fall back to the brand kit's shop name (the eyebrow), not "ETSY.COM"
    assert (etsy.site_name, amazon.site_name, own.site_name) == ("", "", "fernandkiln.com")
    assert (
        site_of("https://sabaceramics.etsy.com") == "" and site_of("https://etsy-fans.example") == "etsy-fans.example"
    )
