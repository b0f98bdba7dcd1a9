"""Experiments: balanced pins queued through the queue, the single verdict, and the winner handed on."""

from __future__ import annotations

import itertools
import re
import shlex
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import mean

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from pinbot.clock import FakeClock
from pinbot.errors import InvalidInput, NotFound, StateConflict
from pinbot.experiments.plan import create_experiment
from pinbot.experiments.status import apply_winner, evaluate
from pinbot.metrics.sweep import upsert_pin_days
from pinbot.pinterest.types import DailyMetrics
from pinbot.queue.designs import preferred_design
from pinbot.queue.service import QueueService
from pinbot.shop.boards import load_boards
from pinbot.stats import POWER
from pinbot.store.db import session_scope
from pinbot.store.models import Experiment, ExperimentVariant, Pin, PinStatus
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


def _round(pin: Pin) -> int:
    """The round a pin belongs to, from its source key `exp:NAME:DESIGN:PRODUCT:ROUND#board`."""
    return int((pin.source_key or "").split("#")[0].rsplit(":", 1)[1])


def _pins(engine: Engine) -> list[Pin]:
    with session_scope(engine) as session:
        return list(session.exec(select(Pin).order_by(Pin.due_at)).all())  # type: ignore[arg-type]


def test_create_queues_balanced_pins_on_the_same_boards_at_alternating_times(engine: Engine, setup) -> None:  # type: ignore[no-untyped-def]
    plan = _create(engine, setup)
    pins = _pins(engine)
    assert plan.pins_created == len(pins) == 3 * 2 * 2 * 2  # rounds x boards x designs x products
    assert plan.planned_impressions == 46_408 and plan.baseline == 0.01  # no history yet: the default baseline
    by_arm = Counter((p.experiment_variant_id, p.board_id, p.product_id) for p in pins)
    assert len(by_arm) == 2 * 2 * 2 and set(by_arm.values()) == {3}  # every arm x board x product: 3 pins
    assert {p.template for p in pins} == {"photo-band", "split-block"}
    assert all(p.experiment_variant_id is not None and not p.explicit_time for p in pins)  # the rules place them
    # Each round draws both arms in one palette and crop, a different one every round: the
    # template is the only systematic difference, and no board sees the same design twice.
    looks: dict[int, set[str]] = {_round(p): set() for p in pins}
    for p in pins:
        template, palette, crop = (p.variant_key or "").split(".")
        assert template == p.template
        looks[_round(p)].add(f"{palette}.{crop}")
    assert all(len(one) == 1 for one in looks.values()) and len(set.union(*looks.values())) == 3
    assert [r["look"] for r in plan.as_dict()["round_designs"]] == ["brand.subject", "accent.close", "light.centre"]
    assert len({(p.board_id, p.product_id, p.variant_key) for p in pins}) == len(pins)
    # Alternating, evenly spread times: neither design is posted systematically earlier.
    times = {d: [p.due_at.timestamp() for p in pins if p.template == d] for d in ("photo-band", "split-block")}
    assert abs(mean(times["photo-band"]) - mean(times["split-block"])) <= plan.every_hours * 3600 / 2
    assert [p.template for p in pins[:8]].count("photo-band") == 4
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
    # Variant ids of the renderer are accepted as well as template names; their look is what is
    # tested, so it cannot change between rounds, and these products have no photos to rotate.
    fixed = ["photo-band.brand.subject", "photo-band.dark.close"]
    with pytest.raises(InvalidInput, match=r"--rounds: only 1 of 3 rounds can be queued .* add photos$"):
        _create(engine, setup, name="palettes", variants=fixed, boards=["diy-craft-tutorials"])
    # The first experiment's round 1 drew photo-band.brand.subject on these boards already.
    with pytest.raises(InvalidInput, match=r"only 0 of 1 rounds .* some of these looks are already on these boards"):
        _create(engine, setup, name="palettes", variants=fixed, rounds=1)
    with pytest.raises(InvalidInput, match=r"'photo-band' and 'photo-band\.brand\.subject' draw the same design"):
        _create(engine, setup, name="palettes", variants=["photo-band", "photo-band.brand.subject"], rounds=1)
    plan = _create(engine, setup, name="palettes", variants=fixed, rounds=1, boards=["diy-craft-tutorials"])
    assert [d.template for d in plan.designs] == ["photo-band", "photo-band"]
    assert {p.variant_key for p in _pins(engine) if p.source_key.startswith("exp:palettes:")} == set(fixed)  # type: ignore[union-attr]
    # When the plan chose the number of rounds, it queues what fits and says why.
    fixed = ["split-block.dark.close", "collage.light.centre"]
    plan = _create(engine, setup, name="planned", variants=fixed, rounds=None, boards=["diy-craft-tutorials"])
    assert plan.rounds == 1 and plan.pins_created == 4
    assert plan.notes == [
        "1 round instead of the 8 planned: a full design id keeps its palette and crop, so only the products' "
        "photos can change between rounds and 'Hammered ring' has 0 photos; name the designs by template (e.g. "
        "photo-band,split-block) to vary the look per round, or add photos"
    ]


