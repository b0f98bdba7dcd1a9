"""Experiments: balanced pins queued through the queue, the single verdict, and the winner handed on."""

from __future__ import annotations

import itertools
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
from pinbot.store.db import session_scope
from pinbot.store.models import Experiment, ExperimentVariant, Pin, PinStatus
from tests.metrics_fakes import add_product, make_account, product_photos

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def setup(engine: Engine, shop_dir: Path) -> tuple[int, QueueService, FakeClock, Path]:
    clock = FakeClock(NOW)
    account_id = make_account(engine)
    photos = shop_dir / "photos"
    add_product(engine, account_id, "ring", "Hammered ring", photos=product_photos(photos, "ring", "earrings"))
    add_product(engine, account_id, "cuff", "Brass ear cuff", photos=product_photos(photos, "cuff", "earrings"))
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
    assert plan.baseline == 0.01 and "typical small shop" in plan.baseline_source  # no history yet: the stated prior
    # Three rounds on two boards cannot find +30% at a small shop's traffic: queued, but it says so and offers ways.
    assert (
        not plan.feasible
        and 0 < plan.power < 0.9
        and plan.notes[0].startswith("at this shop's traffic this test finds")
    )
    assert "look for a bigger difference" in plan.notes[0] and "test on 4 products instead of 2" in plan.notes[0]
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


def test_a_test_that_can_only_see_absurd_differences_offers_no_absurd_lift(engine: Engine, setup) -> None:  # type: ignore[no-untyped-def]
    # One round on one board: the verdict's error has one degree of freedom, and the smallest
    # difference it can see is thousands of percent. Offering `--lift 492471` read as a fault.
    plan = _create(engine, setup, rounds=1, boards=["handmade-jewelry"])
    assert not plan.feasible and plan.notes
    assert "look for a bigger difference" not in plan.notes[0]
    assert "test on 4 products instead of 2" in plan.notes[0]
    _post_and_measure(engine, {"photo-band": 0.010, "split-block": 0.0105}, 1000)
    (status,) = evaluate(engine, setup[0], NOW + timedelta(days=plan.horizon_days + 1))
    lesson = status.summary["learned"][-1]
    assert status.outcome == "no_difference" and "no difference larger than" not in lesson
    assert "even a design that does four times as well could easily have been missed" in lesson


def test_a_product_without_a_photo_is_left_out_never_pinned_as_an_empty_photo_area(engine: Engine, setup) -> None:  # type: ignore[no-untyped-def]
    account_id = setup[0]
    add_product(engine, account_id, "vase", "Saggar vase")  # imported offline: no photo downloaded
    no_photo = r"no product suits every design: product 3 left out \(photo-band: it has no photo"
    with pytest.raises(InvalidInput, match=no_photo):
        _create(engine, setup, products=["vase"])
    assert _pins(engine) == []
    plan = _create(engine, setup, products=["ring", "vase"], rounds=1)
    assert "product 3 left out (photo-band: it has no photo, and this design needs one)" in plan.notes
    assert {p.product_id for p in _pins(engine)} == {1} and all(p.image_path for p in _pins(engine))
    # Text forward has a design made for no photo at all (title and shop name): the vase may be tested there.
    words = ["text-forward.light.centre", "text-forward.dark.centre"]
    plan = _create(engine, setup, name="words", products=["vase"], variants=words, rounds=1)
    assert plan.pins_created == 4 and {
        p.product_id for p in _pins(engine) if p.source_key.startswith("exp:words:")
    } == {3}  # type: ignore[union-attr]


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
    # tested, so it cannot change between rounds, and these products have one photo each to rotate.
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
    fixed = ["split-block.dark.close", "photo-band.light.centre"]
    plan = _create(engine, setup, name="planned", variants=fixed, rounds=None, boards=["diy-craft-tutorials"])
    assert plan.rounds == 1 and plan.pins_created == 4
    planned = plan.notes[-1].split()[5]
    assert plan.notes[-1] == (
        f"1 round instead of the {planned} planned: a full design id keeps its palette and crop, so only the products' "
        "photos can change between rounds and 'Hammered ring' has 1 photo; name the designs by template (e.g. "
        "photo-band,split-block) to vary the look per round, or add photos"
    )


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


