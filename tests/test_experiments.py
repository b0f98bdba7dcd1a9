"""Experiments: balanced pins queued through the queue, the single verdict, and the winner handed on."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import mean

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from pinbot.boards import load_boards
from pinbot.clock import FakeClock
from pinbot.db import session_scope
from pinbot.errors import InvalidInput, NotFound, StateConflict
from pinbot.experiments import create_experiment, preferred_design
from pinbot.experiments_status import apply_winner, evaluate
from pinbot.metrics import upsert_pin_days
from pinbot.models import Experiment, Pin, PinStatus
from pinbot.pinterest.types import DailyMetrics
from pinbot.queue import QueueService
from tests.metrics_fakes import add_product, make_account

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def setup(engine: Engine, shop_dir: Path) -> tuple[int, QueueService, FakeClock, Path]:
    clock = FakeClock(NOW)
    account_id = make_account(engine)
    add_product(engine, account_id, "ring", "Hammered ring")
    add_product(engine, account_id, "cuff", "Brass ear cuff")
    queue = QueueService(engine, account_id, load_boards(shop_dir / "boards"), clock)
    return account_id, queue, clock, shop_dir / "assets"


def _create(engine: Engine, setup: tuple[int, QueueService, FakeClock, Path], **kw: object):  # type: ignore[no-untyped-def]
    account_id, queue, _clock, assets = setup
    args: dict[str, object] = {
        "name": "band-vs-block",
        "hypothesis": "A photo band sends more visits than a split block",
        "products": ["ring", "cuff"],
        "variants": ["photo-band", "split-block"],
        "assets_dir": assets,
        "boards": ["handmade-jewelry", "ceramics"],
        "rounds": 3,
    }
    args.update(kw)
    return create_experiment(engine, account_id, queue, **args)  # type: ignore[arg-type]


def _pins(engine: Engine) -> list[Pin]:
    with session_scope(engine) as session:
        return list(session.exec(select(Pin).order_by(Pin.due_at)).all())  # type: ignore[arg-type]


def test_create_queues_balanced_pins_on_the_same_boards_at_alternating_times(engine: Engine, setup) -> None:  # type: ignore[no-untyped-def]
    plan = _create(engine, setup)
    pins = _pins(engine)
    assert plan.pins_created == len(pins) == 3 * 2 * 2 * 2  # rounds x boards x designs x products
    assert plan.planned_impressions == 46_408 and plan.baseline == 0.01  # no history yet: the default baseline
    by_design = Counter((p.variant_key, p.board_id, p.product_id) for p in pins)
    assert set(by_design.values()) == {3}  # every design x board x product cell gets the same number of pins
    assert {p.template for p in pins} == {"photo-band", "split-block"}
    assert all(p.experiment_variant_id is not None and p.explicit_time for p in pins)
    # Alternating, evenly spread times: neither design is posted systematically earlier.
    times = {d: [p.due_at.timestamp() for p in pins if p.variant_key == d] for d in ("photo-band", "split-block")}
    assert abs(mean(times["photo-band"]) - mean(times["split-block"])) <= plan.every_hours * 3600 / 2
    assert [p.variant_key for p in pins[:8]].count("photo-band") == 4
    # The same product link never comes back within 48 hours.
    for product in {p.product_id for p in pins}:
        due = sorted(p.due_at for p in pins if p.product_id == product)
        assert min(b - a for a, b in itertools.pairwise(due)) >= timedelta(hours=48)
    assert all(p.due_at > NOW for p in pins)


def test_bad_input_writes_nothing(engine: Engine, setup) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="--variants: 'zebra' is neither a template"):
        _create(engine, setup, variants=["photo-band", "zebra"])
    with pytest.raises(InvalidInput, match="at least two"):
        _create(engine, setup, variants=["photo-band"])
    with pytest.raises(NotFound, match="no product 'nope'"):
        _create(engine, setup, products=["nope"])
    with pytest.raises(InvalidInput, match="name the boards"):
        _create(engine, setup, boards=[])
    with pytest.raises(InvalidInput, match="board"):
        _create(engine, setup, boards=["no-such-board"])
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(Experiment)).one() == 0
    assert _pins(engine) == []
    _create(engine, setup)
    with pytest.raises(StateConflict, match="exists already"):
        _create(engine, setup)
    # Variant ids of the renderer are accepted as well as template names.
    plan = _create(engine, setup, name="palettes", variants=["photo-band.brand.subject", "photo-band.dark.close"])
    assert [d.template for d in plan.designs] == ["photo-band", "photo-band"]


def _post_and_measure(engine: Engine, rates: dict[str, float], impressions_per_pin: int) -> None:
    """Post every experiment pin and give it one READY day with the design's exact rate."""
    pins = _pins(engine)
    with session_scope(engine) as session:
        for i, pin in enumerate(pins):
            pin.status = PinStatus.posted
            pin.pinterest_pin_id = str(7000 + i)
            pin.posted_at = pin.due_at
            session.add(pin)
            clicks = round(impressions_per_pin * rates[pin.variant_key or ""])
            day = DailyMetrics(pin.due_at.date(), "READY", impressions_per_pin, 0, 0, clicks)
            assert pin.id is not None
            upsert_pin_days(session, pin.id, [day], NOW)


