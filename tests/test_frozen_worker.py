"""A worker frozen between its claim and its POST (laptop suspend, VM pause, SIGSTOP) must not
wake up and send; and since no client-side check closes the window entirely, the duplicate sweep
finds a queue item that is on its board twice, deletes the extra (or only reports it) and writes
that into the pin's history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import responses
from sqlalchemy import Engine

from pinbot.clock import FakeClock
from pinbot.posting.reconcile import Reconciler, ReconcileSettings
from pinbot.store.models import PinStatus
from tests.pinterest_helpers import API, make_client
from tests.scheduler_support import Shop, make_shop

SETTINGS = ReconcileSettings()  # production defaults: grace 180 s


@pytest.fixture
def shop(engine: Engine, clock: FakeClock, tmp_path: Path) -> Shop:
    return make_shop(engine, clock, tmp_path)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _frozen_in_the_pacer(shop: Shop, seconds: float) -> Any:
    """A real client whose pacer makes the worker wait after its claim; the wait lasts `seconds`
    of wall time (a suspend), advanced on the fake clock."""
    client = make_client(shop.engine, shop.clock)
    client.pacer.sleep = lambda _s: shop.clock.advance(seconds=seconds)
    client.pacer.block("org_write", 5)  # the next write waits for its turn
    return client


def test_a_claim_older_than_its_lease_is_never_sent(shop: Shop, rsps: responses.RequestsMock) -> None:
    (pid,) = shop.add(1)
    rsps.post(f"{API}/pins", status=201, json={"id": "555"})
    client = _frozen_in_the_pacer(shop, 303)
    result = shop.poster(client=client, lease=SETTINGS.lease).post_next(shop.clock.now())
    assert result is not None and result.outcome == "retry"
    assert [c.request.method for c in rsps.calls] == []  # nothing left the machine
    pin = shop.pin(pid)
    assert pin.status == PinStatus.queued and "claim on this pin is too old" in (pin.last_error or "")


def test_a_short_wait_inside_the_lease_still_posts_with_a_trimmed_timeout(
    shop: Shop, rsps: responses.RequestsMock
) -> None:
    (pid,) = shop.add(1)
    rsps.post(f"{API}/pins", status=201, json={"id": "555"})
    client = _frozen_in_the_pacer(shop, 100)  # lease 150 s: 50 s left, less than the 65 s POST timeout
    sent: list[Any] = []
    real = client.session.request
    client.session.request = lambda *a, **kw: sent.append(kw["timeout"]) or real(*a, **kw)  # type: ignore[method-assign]
    result = shop.poster(client=client, lease=SETTINGS.lease).post_next(shop.clock.now())
    assert result is not None and result.outcome == "posted"
    assert shop.pin(pid).pinterest_pin_id == "555"
    (timeout,) = sent
    assert sum(timeout) <= 50.0 + 1e-6


def test_lease_ends_before_the_reconcile_grace() -> None:
    for grace in (3, 60, 180, 3600):
        s = ReconcileSettings(grace=timedelta(seconds=grace))
        assert timedelta(0) < s.lease < s.grace


def test_the_frozen_worker_scenario_posts_once(shop: Shop, rsps: responses.RequestsMock) -> None:
    """Worker A claims and freezes in the pacer; reconcile (worker B) requeues the pin after its
    checks and B posts it; A wakes up: its claim is past the lease, so it sends nothing."""
    (pid,) = shop.add(1)
    posted: list[dict[str, Any]] = []

    def create(request: Any) -> tuple[int, dict[str, str], str]:
        posted.append(json.loads(request.body))
        return 201, {}, json.dumps({"id": str(900 + len(posted))})

    rsps.add_callback(responses.POST, f"{API}/pins", callback=create)
    claimed_at = shop.clock.now()
    frozen = make_client(shop.engine, shop.clock)
    b = make_client(shop.engine, shop.clock)
    recon = Reconciler(shop.engine, shop.account_id, shop.api, shop.clock, SETTINGS, boards=shop.boards)

    def freeze(_s: float) -> None:
        # While A sleeps: reconcile twice (nothing on the board), B posts the requeued pin.
        for minutes in (4, 7):
            shop.clock.set(claimed_at + timedelta(minutes=minutes))
            recon.run(shop.clock.now())
        assert shop.pin(pid).status == PinStatus.queued
        assert shop.poster(client=b, worker_id="B", lease=SETTINGS.lease).post_next(shop.clock.now()) is not None

    frozen.pacer.sleep = freeze
    frozen.pacer.block("org_write", 5)
    shop.poster(client=frozen, worker_id="A", lease=SETTINGS.lease).post_next(claimed_at)
    assert len(posted) == 1
    assert shop.pin(pid).status == PinStatus.posted and shop.pin(pid).pinterest_pin_id == "901"


def _posted_twice(shop: Shop) -> tuple[int, str, str]:
    (pid,) = shop.add(1)
    shop.poster().post_next(shop.clock.now())
    first = shop.pin(pid).pinterest_pin_id or ""
    late = {**shop.api.pins[first], "id": "7777", "created_at": (shop.clock.now() + timedelta(minutes=6)).isoformat()}
    shop.api.pins["7777"] = late  # what a frozen worker sent when it woke up
    return pid, first, "7777"


def test_the_sweep_deletes_a_second_copy_and_writes_history(shop: Shop) -> None:
    pid, first, extra = _posted_twice(shop)
    recon = Reconciler(shop.engine, shop.account_id, shop.api, shop.clock, boards=shop.boards)
    report = recon.run(shop.clock.now() + timedelta(minutes=10))
    assert report.duplicates_found == 1 and report.duplicates_deleted == 1
    assert shop.api.deleted == [extra] and list(shop.api.pins) == [first]
    pin = shop.pin(pid)
    assert pin.status == PinStatus.posted and pin.pinterest_pin_id == first
    (row,) = [a for a in shop.attempts(pid) if a.outcome == "duplicate_deleted"]
    assert extra in (row.message or "") and first in (row.message or "")
    assert recon.run(shop.clock.now() + timedelta(hours=1)).duplicates_found == 0


def test_report_only_keeps_the_copy_and_reports_it_once(shop: Shop) -> None:
    pid, _first, extra = _posted_twice(shop)
    recon = Reconciler(shop.engine, shop.account_id, shop.api, shop.clock, boards=shop.boards, delete_duplicates=False)
    assert recon.run(shop.clock.now() + timedelta(minutes=10)).duplicates_found == 1
    assert recon.run(shop.clock.now() + timedelta(hours=1)).duplicates_found == 1
    assert shop.api.deleted == [] and extra in shop.api.pins
    rows = [a for a in shop.attempts(pid) if a.outcome == "duplicate_found"]
    assert len(rows) == 1 and extra in (rows[0].message or "")


def test_a_queued_item_already_on_its_board_is_settled_not_sent_again(shop: Shop) -> None:
    (pid,) = shop.add(1)
    shop.api.inject("maybe")
    shop.poster().post_next(shop.clock.now())  # claimed, nothing created
    recon = Reconciler(shop.engine, shop.account_id, shop.api, shop.clock, boards=shop.boards)
    for minutes in (4, 7):
        recon.run(shop.clock.now() + timedelta(minutes=minutes))
    assert shop.pin(pid).status == PinStatus.queued
    # The frozen worker's late POST lands now, after the requeue.
    shop.api.pins["8888"] = {
        "id": "8888",
        "board_id": "board-0",
        "title": "Pin 0",
        "link": f"https://shop.example/p/0?utm_content={shop.pin(pid).marker}",
        "created_at": shop.clock.now().isoformat(),
    }
    recon.run(shop.clock.now() + timedelta(hours=1))
    pin = shop.pin(pid)
    assert pin.status == PinStatus.posted and pin.pinterest_pin_id == "8888"
    assert any(a.outcome == "found_queued" for a in shop.attempts(pid))
    assert shop.poster().post_next(shop.clock.now() + timedelta(hours=2)) is None
