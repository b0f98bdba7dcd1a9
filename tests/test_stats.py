"""Statistics: intervals, the two-rate test, sample planning, and the verdict's error rates on
simulated experiments with known truth.

Small-shop volume used by the simulation: 10 pins per variant, each shown ~150 times a day
(Poisson), outbound click rate 1% for the baseline design. The default plan (alpha 2% two-sided,
power 97.5%, 30% minimum lift) asks for 46,408 impressions per variant, i.e. about 31 days of
those 10 pins. The verdict is taken once, on the first day both variants reach the plan.
"""

from __future__ import annotations

import math
import random

import pytest

from pinbot.stats import (
    ALPHA,
    POWER,
    VariantCounts,
    achieved_power,
    dispersion,
    planned_sample,
    prob_better,
    two_proportion_test,
    verdict,
    wilson,
)

SEEDS = 250
PINS_PER_VARIANT = 10
IMPRESSIONS_PER_PIN_DAY = 150
BASELINE = 0.01


def test_wilson_interval_matches_reference_values() -> None:
    # Reference: Wilson 95% for 5/100 is [0.0215, 0.1118] (Newcombe 1998, table I method 3).
    r = wilson(5, 100)
    assert r.value == pytest.approx(0.05)
    assert r.low == pytest.approx(0.0215, abs=1e-4)
    assert r.high == pytest.approx(0.1118, abs=1e-4)
    zero = wilson(0, 100)
    assert zero.low == 0.0 and 0.03 < zero.high < 0.04
    assert wilson(0, 0).high == 1.0
    # The interval shrinks with the sample.
    assert wilson(50, 10_000).high - wilson(50, 10_000).low < r.high - r.low


def test_wilson_covers_the_truth_about_95_percent_of_the_time() -> None:
    rng = random.Random(7)
    p, n, covered = 0.02, 2_000, 0
    for _ in range(400):
        x = _binomial(rng, n, p)
        r = wilson(x, n)
        covered += r.low <= p <= r.high
    assert 0.92 <= covered / 400 <= 0.985


def test_two_proportion_test_reference() -> None:
    # 100/10,000 vs 130/10,000: pooled z = 1.99, p = 0.047 (textbook formula, computed by hand).
    c = two_proportion_test(100, 10_000, 130, 10_000)
    assert c.z == pytest.approx(1.9896, abs=1e-3)
    assert c.p_value == pytest.approx(0.0466, abs=1e-3)
    assert c.lift == pytest.approx(0.30)
    assert 0.97 < c.prob_b_better < 0.99
    # Widening for overdispersion can only make the evidence weaker.
    assert two_proportion_test(100, 10_000, 130, 10_000, dispersion=2.0).p_value > c.p_value
    assert prob_better(10, 100, 10, 100) == pytest.approx(0.5)


def test_planned_sample_grows_with_power_and_shrinks_with_the_base_rate() -> None:
    n80 = planned_sample(0.01, 0.30, alpha=0.05, power=0.80)
    n95 = planned_sample(0.01, 0.30, alpha=0.05, power=0.95)
    assert 18_000 < n80 < 21_000  # the classic ~19.8k per arm for 1% -> 1.3%
    assert n95 > 1.6 * n80
    assert planned_sample(0.02) < planned_sample(0.01)
    with pytest.raises(ValueError):
        planned_sample(0.0)


def test_achieved_power_reads_the_plan_backwards() -> None:
    n = planned_sample(0.01, 0.30)
    assert POWER <= achieved_power(0.01, 0.30, n) < POWER + 0.001
    assert achieved_power(0.01, 0.30, planned_sample(0.01, 0.30, alpha=0.05, power=0.80), alpha=0.05) == pytest.approx(
        0.80, abs=0.002
    )
    half, quarter = achieved_power(0.01, 0.30, n / 2), achieved_power(0.01, 0.30, n / 4)
    assert 0.5 < half < 0.9 and quarter < half  # a hand-set smaller sample misses real lifts often
    assert achieved_power(0.01, 0.30, n, alpha=ALPHA / 2) < achieved_power(0.01, 0.30, n)  # Bonferroni costs power
    assert achieved_power(0.0, 0.30, n) == achieved_power(0.01, 0.30, 0) == 0.0


