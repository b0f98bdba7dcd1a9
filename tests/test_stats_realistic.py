"""The verdict's error rates under realistic conditions, where pooling impressions would mislead.

Each simulated experiment has 8 rounds x 2 boards x 3 products = 48 strata with one pin per design
in each (the arms balanced within every stratum, as `pinbot.experiments.plan` queues them). What makes it
realistic, as in the emulator:

- strata differ: each round, board and product multiplies the click rate by a lognormal factor
  (sigma 0.3 for the round's look, 0.2 for the board, 0.2 for the product: about +-40% overall);
- reach is heavy-tailed: a pin's daily impressions are Poisson(60 * R) with R lognormal (sigma 1,
  mean 1) or Pareto (alpha 1.3, capped at 400, mean ~1), so a few pins take most impressions;
- pins of one design differ: each pin's click rate is multiplied by a lognormal factor (sigma 0.2
  unless a test says otherwise);
- rounds start a week apart, so early rounds hold more impressions when the plan is reached.

The baseline is a 1% click rate; the plan (alpha 2%, power 97.5%, +30%) is 46,408 impressions per
design. The verdict is evaluated every second day and taken at the first evaluation that is final.

Measured with these seeds (200 per condition): false winners 4/200 (lognormal reach, pin sigma
0.2), 3/200 (Pareto reach), 1/200 (pin sigma 0.35); a 30% lift found 188/200 with no pin-to-pin
spread and 163/200 with sigma 0.2 (that spread is not in the plan's effective impressions, see
`pinbot.stats`), never the wrong design. The pooled comparison on the same data (no stratum labels)
declares 12/200 false winners.
"""

from __future__ import annotations

import math
import random

import pytest

from pinbot.stats import (
    VariantCounts,
    planned_sample,
    stratified_test,
    t_two_sided_p,
    two_proportion_test,
    verdict,
)

SEEDS = 200
BASELINE = 0.01
ROUNDS, BOARDS, PRODUCTS = 8, 2, 3
DAILY_IMPRESSIONS = 60.0
STEP_DAYS = 2


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, prod = math.exp(-lam), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


def _reach(rng: random.Random, tail: str) -> float:
    if tail == "pareto":  # alpha 1.3 capped at 400, scaled to mean ~1
        return min(400.0, (1 - rng.random()) ** (-1 / 1.3)) / 3.9
    return math.exp(rng.gauss(-0.5, 1.0))


def _run(
    seed: int, lift: float, planned: int, tail: str = "lognormal", pin_sigma: float = 0.2, strata: bool = True
) -> str | None:
    """One experiment: the declared winner ("A", "B") or None (no difference, or never finished)."""
    rng = random.Random(seed)
    looks = [math.exp(rng.gauss(0, 0.3)) for _ in range(ROUNDS)]
    boards = [math.exp(rng.gauss(0, 0.2)) for _ in range(BOARDS)]
    products = [math.exp(rng.gauss(0, 0.2)) for _ in range(PRODUCTS)]
    pins = []  # (arm, stratum, start day, daily impressions, click rate)
    for r in range(ROUNDS):
        for b in range(BOARDS):
            for p in range(PRODUCTS):
                base = BASELINE * looks[r] * boards[b] * products[p]
                for arm, effect in (("A", 1.0), ("B", 1.0 + lift)):
                    rate = min(0.5, base * effect * math.exp(rng.gauss(-(pin_sigma**2) / 2, pin_sigma)))
                    pins.append((arm, f"{r}:{b}:{p}", 7 * r, DAILY_IMPRESSIONS * _reach(rng, tail), rate))
    totals = [[0, 0] for _ in pins]
    for day in range(0, 360, STEP_DAYS):
        for i, (_, _, start, daily, rate) in enumerate(pins):
            days = max(0, min(STEP_DAYS, day + STEP_DAYS - start))
            n = _poisson(rng, daily * days)
            totals[i][0] += min(n, _poisson(rng, n * rate))
            totals[i][1] += n
        counts = []
        for arm in ("A", "B"):
            mine = [i for i, pin in enumerate(pins) if pin[0] == arm]
            units = tuple((totals[i][0], totals[i][1]) for i in mine)
            counts.append(
                VariantCounts(
                    arm,
                    sum(x for x, _ in units),
                    sum(n for _, n in units),
                    units,
                    tuple(pins[i][1] for i in mine) if strata else (),
                )
            )
        v = verdict(counts, planned)
        if v.final:
            return v.winner
    return None


