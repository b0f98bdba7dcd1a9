"""The sequential verdict: boundaries that pay for every look, the paired test within strata,
the pin-level comparison the review uses, and a verdict at the last look whatever the data."""

from __future__ import annotations

import math
import random
from statistics import NormalDist

import pytest

from pinbot.stats import VariantCounts, compare_pins, paired_test
from pinbot.stats_sequential import Looks, detectable, power, replay, spent, verdict

N = NormalDist()


def test_one_look_is_the_plain_test_and_more_looks_spend_the_same_alpha() -> None:
    assert replay([1.0], 0.05, final=True) == [pytest.approx(1.95996, abs=1e-4)]
    first, last = replay([0.5, 1.0], 0.05, final=True)
    # Lan-DeMets O'Brien-Fleming type: the first boundary is the spending at t = 0.5 exactly.
    assert first == pytest.approx(N.inv_cdf(1 - spent(0.5, 0.05) / 2), abs=1e-6) and first > 2.7
    assert 1.96 < last < 2.0  # nearly the single look's boundary at the end
    gs = Looks(0.05)
    for t, final in ((0.2, False), (0.45, False), (0.7, False), (0.9, True)):
        gs.look(t, final=final)
    assert gs.crossed == pytest.approx(0.05, abs=2e-4)  # all the alpha, over every look, and no more
    assert gs.bounds == sorted(gs.bounds, reverse=True)


def test_power_of_a_schedule_and_what_a_test_could_have_seen() -> None:
    drift = N.inv_cdf(0.975) + N.inv_cdf(0.9)
    assert power([1.0], 0.05, drift) == pytest.approx(0.9, abs=1e-3)
    five = power([0.2, 0.4, 0.6, 0.8, 1.0], 0.05, drift)
    assert 0.87 < five < 0.9  # looking four extra times costs about a point of power
    assert detectable([1.0], 0.05, 0.9) == pytest.approx(drift, abs=1e-3)
    # The final look spends what is left even when it comes early (the horizon came first).
    assert detectable([0.2, 0.5], 0.05, 0.9) > detectable([0.2, 0.5, 1.0], 0.05, 0.9)


def _arms(rates: tuple[float, float], strata: int, shown: list[int], seed: int) -> list[VariantCounts]:
    rng = random.Random(seed)
    out = []
    for key, rate in zip("AB", rates, strict=True):
        units = []
        for s in range(strata):
            n = shown[s % len(shown)]
            units.append((sum(rng.random() < rate for _ in range(n)), n))
        labels = tuple(f"{s // 3}:{s % 3}:1" for s in range(strata))  # rounds of 3 boards, one product
        out.append(VariantCounts(key, sum(x for x, _ in units), sum(n for _, n in units), tuple(units), labels))
    return out


def test_paired_test_finds_a_real_lift_and_holds_its_level() -> None:
    a, b = _arms((0.01, 0.016), 30, [1500], seed=1)
    t = paired_test(a, b)
    assert t.z > 3 and 0.3 < t.lift < 0.9 and t.strata == 30 and t.top_share < 0.1
    low, high = t.interval()
    assert low < t.lift < high
    rejected = sum(abs(paired_test(*_arms((0.01, 0.01), 24, [800, 1500], seed=s)).z) > 1.96 for s in range(120))
    assert rejected <= 12  # about 5%: 6 expected


def test_one_stratum_with_most_of_the_weight_is_flagged() -> None:
    a = VariantCounts("A", 0, 0, ((10, 1000), (0, 10), (1, 10), (0, 10)), ("0:1:1", "1:1:1", "2:1:1", "3:1:1"))
    b = VariantCounts("B", 0, 0, ((30, 1000), (0, 10), (0, 10), (1, 10)), ("0:1:1", "1:1:1", "2:1:1", "3:1:1"))
    assert paired_test(a, b).top_share > 0.5
    v = verdict([a, b], planned_information=1.0, final=True)
    assert v.carried_by_one and v.status == "no_difference"  # one pair of pins is not a result


def test_every_final_look_gives_a_verdict_and_what_it_ruled_out() -> None:
    a, b = _arms((0.01, 0.0101), 24, [1000], seed=5)
    early = verdict([a, b], planned_information=500.0, look=True)
    assert early.status == "collecting" and len(early.looks) == 1 and early.bound is not None
    last = verdict([a, b], planned_information=500.0, looks=early.looks, final=True)
    assert last.status == "no_difference" and last.final_look and len(last.looks) == 2
    assert last.detectable_lift is not None and last.detectable_lift > 0.3  # too little data to rule out +30%
    assert last.power_at_plan is not None and last.power_at_plan < 0.9
    a, b = _arms((0.01, 0.02), 24, [1500], seed=6)
    assert verdict([a, b], planned_information=50.0, final=True).winner == "B"


def test_compare_pins_uses_the_pins_as_units() -> None:
    rest = [(10, 1000)] * 12
    steady = compare_pins([(5, 1000)] * 6, rest)
    assert steady.settled and steady.high < 1 and not steady.carried_by_one
    # The same clicks, but one pin holds 70% of the impressions: it carries the result, and says so.
    heavy = compare_pins([(15, 7000), (3, 600), (2, 600), (4, 800)], rest)
    assert heavy.carried_by_one
    # Pins that disagree a lot widen the interval far beyond the pooled binomial one.
    wild = compare_pins([(0, 1000), (14, 1000), (1, 1000), (12, 1000)], rest)
    assert not wild.settled and math.isfinite(wild.high)
