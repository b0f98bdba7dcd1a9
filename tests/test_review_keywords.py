"""The review's impressions per keyword, counted through the pins whose title or description carries it."""

from __future__ import annotations

from sqlalchemy import Engine, update

from pinbot.review.keywords import keyword_groups
from pinbot.store.db import session_scope
from pinbot.store.models import Pin
from tests.metrics_fakes import add_board, make_account
from tests.test_review import SINCE, UNTIL, _pin_with


def _words(engine: Engine, pin_id: int, title: str, description: str) -> None:
    with session_scope(engine) as session:
        session.execute(update(Pin).where(Pin.id == pin_id).values(title=title, description=description))  # type: ignore[arg-type]


def test_impressions_per_keyword(engine: Engine) -> None:
    shop = make_account(engine)
    board = add_board(engine, shop, "ceramics")
    a = _pin_with(engine, shop, board, "photo-band", 1, (1200, 12, 30))
    b = _pin_with(engine, shop, board, "photo-band", 2, (800, 8, 4))
    c = _pin_with(engine, shop, board, "photo-band", 3, (500, 5, 5))
    _words(engine, a, "Handmade mug: speckled oatmeal", "A stoneware mug for slow mornings.")
    _words(engine, b, "Stoneware planter", "A ceramic planter for a sunny sill, handmade MUG's cousin.")
    _words(engine, c, "Brass ear cuff", "Hammered by hand in our studio.")
    groups = keyword_groups(engine, shop, SINCE, UNTIL, ["Handmade mug", "stoneware", "pottery gifts", "stoneware"])
    by = {g.key: g.totals for g in groups}
    assert list(by) == ["handmade mug", "stoneware", "pottery gifts"]  # most impressions first, no duplicates
    assert (by["handmade mug"].impressions, by["handmade mug"].pins) == (2000, 2)  # title of a, description of b
    assert (by["stoneware"].impressions, by["stoneware"].outbound_clicks) == (2000, 34)
    assert by["pottery gifts"].pins == 0 and by["pottery gifts"].impressions == 0
    assert all(g.rank is None or g.rank >= 1 for g in groups)
