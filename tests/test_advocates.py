"""The surge rule on its own, acting on a surge (boost), and the weekly digest through a real webhook."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from pinbot.advocates import detect
from pinbot.advocates.boost import boost
from pinbot.advocates.job import DemandJobs
from pinbot.clock import FakeClock
from pinbot.config import Settings
from pinbot.errors import StateConflict
from pinbot.shop.products import ProductService
from pinbot.store.db import session_scope
from pinbot.store.models import Pin, PinStatus, Product, ReachDaily, Surge
from pinbot.web.linkcheck import LinkVerdict
from tests.local_servers import Route, WebServer
from tests.scheduler_support import make_shop

D = detect.Day


def days(history: list[float], recent: list[float]) -> list[detect.Day]:
    return [D(value=v) for v in history + recent]


def test_a_pin_well_above_its_own_past_and_the_typical_pin_surges() -> None:
    verdict = detect.judge("saves", days([1, 2, 1, 0, 1, 2, 1], [9, 14]), typical_daily=1.0)
    assert verdict is not None and verdict.recent == 23 and verdict.baseline == pytest.approx(8 / 7)
    assert "23 saves in the last 2 days" in verdict.why()


@pytest.mark.parametrize(
    ("history", "recent", "typical", "why"),
    [
        ([0, 0, 0, 0, 0, 0, 0], [3, 4], 0.1, "below the minimum: noise on tiny numbers"),
        ([6, 5, 7, 6, 5, 6, 7], [15, 16], 0.5, "not far enough above its own usual"),
        ([0, 1, 0, 1, 0, 1, 0], [12, 14], 5.0, "what a typical pin of that age does"),
        ([1, 0, 1], [20, 20], 0.5, "too little history to judge"),
    ],
)
def test_no_surge(history: list[float], recent: list[float], typical: float, why: str) -> None:
    assert detect.judge("saves", days(history, recent), typical) is None, why


def test_bounds_err_on_the_side_of_silence() -> None:
    # Missing from a full top list: counted as the list's smallest value in the past...
    history = [D(bound=5)] * 7
    assert detect.judge("saves", [*history, D(value=20), D(value=20)], 0.5) is None
    # ...and as nothing in the recent days.
    quiet = [D(value=0)] * 7
    assert detect.judge("saves", [*quiet, D(bound=50), D(bound=50)], 0.1) is None
    assert detect.judge("outbound_clicks", [*quiet, D(value=3), D(value=3)], 0.1) is not None


def _product(engine: Engine, account_id: int, photo: Path, **kw: object) -> int:
    with session_scope(engine) as session:
        product = Product(
            account_id=account_id,
            external_id=str(kw.get("external_id", "mug-1")),
            title="Speckled mug",
            link="https://shop.example/products/mug",
            image_paths=[str(photo)],
            in_stock=bool(kw.get("in_stock", True)),
        )
        session.add(product)
        session.flush()
        assert product.id is not None
        return product.id


def test_boost_queues_the_product_to_the_boards_it_is_not_on_with_fresh_designs(
    engine: Engine, clock: FakeClock, tmp_path: Path
) -> None:
    shop = make_shop(engine, clock, tmp_path)
    product_id = _product(engine, shop.account_id, shop.photo)
    queue = shop.queue()
    products = ProductService(engine, shop.account_id, clock)
    ok = LinkVerdict("x", "ok", 200)
    first = boost(
        queue,
        products,
        None,
        str(product_id),
        ["photo-band", "collage"],
        tmp_path,
        lambda *a, **k: ok,
        clock.now(),
        boards=["mugs"],
    )
    assert first.queued and first.boards == [("mugs", "photo-band")]
    surge = Surge(
        account_id=shop.account_id,
        pinterest_pin_id="1",
        source="earned",
        metric="saves",
        started_on=clock.now().date(),
        detected_on=clock.now().date(),
        last_seen_on=clock.now().date(),
    )
    with session_scope(engine) as session:
        session.add(surge)
        session.flush()
        session.refresh(surge)
        session.expunge(surge)
    plan = boost(
        queue, products, surge, str(product_id), ["photo-band", "collage"], tmp_path, lambda *a, **k: ok, clock.now()
    )
    assert {b for b, _ in plan.boards} == {"jewelry", "untagged", "unsynced"}  # not mugs again
    assert {t for _, t in plan.boards} == {"collage"}  # a design the product has not worn
    with session_scope(engine) as session:
        pins = session.exec(select(Pin).where(Pin.product_id == product_id)).all()
        acted = session.get(Surge, surge.id)
    assert len(pins) == 4 and all(p.status == PinStatus.queued for p in pins)
    assert acted is not None and acted.acted_at is not None and "queued 3 pin(s)" in acted.action
    sold = _product(engine, shop.account_id, shop.photo, external_id="vase", in_stock=False)
    with pytest.raises(StateConflict, match="SOLD OUT"):
        boost(queue, products, None, str(sold), ["collage"], tmp_path, lambda *a, **k: ok, clock.now())
    dead = LinkVerdict("x", "broken", 404, "the page is not found (404)")
    with pytest.raises(StateConflict, match="not found"):
        boost(queue, products, None, str(product_id), ["collage"], tmp_path, lambda *a, **k: dead, clock.now())


def test_weekly_digest_goes_out_once_at_the_owners_hour(engine: Engine, tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 3, 9, 6, 0, tzinfo=UTC))  # a Monday, 07:00 in Berlin
    shop = make_shop(engine, clock, tmp_path)
    with session_scope(engine) as session:
        for n in range(7):
            day = date(2026, 3, 2) + timedelta(days=n)
            session.add(ReachDaily(account_id=shop.account_id, day=day, source="earned", saves=30, outbound_clicks=4))
            session.add(ReachDaily(account_id=shop.account_id, day=day, source="owned", saves=10, outbound_clicks=2))
    with WebServer() as web:
        web.routes["/hook"] = Route(200, "ok")
        settings = Settings.from_mapping(
            {"PINBOT_WEBHOOK_URL": web.url + "/hook", "PINBOT_TIMEZONE": "Europe/Berlin", "PINBOT_DIGEST_HOUR": "8"}
        )
        jobs = DemandJobs(settings, engine, shop.account_id, shop.api, clock)  # type: ignore[arg-type]
        jobs.digest(clock.now())  # 07:00 local: not yet
        assert web.requests == []
        clock.advance(hours=1)
        jobs.digest(clock.now())
        jobs.digest(clock.now() + timedelta(minutes=10))  # same hour: not twice
        assert len(web.requests) == 1
        text = web.requests[0].json()["text"]
    assert "Pins other people made of your shop: 0 views, 210 saves, 28 visits" in text
    assert "Your own pins: 0 views, 70 saves, 14 visits" in text
    assert "Pins taking off this week: none" in text and "Dead links: none" in text


def test_earned_pull_says_what_it_fetched_in_words() -> None:
    """`earned pull` printed "15 calls, 0 account days, 7 top-pin rows over 15 lists"."""
    from pinbot.advocates.pull import PullResult

    said = PullResult(calls=15, reach_days=1, top_days=15, top_rows=7).message()
    assert said == (
        "earned reach: 1 day of your account's numbers and 7 top pins fetched (15 requests to Pinterest); "
        "`pinbot earned show` shows them"
    )


def test_boost_by_key_when_another_products_key_is_its_id(engine: Engine, clock: FakeClock, tmp_path: Path) -> None:
    """An Etsy shop's SKUs are small numbers like product ids: boosting the mug (product 1) next to a
    product whose SKU is "1" failed with "'1' names several products", though the owner typed neither."""
    shop = make_shop(engine, clock, tmp_path)
    mug = _product(engine, shop.account_id, shop.photo)
    other = _product(engine, shop.account_id, shop.photo, external_id=str(mug))
    queue = shop.queue()
    products = ProductService(engine, shop.account_id, clock)
    ok = LinkVerdict("x", "ok", 200)
    for ref in ("mug-1", mug):  # what the owner typed; the surge's product, by id
        plan = boost(queue, products, None, ref, ["collage"], tmp_path, lambda *a, **k: ok, clock.now(), ["mugs"])
        assert plan.boards == [("mugs", "collage")]
    with session_scope(engine) as session:
        pins = session.exec(select(Pin)).all()
    assert pins and {p.product_id for p in pins} == {mug} and other != mug
