"""Holes an attack found in "never twice, never lost" (issue 12): reconcile must never guess
between look-alike queue items, must not trust a listing that does not parse, and a 201 without a
usable pin id is ambiguous, not posted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from pinbot.clock import FakeClock
from pinbot.posting.reconcile import Reconciler, ReconcileSettings
from pinbot.store.models import PinStatus
from tests.scheduler_support import Shop, make_shop


@pytest.fixture
def shop(engine: Engine, clock: FakeClock, tmp_path: Path) -> Shop:
    return make_shop(engine, clock, tmp_path)


def _recon(shop: Shop, **kw: Any) -> Reconciler:
    return Reconciler(shop.engine, shop.account_id, shop.api, shop.clock, ReconcileSettings(**kw), boards=shop.boards)


def _settle_all(shop: Shop, rounds: int = 6) -> None:
    """Reconcile and post until nothing is left in flight (what the daemon does over time)."""
    recon = _recon(shop)
    for _ in range(rounds):
        shop.clock.advance(minutes=4)
        recon.run(shop.clock.now())
        while (result := shop.poster().post_next(shop.clock.now())) is not None and result.outcome == "posted":
            pass


def _two_lookalikes(shop: Shop, **kw: Any) -> tuple[int, int]:
    a, b = shop.add(2, title="Blue mug", **kw)
    shop.api.inject("maybe", "maybe_after_create")  # 500 before creating, then 500 after creating
    assert shop.poster().post_next(shop.clock.now()).outcome == "ambiguous"  # type: ignore[union-attr]
    assert shop.poster().post_next(shop.clock.now()).outcome == "ambiguous"  # type: ignore[union-attr]
    assert len(shop.api.pins) == 1
    return a, b


@pytest.mark.parametrize("board", ["untagged", "mugs"])
def test_two_lookalike_items_without_marker_are_never_guessed(shop: Shop, board: str) -> None:
    # Same title, same (empty) description, no marker in the link: the pin on the board could be
    # either item's. Before the fix item 1 took item 2's pin and item 2 was posted again.
    link = "https://shop.example/same" if board == "untagged" else ""
    a, b = _two_lookalikes(shop, board=board, link=link)
    _settle_all(shop)
    assert len(shop.api.pins) == 1, "posted twice"
    assert shop.pin(a).status == PinStatus.needs_attention
    assert shop.pin(b).status == PinStatus.needs_attention
    assert "same title" in (shop.pin(a).last_error or "")


def test_lookalike_titles_are_told_apart_by_everything_sent(shop: Shop) -> None:
    a, b = _two_lookalikes(shop, board="untagged", link="https://shop.example/same", description="Glaze {i}.")
    _settle_all(shop)
    pa, pb = shop.pin(a), shop.pin(b)
    assert pa.status == PinStatus.posted and pb.status == PinStatus.posted
    assert pa.pinterest_pin_id != pb.pinterest_pin_id
    assert sorted(p["description"] for p in shop.api.pins.values()) == ["Glaze 0.", "Glaze 1."]
    assert shop.api.pins[pb.pinterest_pin_id or ""]["description"] == "Glaze 1."  # item 2's own pin


@pytest.mark.parametrize(
    "listing",
    [
        {"items": {"id": "1"}},  # `items` an object, not a list
        [{"no_id": True}],  # an item without an id
        ["1000"],  # items that are not objects
        [{"id": None, "title": "Pin 0"}],
    ],
)
def test_a_listing_that_does_not_parse_is_an_outage_not_a_not_found(shop: Shop, listing: Any) -> None:
    (pid,) = shop.add(1)
    shop.api.inject("maybe")  # nothing created
    shop.poster().post_next(shop.clock.now())
    shop.api.listing = listing if isinstance(listing, list) else [listing]
    recon = _recon(shop)
    for minutes in (4, 7, 10, 13):
        report = recon.run(shop.clock.now() + timedelta(minutes=minutes))
        assert report.pending == 1 and report.requeued == 0
    pin = shop.pin(pid)
    assert pin.status == PinStatus.posting and pin.reconcile_checks == 0


@pytest.mark.parametrize("answer", [{"id": None}, {}, [], {"id": ""}, {"id": "None"}, {"id": 12.5}])
def test_a_created_answer_without_a_pin_id_is_ambiguous(shop: Shop, answer: Any) -> None:
    (pid,) = shop.add(1)
    shop.api.answer = answer
    result = shop.poster().post_next(shop.clock.now())
    assert result is not None and result.outcome == "ambiguous"
    pin = shop.pin(pid)
    assert pin.status == PinStatus.posting and pin.pinterest_pin_id is None
    shop.api.answer = None
    assert _recon(shop).run(shop.clock.now() + timedelta(minutes=4)).posted == 1  # found by its marker
    (remote,) = shop.api.pins
    assert shop.pin(pid).pinterest_pin_id == remote