def _arms(engine: Engine) -> dict[int, str]:
    """experiment_variant_id -> the arm's design as the owner named it."""
    with session_scope(engine) as session:
        return {v.id: str(v.design["id"]) for v in session.exec(select(ExperimentVariant)).all() if v.id is not None}


def _post_and_measure(engine: Engine, rates: dict[str, float], impressions_per_pin: int) -> None:
    """Post every experiment pin and give it one READY day with its arm's exact rate."""
    pins = _pins(engine)
    arm = _arms(engine)
    with session_scope(engine) as session:
        for i, pin in enumerate(pins):
            pin.status = PinStatus.posted
            pin.pinterest_pin_id = str(7000 + i)
            pin.posted_at = pin.due_at
            session.add(pin)
            clicks = round(impressions_per_pin * rates[arm[pin.experiment_variant_id or 0]])
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
    # Every round of an arm counts, though each round drew it in another look (variant_key).
    assert again.variants[0].counts.trials == 24_000 and len(again.variants[0].counts.units) == 12


def test_no_difference_and_inconclusive(engine: Engine, setup) -> None:  # type: ignore[no-untyped-def]
    account_id = setup[0]
    _create(engine, setup, planned_impressions=12_000)
    _post_and_measure(engine, {"photo-band": 0.010, "split-block": 0.0105}, 1000)
    (status,) = evaluate(engine, account_id, NOW + timedelta(days=30))
    assert status.outcome == "no_difference" and status.winner_design is None
    # The owner chose a quarter of the planned sample: a real 30% lift would often have been missed,
    # and the verdict must not claim otherwise.
    (lesson,) = status.summary["learned"]
    assert "not settled" in lesson and "would very likely have shown" not in lesson
    assert "12,000 impressions per design (set with --sample)" in lesson and "About 46,408 impressions" in lesson
    power = int(lesson.split("only about ")[1].split("%")[0])
    assert 20 <= power <= 50  # achieved_power(1%, +30%, 12,000) is about 36%
    assert preferred_design(engine, account_id, 1) is None

    _create(engine, setup, name="slow", planned_impressions=10**7, horizon_days=10)
    statuses = {s.name: s for s in evaluate(engine, account_id, NOW + timedelta(days=11))}
    assert statuses["slow"].outcome == "inconclusive" and "Inconclusive" in statuses["slow"].summary["failures"][0]


def test_no_difference_at_the_planned_sample_says_a_lift_would_have_shown(engine: Engine, setup) -> None:  # type: ignore[no-untyped-def]
    account_id = setup[0]
    plan = _create(engine, setup)  # 46,408 impressions per design: 12 pins of 4,000 each
    _post_and_measure(engine, {"photo-band": 0.010, "split-block": 0.0102}, 4000)
    (status,) = evaluate(engine, account_id, NOW + timedelta(days=30))
    assert status.outcome == "no_difference" and plan.power == POWER
    (lesson,) = status.summary["learned"]
    assert "not supported" in lesson and re.search(r"would very likely have shown \(about 9[789]% of the time", lesson)
    assert "48,000 impressions per design)" in lesson and "--sample" not in lesson


def test_apply_winner_later(engine: Engine, setup) -> None:  # type: ignore[no-untyped-def]
    account_id = setup[0]
    plan = _create(engine, setup, planned_impressions=12_000, name="band vs block's")
    _post_and_measure(engine, {"photo-band": 0.02, "split-block": 0.01}, 1000)
    (status,) = evaluate(engine, account_id, NOW + timedelta(days=30))
    assert status.outcome == "winner" and preferred_design(engine, account_id, plan.product_ids[0]) is None
    # The name is quoted for the shell, so the hint runs as printed.
    hint = status.summary["learned"][-1]
    assert "Run `pinbot experiment status 'band vs block'\"'\"'s' --apply` to use photo-band" in hint
    assert shlex.split(hint.split("`")[1])[3] == "band vs block's"
    apply_winner(engine, account_id, "band vs block's", NOW)
    assert preferred_design(engine, account_id, plan.product_ids[0]) == "photo-band"
