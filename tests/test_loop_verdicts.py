"""The review steers the loops: products and designs it says to stop leave them, winners come first
or sooner, judged pin by pin (`review/verdicts.py`), and a board's default template leads its pins."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from pinbot.clock import FakeClock
from pinbot.loops.designs import DesignOrder
from pinbot.loops.store import LoopSpec
from pinbot.review.types import PinRow, Totals
from pinbot.review.verdicts import Verdicts, judge
from pinbot.shop.boards import BoardDef
from pinbot.store.db import session_scope
from pinbot.store.models import Board, Pin, PinMetricDaily, PinStatus
from tests.loops_support import REPO, make_shop, run

POSTED = datetime(2026, 3, 2, 15, tzinfo=UTC)
TEMPLATES = ("photo-band", "split-block", "text-forward")
_IDS = itertools.count(1)  # pin ids unique across the lists a test joins


def _pins(spec: dict[int, list[tuple[int, int, int]]], design: str = "photo-band") -> list[PinRow]:
    """product id -> per pin (impressions, saves, outbound clicks)."""
    out = []
    for product, pins in spec.items():
        for shown, saves, clicks in pins:
            n = next(_IDS)
            totals = Totals(shown, saves, clicks * 2, clicks, 1)
            out.append(PinRow(n, f"pin {n}", f"b{n % 2}", design, product, f"product {product}", POSTED, totals))
    return out


STEADY = [(2000, 40, 30), (2100, 42, 33), (1900, 38, 27), (2000, 41, 31), (2050, 40, 29)]


def test_a_product_seen_but_never_saved_or_visited_is_stopped() -> None:
    quiet = [(3000, 0, 0), (2800, 0, 0), (3100, 0, 0), (2900, 0, 0)]
    loved = [(2000, 40, 90), (2100, 45, 95), (1900, 39, 88), (2000, 41, 92)]
    verdicts = judge(_pins({1: STEADY, 2: STEADY, 3: quiet, 4: loved}))
    assert verdicts.stop_products == {3}
    assert verdicts.boost_products == {4}
    assert "impressions over 4 pins" in verdicts.why["product 3"]


def test_saved_but_not_visited_is_a_change_not_a_stop() -> None:
    kept = [(3000, 300, 0), (2800, 290, 1), (3100, 310, 0), (2900, 280, 0)]
    assert 3 not in judge(_pins({1: STEADY, 2: STEADY, 3: kept})).stop_products


def test_too_little_or_one_pin_is_not_enough() -> None:
    few = [(300, 0, 0), (200, 0, 0)]  # under the review's minimums
    one = [(9000, 0, 0), (50, 5, 5), (60, 4, 4)]  # one pin carries it
    verdicts = judge(_pins({1: STEADY, 2: STEADY, 3: few, 4: one}))
    assert verdicts.stop_products == set() and verdicts.boost_products == set()
    assert judge([]) == Verdicts()


def test_designs_are_stopped_and_continued_pin_by_pin() -> None:
    pins = _pins({1: STEADY}, "photo-band") + _pins({2: STEADY}, "text-forward")
    pins += _pins({3: [(2000, 40, 5), (2000, 41, 6), (2100, 40, 4), (1900, 38, 5)]}, "split-block.dark.close")
    verdicts = judge(pins)
    assert verdicts.stop == {"split-block.dark.close"}
    order = DesignOrder.build("product:1", TEMPLATES, verdicts)
    assert order.variants and "split-block.dark.close" not in order.variants
    winner = judge(_pins({1: STEADY, 2: STEADY}, "photo-band") + _pins({3: [(2000, 40, 90)] * 4}, "split-block"))
    assert winner.boost == {"split-block"}
    assert DesignOrder.build("product:1", TEMPLATES, winner).variants[0].startswith("split-block.")


def test_board_default_template_leads_where_it_applies() -> None:
    plain = DesignOrder.build("product:1", TEMPLATES, Verdicts())
    board = DesignOrder.build("product:1", TEMPLATES, Verdicts(), board_template="text-forward")
    assert plain.variants[0].split(".")[0] == "photo-band"
    per_template = sum(1 for v in plain.variants if v.startswith("text-forward."))
    assert all(v.startswith("text-forward.") for v in board.variants[:per_template])
    assert sorted(board.variants) == sorted(plain.variants)  # only the order changes
    stopped = DesignOrder.build(
        "product:1", TEMPLATES, Verdicts(stop=frozenset({"text-forward"})), None, "text-forward"
    )
    assert not any(v.startswith("text-forward") for v in stopped.variants)
    missing = DesignOrder.build("product:1", TEMPLATES, Verdicts(), board_template="no-such-template")
    assert missing.variants == plain.variants  # a name the shop has no template for is ignored
    winner = DesignOrder.build("product:1", TEMPLATES, Verdicts(), "split-block.dark.close", "text-forward")
    assert winner.variants[0] == "split-block.dark.close"  # an experiment's winner still goes first


def _metrics(engine: Engine, numbers: dict[int, tuple[int, int, int]], day: date) -> None:
    """Every posted pin of a product gets (impressions, saves, outbound clicks) on `day`."""
    with session_scope(engine) as session:
        pins = session.exec(select(Pin).where(Pin.status == PinStatus.posted)).all()
        for i, pin in enumerate(pins):
            shown, saves, clicks = numbers.get(pin.product_id or 0, (2000 + 37 * (i % 5), 40, 30 + i % 4))
            session.add(PinMetricDaily(pin_id=pin.id, day=day, impressions=shown, saves=saves, outbound_clicks=clicks))


def test_loops_prune_stopped_products_and_bring_winners_sooner(engine: Engine) -> None:
    shop = make_shop(engine, FakeClock(datetime(2026, 3, 1, 10)), 12, 2)
    shop.loops.create(LoopSpec("all", boards=tuple(shop.boards), every_days=10))
    run(shop, 40)
    ids = {ref: shop.products.get(ref).id for ref in ("p3", "p5")}
    today = shop.clock.now().date()
    _metrics(engine, {ids["p3"]: (3000, 0, 0), ids["p5"]: (2000, 45, 95)}, today - timedelta(days=2))
    before = Counter[int]()
    with session_scope(engine) as session:
        before.update(p.product_id for p in session.exec(select(Pin)).all() if p.product_id)
    out = run(shop, 40)
    verdicts = shop.runner._verdicts
    assert verdicts is not None and ids["p3"] in verdicts[1].stop_products and ids["p5"] in verdicts[1].boost_products
    assert out.problems == []
    after = Counter[int]()
    with session_scope(engine) as session:
        after.update(p.product_id for p in session.exec(select(Pin)).all() if p.product_id)
    new = {pid: after[pid] - before[pid] for pid in after}
    assert new.get(ids["p3"], 0) == 0  # stopped: no new pin
    others = [n for pid, n in new.items() if pid not in ids.values()]
    assert new[ids["p5"]] > max(others)  # continued: back sooner than the rest
    assert shop.runner.top_up().stopped == [ids["p3"]]


def test_loop_pins_use_the_boards_default_template(engine: Engine) -> None:
    shop = make_shop(engine, FakeClock(datetime(2026, 3, 1, 10)), 4, 2)
    first, second = shop.boards
    shop.boards[first] = BoardDef(first, "Board 0", keywords=("handmade mug",), default_template="text-forward")
    shop.loops.create(LoopSpec("all", boards=(first, second), every_days=7))
    run(shop, 14)
    with session_scope(engine) as session:
        rows = session.exec(select(Pin.board_id, Pin.template, Pin.variant_key)).all()
        keys = {b.id: b.key for b in session.exec(select(Board)).all()}
    on_first = [t for b, t, _ in rows if keys[b] == first]
    on_second = [t for b, t, _ in rows if keys[b] == second]
    assert on_first and set(on_first) == {"text-forward"}
    assert set(on_second) != {"text-forward"}
    assert (REPO / "assets" / "templates" / "text-forward.toml").is_file()


def test_template_names_are_real() -> None:
    from pinbot.render.template_file import list_templates

    assert set(TEMPLATES) <= set(list_templates(Path(REPO / "assets")))