PLANNED = planned_sample(BASELINE, 0.30)


def test_student_t_p_values_match_tables() -> None:
    # Two-sided 5% critical values of t: 12.706 (1 df), 4.303 (2), 2.228 (10), 2.064 (24).
    for t, df in ((12.706, 1), (4.303, 2), (2.228, 10), (2.064, 24)):
        assert t_two_sided_p(t, df) == pytest.approx(0.05, abs=2e-4)
    assert t_two_sided_p(0.0, 5) == pytest.approx(1.0)


def test_a_big_pin_in_a_better_round_gets_no_credit() -> None:
    # Round 1 clicks at 2%, round 2 at 1%, both designs alike within each round; B's big pins landed
    # in round 1 and A's in round 2. Pooled, B looks 82% better; within rounds there is nothing.
    units_a = ((20, 1_000), (20, 1_000), (200, 20_000), (100, 10_000))
    units_b = ((400, 20_000), (200, 10_000), (10, 1_000), (10, 1_000))
    strata = ("1:x", "1:y", "2:x", "2:y")
    a = VariantCounts("A", 340, 32_000, units_a, strata)
    b = VariantCounts("B", 620, 32_000, units_b, strata)
    pooled = two_proportion_test(340, 32_000, 620, 32_000)
    assert pooled.lift == pytest.approx(0.8235, abs=1e-3) and pooled.p_value < 1e-9
    comparison, plan_effect, _, k = stratified_test(a, b)
    assert k == 4 and comparison.lift == pytest.approx(0.0, abs=1e-9) and comparison.p_value > 0.5
    assert plan_effect > 3  # uneven reach within strata: far fewer impressions count than were shown
    v = verdict([a, b], 1_000)
    assert v.status == "no_difference" and v.winner is None and v.strata == 4
    # The plan counts effective impressions: 32,000 shown are not yet 10,000 effective ones.
    assert verdict([a, b], 10_000).status == "collecting"


def _false_winners(first_seed: int, tail: str = "lognormal", pin_sigma: float = 0.2, strata: bool = True) -> int:
    return sum(_run(first_seed + s, 0.0, PLANNED, tail, pin_sigma, strata) is not None for s in range(SEEDS))


def test_the_simulation_catches_a_pooled_comparison() -> None:
    # Without stratum labels the verdict pools impressions (with the dispersion correction): here a
    # design whose big-reach pin fell in a better-clicking round takes the credit.
    wrong = _false_winners(50_000, strata=False)
    assert wrong / SEEDS > 0.05, f"pooled: {wrong}/{SEEDS} false winners"


def test_no_false_winners_with_strata_heavy_tailed_reach_and_pin_heterogeneity() -> None:
    wrong = _false_winners(50_000)
    assert wrong / SEEDS <= 0.05, f"declared a false winner in {wrong}/{SEEDS}"


def test_no_false_winners_with_pareto_reach() -> None:
    wrong = _false_winners(60_000, tail="pareto")
    assert wrong / SEEDS <= 0.05, f"declared a false winner in {wrong}/{SEEDS}"


def test_no_false_winners_when_pins_differ_a_lot() -> None:
    wrong = _false_winners(80_000, pin_sigma=0.35)
    assert wrong / SEEDS <= 0.05, f"declared a false winner in {wrong}/{SEEDS}"


def test_a_30_percent_lift_is_found_at_the_planned_sample_despite_strata_and_uneven_reach() -> None:
    results = [_run(75_000 + s, 0.30, PLANNED, pin_sigma=0.0) for s in range(SEEDS)]
    assert results.count("A") == 0
    # The plan is sized for a normal reference; the verdict reads t(47) and never trusts the strata
    # to agree better than chance, which costs a few points of the planned 97.5%.
    assert results.count("B") / SEEDS >= 0.90, f"found the better design in {results.count('B')}/{SEEDS}"


def test_a_30_percent_lift_is_usually_found_when_pins_also_differ() -> None:
    # Pin-to-pin spread costs power the plan does not buy back (see pinbot.stats); still most lifts show.
    results = [_run(70_000 + s, 0.30, PLANNED) for s in range(SEEDS)]
    assert results.count("A") == 0
    assert results.count("B") / SEEDS >= 0.75, f"found the better design in {results.count('B')}/{SEEDS}"
