"""Reconcile: a `posting` pin is looked up on its board (by marker, or by title when it has none)
before it can ever be posted again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pinbot.clock import FakeClock
from pinbot.posting.claim import claim_pin
from pinbot.posting.reconcile import Reconciler, ReconcileReport, ReconcileSettings
from pinbot.store.models import PinStatus
from tests.scheduler_support import Shop, make_shop


@pytest.fixture
def shop(engine: Engine, clock: FakeClock, tmp_path: Path) -> Shop:
    return make_shop(engine, clock, tmp_path)


def _recon(shop: Shop, **kw: object) -> Reconciler:
    return Reconciler(shop.engine, shop.account_id, shop.api, shop.clock, ReconcileSettings(**kw), boards=shop.boards)  # type: ignore[arg-type]


def _ambiguous(shop: Shop, fault: str = "maybe_after_create", **kw: object) -> int:
    (pid,) = shop.add(1, **kw)
    shop.api.inject(fault)
    assert shop.poster().post_next(shop.clock.now()).outcome == "ambiguous"  # type: ignore[union-attr]
    return pid


def test_waits_for_the_grace_period_before_looking(shop: Shop) -> None:
    pid = _ambiguous(shop)
    recon = _recon(shop)
    assert recon.run(shop.clock.now() + timedelta(minutes=2)).posted == 0  # request may still be in flight
    assert shop.api.list_calls == 0 and shop.pin(pid).status == PinStatus.posting
    assert recon.run(shop.clock.now() + timedelta(minutes=4)).posted == 1


def test_found_twice_needs_attention_and_keeps_the_first_id(shop: Shop) -> None:
    pid = _ambiguous(shop)
    first = next(iter(shop.api.pins.values()))
    shop.api.pins["9001"] = {**first, "id": "9001", "created_at": (shop.clock.now() + timedelta(seconds=5)).isoformat()}
    report = _recon(shop).run(shop.clock.now() + timedelta(minutes=5))
    assert report.needs_attention == 1
    pin = shop.pin(pid)
    assert pin.status == PinStatus.needs_attention and pin.pinterest_pin_id == first["id"]
    assert "found 2 times" in (pin.last_error or "") and "9001" in (pin.last_error or "")


def test_api_down_leaves_the_pin_posting(shop: Shop) -> None:
    pid = _ambiguous(shop)
    shop.api.list_down = True
    report = _recon(shop).run(shop.clock.now() + timedelta(minutes=5))
    assert report.pending == 1 and shop.pin(pid).status == PinStatus.posting
    assert shop.pin(pid).reconcile_checks == 0  # an outage is not a "not found"
    shop.api.list_down = False
    assert _recon(shop).run(shop.clock.now() + timedelta(minutes=8)).posted == 1


def test_never_found_after_k_requeues_needs_attention(shop: Shop) -> None:
    (pid,) = shop.add(1)
    recon = _recon(shop, max_requeues=2)
    t = shop.clock.now()
    for round_ in range(3):
        shop.api.inject("maybe")  # 502, nothing created
        assert shop.poster().post_next(t).outcome == "ambiguous"  # type: ignore[union-attr]
        t += timedelta(minutes=4)
        recon.run(t)
        t += timedelta(minutes=3)
        recon.run(t)
        expected = PinStatus.queued if round_ < 2 else PinStatus.needs_attention
        assert shop.pin(pid).status == expected, round_
    assert "not found on Pinterest" in (shop.pin(pid).last_error or "")
    assert shop.api.pins == {}


def test_untagged_pin_is_found_by_title_near_the_claim_time(shop: Shop) -> None:
    pid = _ambiguous(shop, board="untagged")
    assert _recon(shop).run(shop.clock.now() + timedelta(minutes=5)).posted == 1
    assert shop.pin(pid).pinterest_pin_id in shop.api.pins


def test_untagged_pin_with_two_title_matches_needs_attention(shop: Shop) -> None:
    pid = _ambiguous(shop, board="untagged")
    first = next(iter(shop.api.pins.values()))
    shop.api.pins["9002"] = {**first, "id": "9002"}
    assert _recon(shop).run(shop.clock.now() + timedelta(minutes=5)).needs_attention == 1
    assert shop.pin(pid).status == PinStatus.needs_attention


def test_tagged_pin_is_never_matched_by_title(shop: Shop) -> None:
    """Another pin with the same title on the board is not this queue item."""
    pid = _ambiguous(shop, fault="maybe")
    shop.api.pins["9003"] = {
        "id": "9003",
        "board_id": "board-0",
        "title": "Pin 0",
        "link": "",
        "created_at": shop.clock.now().isoformat(),
    }
    recon = _recon(shop)
    recon.run(shop.clock.now() + timedelta(minutes=5))
    recon.run(shop.clock.now() + timedelta(minutes=8))
    assert shop.pin(pid).status == PinStatus.queued and shop.pin(pid).pinterest_pin_id is None


def test_a_stale_view_cannot_act_twice(shop: Shop) -> None:
    """Two reconcilers reading the same row: only the first update applies (conditional on checks)."""
    (pid,) = shop.add(1)
    claimed = claim_pin(shop.engine, pid, shop.clock.now(), "w", None)
    assert claimed is not None
    a, b = _recon(shop), _recon(shop)
    later = shop.clock.now() + timedelta(minutes=5)
    (row_a,) = a.stale(later)
    (row_b,) = b.stale(later)
    a._not_found(row_a[0], later, ReconcileReport())
    b._not_found(row_b[0], later, ReconcileReport())
    assert shop.pin(pid).reconcile_checks == 1