def test_looks_every_four_weeks_stop_on_a_clear_result_then_freeze_and_hand_on(engine: Engine, setup) -> None:  # type: ignore[no-untyped-def]
    account_id = setup[0]
    plan = _create(engine, setup, planned_impressions=24_000, auto=True)
    (status,) = evaluate(engine, account_id, NOW)
    assert status.outcome == "collecting" and status.verdict.winner is None
    assert [v.pins_waiting for v in status.variants] == [12, 12]

    _post_and_measure(engine, {"photo-band": 0.010, "split-block": 0.016}, 1000)
    (status,) = evaluate(engine, account_id, NOW + timedelta(days=10))
    assert status.outcome == "collecting" and status.verdict.looks == []  # no look is due before four weeks
    assert status.as_dict()["p_value"] is None
    # The first look (at 4 weeks, a third of the information in): the early boundary is high, and
    # 1.0% vs 1.6% over 12 pairs of pins does not pass it yet.
    (status,) = evaluate(engine, account_id, NOW + timedelta(days=30))
    assert status.outcome == "collecting" and len(status.verdict.looks) == 1
    assert status.verdict.bound is not None and status.verdict.z < status.verdict.bound
    assert preferred_design(engine, account_id, plan.product_ids[0]) is None

    # Three times the data; 12 pairs over 3 boards leave the error 3 degrees of freedom (a round on a
    # board is a unit, each board's own average costs one), so "clear" is 1.0% vs 1.8%.
    _post_and_measure(engine, {"photo-band": 0.010, "split-block": 0.018}, 2000)
    (status,) = evaluate(engine, account_id, NOW + timedelta(days=40))
    assert status.outcome == "collecting"  # the next look is at 8 weeks, whatever the data say now
    (status,) = evaluate(engine, account_id, NOW + timedelta(days=60))
    assert status.just_finished and status.outcome == "winner" and status.winner_design == "split-block"
    assert len(status.verdict.looks) == 2 and status.verdict.progress < 1  # stopped early: a clear result
    assert "split-block beat photo-band: 1.80% vs 1.00%" in status.summary["successes"][0]
    assert "Future pins of these products use split-block." in status.summary["learned"]
    for product_id in plan.product_ids:
        assert preferred_design(engine, account_id, product_id) == "split-block"

    # Later data can never flip the verdict: the counts it was judged on are frozen.
    _post_and_measure(engine, {"photo-band": 0.05, "split-block": 0.0}, 50_000)
    (again,) = evaluate(engine, account_id, NOW + timedelta(days=90))
    assert again.outcome == "winner" and again.winner_design == "split-block" and not again.just_finished
    # Every round of an arm counts, though each round drew it in another look (variant_key).
    assert again.variants[0].counts.trials == 24_000 and len(again.variants[0].counts.units) == 12


def test_every_test_ends_with_a_verdict_by_its_horizon(engine: Engine, setup) -> None:  # type: ignore[no-untyped-def]
    account_id = setup[0]
    plan = _create(engine, setup, planned_impressions=12_000)
    _post_and_measure(engine, {"photo-band": 0.010, "split-block": 0.0105}, 1000)
    (status,) = evaluate(engine, account_id, NOW + timedelta(days=30))
    assert status.outcome == "collecting"
    (status,) = evaluate(engine, account_id, NOW + timedelta(days=plan.horizon_days + 1))
    assert status.outcome == "no_difference" and status.winner_design is None and status.summary["failures"] == []
    # The owner chose the sample: the lesson says how large a difference it ruled out, and that
    # a real 30% one could easily have been missed.
    lesson = status.summary["learned"][-1]
    assert "not settled" in lesson and "no difference larger than" in lesson and "1,000 views per design" not in lesson
    larger = int(lesson.split("no difference larger than ")[1].split("%")[0])
    assert 45 <= larger <= 90 and status.as_dict()["no_difference_larger_than"] > 0.3
    assert preferred_design(engine, account_id, 1) is None

    # A test that never got a click still ends by its horizon, says it tested nothing, and frees the boards.
    _create(engine, setup, name="slow", planned_impressions=10**7, horizon_days=10)
    statuses = {s.name: s for s in evaluate(engine, account_id, NOW + timedelta(days=11))}
    slow = statuses["slow"]
    assert slow.outcome == "no_difference" and "not tested" in slow.summary["learned"][-1]
    assert {p.status for p in _pins(engine) if (p.source_key or "").startswith("exp:slow:")} == {PinStatus.cancelled}


def test_no_difference_with_enough_data_says_a_lift_would_have_shown(engine: Engine, setup) -> None:  # type: ignore[no-untyped-def]
    account_id = setup[0]
    plan = _create(engine, setup, rounds=12)
    assert plan.power > 0 and plan.information > 0
    _post_and_measure(engine, {"photo-band": 0.010, "split-block": 0.0102}, 4000)
    (status,) = evaluate(engine, account_id, NOW + timedelta(days=30))
    assert status.outcome == "no_difference" and status.verdict.progress == 1  # more than planned: final
    lesson = status.summary["learned"][-1]
    assert "not supported" in lesson and "4,000 views per design" not in lesson
    larger = int(lesson.split("no difference larger than ")[1].split("%")[0])
    assert 15 <= larger < 30


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
