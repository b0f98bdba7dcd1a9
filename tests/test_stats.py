"""Statistics: intervals, the two-rate test, sample planning and the dispersion check.

The experiment verdict (sequential, within strata) is tested in tests/test_stats_sequential.py
and, against an independent simulation of small shops, in tests/test_experiments_sim.py.
"""

from __future__ import annotations

import math
import random

import pytest

from pinbot.stats import (
    ALPHA,
    POWER,
    achieved_power,
    dispersion,
    planned_sample,
    prob_better,
    two_proportion_test,
    wilson,
)


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