def test_verdict_waits_for_the_plan_then_freezes_and_hands_the_winner_on(engine: Engine, setup) -> None:  # type: ignore[no-untyped-def]
    account_id = setup[0]
    plan = _create(engine, setup, planned_impressions=24_000, auto=True)
    (status,) = evaluate(engine, account_id, NOW)
    assert status.outcome == "collecting" and status.verdict.winner is None
    assert [v.pins_waiting for v in status.variants] == [12, 12]

    _post_and_measure(engine, {"photo-band": 0.010, "split-block": 0.016}, 1000)  # 12,000 per design: half
    (status,) = evaluate(engine, account_id, NOW + timedelta(days=30))
    assert status.outcome == "collecting" and status.state == "running"
    assert status.as_dict()["p_value"] is None  # no peeking: nothing to read before the plan
    assert preferred_design(engine, account_id, plan.product_ids[0]) is None

    _post_and_measure(engine, {"photo-band": 0.010, "split-block": 0.016}, 2000)  # now 24,000 each
    (status,) = evaluate(engine, account_id, NOW + timedelta(days=40))
    assert status.just_finished and status.outcome == "winner" and status.winner_design == "split-block"
    assert status.verdict.p_value is not None and status.verdict.p_value < 0.001
    assert "split-block beat photo-band: 1.60% vs 1.00%" in status.summary["successes"][0]
    assert "Future pins of these products use split-block." in status.summary["learned"]
    for product_id in plan.product_ids:
        assert preferred_design(engine, account_id, product_id) == "split-block"

    # Later data can never flip the verdict: the counts it was judged on are frozen.
    _post_and_measure(engine, {"photo-band": 0.05, "split-block": 0.0}, 50_000)
    (again,) = evaluate(engine, account_id, NOW + timedelta(days=60))
    assert again.outcome == "winner" and again.winner_design == "split-block" and not again.just_finished
    assert again.variants[0].counts.trials == 24_000


def test_no_difference_and_inconclusive(engine: Engine, setup) -> None:  # type: ignore[no-untyped-def]
    account_id = setup[0]
    _create(engine, setup, planned_impressions=12_000)
    _post_and_measure(engine, {"photo-band": 0.010, "split-block": 0.0105}, 1000)
    (status,) = evaluate(engine, account_id, NOW + timedelta(days=30))
    assert status.outcome == "no_difference" and status.winner_design is None
    assert "not supported" in status.summary["learned"][0]
    assert preferred_design(engine, account_id, 1) is None

    _create(engine, setup, name="slow", planned_impressions=10**7, horizon_days=10)
    statuses = {s.name: s for s in evaluate(engine, account_id, NOW + timedelta(days=11))}
    assert statuses["slow"].outcome == "inconclusive" and "Inconclusive" in statuses["slow"].summary["failures"][0]


def test_apply_winner_later(engine: Engine, setup) -> None:  # type: ignore[no-untyped-def]
    account_id = setup[0]
    plan = _create(engine, setup, planned_impressions=12_000)
    _post_and_measure(engine, {"photo-band": 0.02, "split-block": 0.01}, 1000)
    (status,) = evaluate(engine, account_id, NOW + timedelta(days=30))
    assert status.outcome == "winner" and preferred_design(engine, account_id, plan.product_ids[0]) is None
    assert "--apply" in status.summary["learned"][-1]
    apply_winner(engine, account_id, "band-vs-block", NOW)
    assert preferred_design(engine, account_id, plan.product_ids[0]) == "photo-band"