def test_dispersion_flags_heterogeneous_pins_not_binomial_ones() -> None:
    rng = random.Random(3)
    flagged = sum(dispersion([[(_binomial(rng, 3000, 0.01), 3000) for _ in range(20)]])[0] > 1 for _ in range(300))
    assert flagged / 300 <= 0.09  # a 5%-level check: binomial pins are rarely corrected
    mixed = [(_binomial(rng, 3000, rng.choice((0.003, 0.02))), 3000) for _ in range(20)]
    phi, df = dispersion([mixed])
    assert phi > 2.0 and df == 19


def test_no_verdict_before_the_planned_sample() -> None:
    a = VariantCounts("A", 10, 1000)
    b = VariantCounts("B", 60, 1000)  # a huge early difference...
    v = verdict([a, b], planned=5000)
    assert v.status == "collecting" and v.winner is None and not v.final  # ...is not a verdict yet
    assert v.leader == "B" and v.progress == pytest.approx(0.2)
    assert verdict([a, b], planned=1000).winner == "B"


def _binomial(rng: random.Random, n: int, p: float) -> int:
    """Exact Binomial(n, p) draw by geometric waiting times: O(n*p), fast for small p."""
    if p <= 0 or n <= 0:
        return 0
    log_q = math.log1p(-p)
    count, pos = 0, 0
    while True:
        pos += int(math.log(1.0 - rng.random()) / log_q) + 1
        if pos > n:
            return count
        count += 1


def _poisson(rng: random.Random, lam: float) -> int:
    return max(0, round(rng.gauss(lam, math.sqrt(lam))))


def _run_experiment(seed: int, rates: dict[str, float], planned: int, pin_spread: float = 0.0) -> str | None:
    """Simulate pins day by day until every variant reaches the plan; return the declared winner."""
    rng = random.Random(seed)
    pins = {
        key: [rate * math.exp(rng.gauss(0.0, pin_spread)) for _ in range(PINS_PER_VARIANT)]
        for key, rate in rates.items()
    }
    totals = {key: [[0, 0] for _ in range(PINS_PER_VARIANT)] for key in rates}
    for _day in range(400):
        for key, pin_rates in pins.items():
            for i, rate in enumerate(pin_rates):
                n = _poisson(rng, IMPRESSIONS_PER_PIN_DAY)
                totals[key][i][0] += _binomial(rng, n, rate)
                totals[key][i][1] += n
        counts = [
            VariantCounts(key, sum(x for x, _ in units), sum(n for _, n in units), tuple((x, n) for x, n in units))
            for key, units in totals.items()
        ]
        v = verdict(counts, planned)
        if v.final:
            return v.winner
    raise AssertionError("the plan was never reached")


def test_simulated_experiments_find_a_30_percent_lift_and_rarely_invent_one() -> None:
    planned = planned_sample(BASELINE, 0.30)
    assert planned == 46_408  # ~31 days of 10 pins x 150 impressions per variant

    found = sum(_run_experiment(s, {"A": BASELINE, "B": BASELINE * 1.3}, planned) == "B" for s in range(SEEDS))
    wrong = sum(_run_experiment(10_000 + s, {"A": BASELINE * 1.3, "B": BASELINE}, planned) == "B" for s in range(SEEDS))
    false_winners = sum(
        _run_experiment(20_000 + s, {"A": BASELINE, "B": BASELINE}, planned) is not None for s in range(SEEDS)
    )
    assert found / SEEDS >= 0.95, f"found the better design in {found}/{SEEDS}"
    assert wrong == 0
    assert false_winners / SEEDS <= 0.05, f"declared a false winner in {false_winners}/{SEEDS}"


def test_pin_to_pin_variation_does_not_inflate_false_winners() -> None:
    # Pins of the same design differ by a factor of ~1.5 either way: an impression-level test that
    # ignored it would declare false winners far too often; the dispersion correction holds alpha.
    planned = planned_sample(BASELINE, 0.30)
    false_winners = sum(
        _run_experiment(30_000 + s, {"A": BASELINE, "B": BASELINE}, planned, pin_spread=0.4) is not None
        for s in range(SEEDS)
    )
    assert false_winners / SEEDS <= 0.05, f"declared a false winner in {false_winners}/{SEEDS}"


def test_three_variants_keep_the_false_winner_rate() -> None:
    planned = planned_sample(BASELINE, 0.30)
    false_winners = sum(
        _run_experiment(40_000 + s, {"A": BASELINE, "B": BASELINE, "C": BASELINE}, planned) is not None
        for s in range(120)
    )
    assert false_winners / 120 <= 0.05
