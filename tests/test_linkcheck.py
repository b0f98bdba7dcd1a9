"""The link checker against a local web server: 200, 404, 410, redirects, HEAD refused, sold-out and
error pages; and the poster holding back a pin whose link is dead."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from pinbot.advocates.deadlinks import PreflightGate, page_url, weekly_check
from pinbot.clock import FakeClock
from pinbot.links import tagged_link
from pinbot.store.models import LinkCheck, Pin, PinMetricDaily, PinStatus, Product
from pinbot.web.linkcheck import LinkChecker
from pinbot.web.pages import error_page, sold_out_marker
from tests.local_servers import Route, WebServer

SHOPIFY_SOLD_OUT = """<html><head><title>Speckled mug – Clay Corner</title>
<script src="//cdn.shopify.com/s/files/1/theme.js"></script>
<script type="application/ld+json">{"@context": "http://schema.org/", "@type": "Product", "name": "Speckled mug",
 "offers": [{"@type": "Offer", "availability": "http://schema.org/OutOfStock", "price": "38.00"}]}</script></head>
<body><form method="post" action="/cart/add"><button type="submit" name="add" class="product-form__submit button"
 disabled><span>Sold out</span></button></form></body></html>"""
SHOPIFY_BUTTON_ONLY = """<html><head><title>Bowl</title></head><body>
<button id="ProductSubmitButton" type="submit" name="add" class="product-form__submit" disabled>
  <span>Sold out</span>
  <div class="loading-overlay__spinner hidden"></div></button></body></html>"""
ETSY_SOLD_OUT = """<html><head><title>Handmade stoneware vase - Etsy</title></head><body>
<div class="wt-alert"><p>Sorry, this item is sold out</p></div></body></html>"""
IN_STOCK_SIZES = """<html><head><title>Planter</title><script type="application/ld+json">{"offers": [
{"availability": "https://schema.org/OutOfStock", "name": "Large"},
{"availability": "https://schema.org/InStock", "name": "Small"}]}</script></head><body>Add to cart</body></html>"""
SOFT_404 = "<html><head><title>Page not found | Clay Corner</title></head><body>Sorry!</body></html>"
OG_SOLD_OUT = '<html><head><meta property="og:availability" content="out of stock"></head></html>'


@pytest.fixture(scope="module")
def web() -> Iterator[WebServer]:
    with WebServer() as server:
        server.routes.update(
            {
                "/products/mug": Route(200, "<title>Speckled mug</title>In stock"),
                "/products/gone": Route(410, "<title>Gone</title>"),
                "/products/sold": Route(200, SHOPIFY_SOLD_OUT),
                "/products/sold-button": Route(200, SHOPIFY_BUTTON_ONLY),
                "/listing/123/vase": Route(200, ETSY_SOLD_OUT),
                "/products/planter": Route(200, IN_STOCK_SIZES),
                "/products/oops": Route(200, SOFT_404),
                "/products/og": Route(200, OG_SOLD_OUT),
                "/old-mug": Route(301, headers={"Location": "/products/mug?{query}"}),
                "/strip": Route(302, headers={"Location": "/products/mug"}),
                "/no-head": Route(200, "<title>Mug</title>", head_status=405),
                "/broken-server": Route(503, "<title>Maintenance</title>"),
            }
        )
        yield server


def test_statuses_and_pages(web: WebServer) -> None:
    check = LinkChecker(timeout=5).check
    assert check(web.url + "/products/mug").verdict == "ok"
    missing = check(web.url + "/products/nope")
    assert missing.verdict == "broken" and missing.status == 404 and "not found (404)" in missing.reason
    gone = check(web.url + "/products/gone")
    assert gone.verdict == "broken" and "gone (410)" in gone.reason
    assert check(web.url + "/broken-server").verdict == "broken"
    sold = check(web.url + "/products/sold")
    assert sold.verdict == "sold_out" and sold.dead and "out of stock" in sold.reason
    assert check(web.url + "/products/sold-button").verdict == "sold_out"
    etsy = check(web.url + "/listing/123/vase")
    assert etsy.verdict == "sold_out" and "sold out" in etsy.reason
    assert check(web.url + "/products/og").verdict == "sold_out"
    assert check(web.url + "/products/planter").verdict == "ok"  # one size sold out is not the product
    soft = check(web.url + "/products/oops")
    assert soft.verdict == "broken" and "Page not found" in soft.reason
    # the product's own stock flag wins over a page that still looks fine
    assert check(web.url + "/products/mug", in_stock=False).verdict == "sold_out"


def test_redirects_are_followed_and_the_marker_and_utm_kept(web: WebServer) -> None:
    link = tagged_link(web.url + "/old-mug", marker="pb-" + "a" * 32, campaign="mugs", design="photo-band")
    moved = LinkChecker(timeout=5).check(link)
    assert moved.verdict == "ok" and moved.utm_kept and moved.final_url.startswith(web.url + "/products/mug?")
    assert "utm_content=pb-" + "a" * 32 in moved.final_url
    methods = [(r.method, r.path.split("?")[0]) for r in web.requests if "/old-mug" in r.path or "pb-a" in r.path]
    assert ("HEAD", "/old-mug") in methods  # HEAD first, the sent link carried marker and UTM
    stripped = LinkChecker(timeout=5).check(tagged_link(web.url + "/strip", marker="pb-" + "b" * 32, campaign="c"))
    assert stripped.verdict == "ok" and not stripped.utm_kept and "drops the UTM tags" in stripped.reason


def test_head_refused_falls_back_to_get(web: WebServer) -> None:
    before = len(web.requests)
    verdict = LinkChecker(timeout=5).check(web.url + "/no-head", product_page=False)
    assert verdict.verdict == "ok"
    assert [r.method for r in web.requests[before:]] == ["HEAD", "GET"]


def test_unreachable_site_is_broken_and_a_bad_scheme_too() -> None:
    assert LinkChecker(timeout=2).check("http://127.0.0.1:9/x").verdict == "broken"
    assert LinkChecker().check("ftp://shop.example/x").verdict == "broken"


def test_page_markers_directly() -> None:
    assert sold_out_marker(SHOPIFY_SOLD_OUT) and sold_out_marker(ETSY_SOLD_OUT) and sold_out_marker(OG_SOLD_OUT)
    assert sold_out_marker(IN_STOCK_SIZES) is None and sold_out_marker("<title>Mug</title>") is None
    assert error_page(SOFT_404) and error_page("<title>Speckled mug</title>") is None


def _pin(engine, account_id: int, board_id: int, link: str, product_id: int | None = None, **kw) -> Pin:  # type: ignore[no-untyped-def]
    from pinbot.store.db import session_scope

    pin = Pin(account_id=account_id, board_id=board_id, title="Mug", link=link, product_id=product_id, **kw)
    with session_scope(engine) as session:
        session.add(pin)
        session.flush()
        session.refresh(pin)
        session.expunge(pin)
    return pin


def test_gate_holds_a_dead_link_and_reuses_its_verdict(web: WebServer, engine, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    from pinbot.store.db import get_or_create_account, session_scope
    from pinbot.store.models import Board

    with session_scope(engine) as session:
        account = get_or_create_account(session, "default")
        board = Board(account_id=account.id, key="mugs", name="Mugs")
        session.add(board)
        session.flush()
        ids = (account.id, board.id)
    gate = PreflightGate(engine, ids[0], clock, LinkChecker(timeout=5).check)
    pin = _pin(engine, *ids, web.url + "/products/gone", due_at=clock.now())
    reason = gate(pin, None, web.url + "/products/gone?utm_content=pb-x")
    assert reason and "gone (410)" in reason
    assert len(gate.found) == 1 and gate.found[0].alert
    requests = len(web.requests)
    assert gate(pin, None, web.url + "/products/gone?utm_content=pb-y") == reason  # reused: no new request
    assert len(web.requests) == requests
    assert len(gate.found) == 1  # the owner is told once
    assert gate(pin, None, web.url + "/products/mug") is None


def test_weekly_check_reports_dead_links_with_the_pins_and_clicks_they_waste(  # type: ignore[no-untyped-def]
    web: WebServer, engine, clock: FakeClock
) -> None:
    from pinbot.store.db import get_or_create_account, session_scope
    from pinbot.store.models import Board

    with session_scope(engine) as session:
        account = get_or_create_account(session, "default")
        board = Board(account_id=account.id, key="mugs", name="Mugs")
        product = Product(
            account_id=account.id, external_id="m1", title="Mug", link=web.url + "/products/mug", in_stock=False
        )
        session.add_all([board, product])
        session.flush()
        ids = (account.id, board.id, product.id)
    posted = {"status": PinStatus.posted, "due_at": clock.now(), "posted_at": clock.now(), "pinterest_pin_id": "1"}
    pins = [
        _pin(engine, ids[0], ids[1], web.url + "/listing/123/vase?utm_content=pb-1", **posted),
        _pin(engine, ids[0], ids[1], web.url + "/listing/123/vase?utm_content=pb-2", **posted),
        _pin(engine, ids[0], ids[1], web.url + "/products/mug?utm_content=pb-3", product_id=ids[2], **posted),
        _pin(engine, ids[0], ids[1], web.url + "/products/planter?utm_content=pb-4", **posted),
    ]
    with session_scope(engine) as session:
        for n, pin in enumerate(pins):
            session.add(PinMetricDaily(pin_id=pin.id, day=clock.now().date(), impressions=100, outbound_clicks=n + 2))
    dead = weekly_check(engine, ids[0], clock.now(), LinkChecker(timeout=5).check)
    assert [(d.url, d.verdict, len(d.pins), d.clicks) for d in dead] == [
        (page_url(web.url + "/listing/123/vase"), "sold_out", 2, 5),
        (page_url(web.url + "/products/mug"), "sold_out", 1, 4),
    ]
    assert "2 pin(s) lead there; 5 visitors clicked through" in dead[0].line()
    with session_scope(engine) as session:
        assert len(session.exec(select(LinkCheck)).all()) == 3


def test_the_poster_does_not_post_to_a_dead_link(web: WebServer, engine, clock: FakeClock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.scheduler_support import make_shop

    shop = make_shop(engine, clock, tmp_path)
    (dead,) = shop.add(1, link=web.url + "/products/gone")
    gate = PreflightGate(engine, shop.account_id, clock, LinkChecker(timeout=5).check)
    result = shop.poster(link_gate=gate).post_next(clock.now())
    assert result is not None and result.outcome == "deferred"
    held = shop.pin(dead)
    assert held.status == PinStatus.queued and held.due_at > clock.now()
    assert "not posted: the link is broken: the page is gone (410)" in (held.last_error or "")
    assert shop.api.create_calls == 0
    sent = [r for r in web.requests if r.path.startswith("/products/gone?")]
    assert sent and "utm_content=" + held.marker in sent[-1].path  # checked as it would be posted
    (good,) = shop.add(1, link=web.url + "/products/mug?i={i}", prefix="good")
    assert shop.poster(link_gate=gate).post_next(clock.now()).outcome == "posted"  # type: ignore[union-attr]
    assert shop.pin(good).status == PinStatus.posted
