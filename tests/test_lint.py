"""Pre-publish lint: link shorteners, the same image on one board twice, a product on too many boards."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import func, select

from pinbot.clock import FakeClock
from pinbot.errors import InvalidInput
from pinbot.queue.lint import findings
from pinbot.queue.planner import RulesPlanner
from pinbot.queue.service import PinRequest
from pinbot.shop.boards import BoardDef
from pinbot.shop.rules import Rules, ScheduleRules
from pinbot.store.db import session_scope
from pinbot.store.models import Pin, PinStatus
from tests.helpers import make_photo
from tests.scheduler_support import Shop, make_shop


@pytest.fixture
def shop(engine: Engine, clock: FakeClock, tmp_path: Path) -> Shop:
    s = make_shop(engine, clock, tmp_path)
    for i in range(12):
        s.boards[f"b{i}"] = BoardDef(f"b{i}", f"Board {i}")
    return s


def _q(shop: Shop, **rules: int):  # type: ignore[no-untyped-def]
    return shop.queue(RulesPlanner(Rules(schedule=ScheduleRules(**rules)), ZoneInfo("UTC")))


def _count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.exec(select(func.count()).select_from(Pin)).one())


def req(shop: Shop, *boards: str, key: str, link: str = "https://shop.example/x", **kw: object) -> PinRequest:
    return PinRequest(
        boards=boards, title=f"T {key}", link=link, image=str(kw.pop("image", shop.photo)), source_key=key, **kw
    )  # type: ignore[arg-type]


def test_link_shortener_is_refused(shop: Shop) -> None:
    with pytest.raises(InvalidInput) as err:
        _q(shop).enqueue([req(shop, "mugs", key="a", link="https://www.bit.ly/abc")])
    assert err.value.field == "link" and "bit.ly is a link shortener" in str(err.value)
    assert _count(shop.engine) == 0


def test_same_image_on_the_same_board_twice_is_refused(shop: Shop) -> None:
    q = _q(shop)
    q.enqueue([req(shop, "mugs", "jewelry", key="a")])  # the same photo on two boards is fine
    with pytest.raises(InvalidInput) as err:
        q.enqueue([req(shop, "mugs", key="b", link="https://shop.example/y")])
    assert err.value.field == "image" and "already on board 'mugs'" in str(err.value)
    with pytest.raises(InvalidInput, match="already on board"):  # within one batch too
        q.enqueue([req(shop, "b1", key="c"), req(shop, "b1", key="d", link="https://shop.example/z")])
    assert _count(shop.engine) == 2
    # Another design of the same photo is a fresh image, which Pinterest favours.
    q.enqueue([req(shop, "mugs", key="e", link="https://shop.example/y", template="bold")])
    assert _count(shop.engine) == 3


def test_a_bare_template_name_is_the_same_design_as_no_variant(shop: Shop) -> None:
    """The renderer draws `--template photo-band` and variant "photo-band" alike: one image, so a
    second such pin on the board is refused; another palette of it is a fresh image."""
    q = _q(shop)
    q.enqueue([req(shop, "mugs", key="a", template="photo-band")])
    with pytest.raises(InvalidInput, match="already on board 'mugs'"):
        q.enqueue(
            [req(shop, "mugs", key="b", link="https://shop.example/y", template="photo-band", variant_key="photo-band")]
        )
    q.enqueue(
        [req(shop, "mugs", key="c", link="https://shop.example/y", template="photo-band", variant_key="dark.close")]
    )
    with pytest.raises(InvalidInput, match="already on board 'mugs'"):  # "palette.crop" is the template's
        q.enqueue(
            [
                req(
                    shop,
                    "mugs",
                    key="d",
                    link="https://shop.example/z",
                    template="photo-band",
                    variant_key="photo-band.dark.close",
                )
            ]
        )
    assert _count(shop.engine) == 2


def test_cancelled_pins_do_not_count(shop: Shop) -> None:
    q = _q(shop)
    (pid,) = q.enqueue([req(shop, "mugs", key="a")]).created
    q.cancel(pid)
    q.enqueue([req(shop, "mugs", key="b")])
    assert _count(shop.engine) == 2


def test_product_on_too_many_boards_is_refused(shop: Shop) -> None:
    boards = [f"b{i}" for i in range(11)]
    with pytest.raises(InvalidInput) as err:
        _q(shop).enqueue([req(shop, *boards, key="a")])
    assert err.value.field == "boards" and "on 11 boards; the limit is 10" in str(err.value)
    q = _q(shop, max_boards_per_product=3)
    q.enqueue([req(shop, "b0", "b1", key="a")])
    photo = make_photo(shop.tmp / "other.jpg", color=(1, 2, 3))
    with pytest.raises(InvalidInput, match="on 4 boards; the limit is 3"):  # counted with what is queued
        q.enqueue([req(shop, "b2", "b3", key="b", image=photo)])
    assert _count(shop.engine) == 2


def test_findings_report_every_problem_for_the_plan(shop: Shop) -> None:
    pins = [
        Pin(id=1, account_id=1, board_id=1, title="a", link="https://t.co/x", due_at=shop.clock.now()),
        Pin(id=2, account_id=1, board_id=1, title="b", image_path="p.jpg", due_at=shop.clock.now()),
        Pin(
            id=3,
            account_id=1,
            board_id=1,
            title="c",
            image_path="p.jpg",
            due_at=shop.clock.now(),
            status=PinStatus.queued,
        ),
    ]
    found = findings(pins, ScheduleRules(), {1: "mugs"})
    assert [(f.field, f.pin_id) for f in found] == [("link", 1), ("image", 3)]
