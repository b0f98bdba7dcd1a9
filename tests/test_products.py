"""The product service: idempotent upsert, lookups, and what selling out does to the queue."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from pinbot.clock import FakeClock
from pinbot.demo.shop import BOARDS as SAMPLE_BOARDS
from pinbot.errors import InvalidInput, NotFound
from pinbot.queue.service import PinRequest, QueueService
from pinbot.shop.boards import load_boards
from pinbot.shop.products import ProductRecord, ProductService
from pinbot.store import db
from pinbot.store.models import Pin, PinStatus, Product
from tests.helpers import make_photo

REPO = Path(__file__).resolve().parent.parent
MUG = ProductRecord(
    source="shopify",
    external_id="speckled-mug",
    title="Speckled stoneware mug",
    description="Holds 350 ml.",
    link="https://shop.example.com/products/speckled-mug",
    price_cents=3400,
    currency="GBP",
    image_paths=("/photos/a.jpg",),
    tags=("mug",),
)


@pytest.fixture
def service(engine: Engine, clock: FakeClock) -> ProductService:
    with db.session_scope(engine) as session:
        account = db.get_or_create_account(session, "default")
        assert account.id is not None
        return ProductService(engine, account.id, clock)


def count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Product)).one())


def test_upsert_is_idempotent(service: ProductService, engine: Engine, clock: FakeClock) -> None:
    first = service.upsert([MUG])
    assert len(first.created) == 1 and first.updated == [] and count(engine) == 1
    again = service.upsert([MUG])
    assert again.ids == first.ids and again.unchanged == first.ids and again.created == [] and count(engine) == 1
    clock.advance(60)
    changed = service.upsert([replace(MUG, description="Now 400 ml.", price_cents=3600)])
    assert changed.updated == first.ids and count(engine) == 1
    product = service.get("speckled-mug")
    assert (product.description, product.price_cents) == ("Now 400 ml.", 3600)
    assert product.updated_at > product.created_at
    # image_paths=None (downloads off) keeps the stored photos
    service.upsert([replace(MUG, description="Now 400 ml.", price_cents=3600, image_paths=None)])
    assert service.get("speckled-mug").image_paths == ["/photos/a.jpg"]
    # the same key from another source is another product
    service.upsert([replace(MUG, source="etsy")])
    assert count(engine) == 2


def test_lookups(service: ProductService) -> None:
    ids = service.upsert([MUG, replace(MUG, source="etsy"), replace(MUG, external_id="42", title="Bowl")]).ids
    assert service.get(str(ids[0])).id == ids[0]
    assert service.get("shopify:speckled-mug").id == ids[0]
    assert service.get("etsy:speckled-mug").id == ids[1]
    with pytest.raises(InvalidInput, match="names several products"):
        service.get("speckled-mug")
    with pytest.raises(NotFound, match="no product 'teapot'"):
        service.get("teapot")
    # digits are an id first, then an external id
    assert 42 not in ids and service.get("42").id == ids[2]


def _queue(engine: Engine, account_id: int, clock: FakeClock, product_id: int, tmp_path: Path, n: int) -> list[int]:
    boards = tmp_path / "boards"
    boards.mkdir(exist_ok=True)
    (boards / "ceramics.toml").write_text(SAMPLE_BOARDS["ceramics"])
    queue = QueueService(engine, account_id, load_boards(boards), clock)
    photo = str(make_photo(tmp_path / f"p{product_id}.jpg"))
    reqs = [
        PinRequest(
            boards=("ceramics",), title=f"pin {i}", image=photo, product_id=product_id, source_key=f"t:{product_id}:{i}"
        )
        for i in range(n)
    ]
    return queue.enqueue(reqs).created


def test_sold_out_cancels_queued_pins_only(
    service: ProductService, engine: Engine, clock: FakeClock, tmp_path: Path
) -> None:
    mug_id, bowl_id = service.upsert([MUG, replace(MUG, external_id="bowl", title="Bowl")]).ids
    queued, posting, posted, failed = _queue(engine, service.account_id, clock, mug_id, tmp_path, 4)
    (bowl_pin,) = _queue(engine, service.account_id, clock, bowl_id, tmp_path, 1)
    with db.session_scope(engine) as session:
        for pin_id, status in ((posting, PinStatus.posting), (posted, PinStatus.posted), (failed, PinStatus.failed)):
            pin = session.get(Pin, pin_id)
            assert pin is not None
            pin.status = status
            session.add(pin)

    result = service.upsert([replace(MUG, in_stock=False), replace(MUG, external_id="bowl", title="Bowl")])
    assert [(c.product_id, c.cancelled_pins) for c in result.sold_out] == [(mug_id, 1)]
    assert result.cancelled_pins == 1
    with Session(engine) as session:
        pins = {p.id: p for p in session.exec(select(Pin)).all()}
    assert pins[queued].status == PinStatus.cancelled and pins[queued].last_error == "sold out: Speckled stoneware mug"
    assert [pins[i].status for i in (posting, posted, failed)] == [
        PinStatus.posting,
        PinStatus.posted,
        PinStatus.failed,
    ]
    assert pins[bowl_pin].status == PinStatus.queued  # another product
    assert not service.get(str(mug_id)).in_stock

    # still sold out: nothing more to cancel, nothing reported
    assert service.upsert([replace(MUG, in_stock=False)]).sold_out == []
    # back in stock: reported, and nothing is re-queued
    back = service.upsert([MUG])
    assert [c.product_id for c in back.back_in_stock] == [mug_id]
    with Session(engine) as session:
        assert session.get(Pin, queued).status == PinStatus.cancelled  # type: ignore[union-attr]
        assert session.exec(select(func.count()).select_from(Pin).where(Pin.status == PinStatus.queued)).one() == 1


def test_a_product_missing_from_a_later_import_is_left_alone(service: ProductService) -> None:
    service.upsert([MUG, replace(MUG, external_id="bowl", title="Bowl")])
    service.upsert([MUG])
    bowl = service.get("bowl")
    assert bowl.in_stock and bowl.title == "Bowl"


def test_set_stock(service: ProductService, engine: Engine, clock: FakeClock, tmp_path: Path) -> None:
    (mug_id,) = service.upsert([MUG]).ids
    pins = _queue(engine, service.account_id, clock, mug_id, tmp_path, 2)
    product, change = service.set_stock("speckled-mug", False)
    assert not product.in_stock and change is not None and change.cancelled_pins == 2
    assert service.set_stock("speckled-mug", False)[1] is None
    product, change = service.set_stock(str(mug_id), True)
    assert product.in_stock and change is not None and change.cancelled_pins == 0
    with Session(engine) as session:
        statuses = session.exec(select(Pin.status).where(col(Pin.id).in_(pins))).all()
    assert set(statuses) == {PinStatus.cancelled}
    assert service.pin_counts() == {mug_id: {"cancelled": 2}}
    assert [p.id for p, key in service.pins(mug_id)] == pins and service.pins(mug_id)[0][1] == "ceramics"
    assert [p.id for p in service.list(in_stock_only=True)] == [mug_id]
