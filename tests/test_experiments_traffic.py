"""What a shop's history tells a plan: twins' spread, boards' reach, and what the plan promises from them."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest

from pinbot.experiments.sizing import information_at, propose, schedule, strata_of
from pinbot.experiments.traffic import TWIN_SHARES, Traffic, traffic
from pinbot.stats import ALPHA


def _history(
    seed: int, photo_spread: float, past_extra: float, boards: tuple[float, ...] = (1.0, 1.0, 1.0), photos: bool = True
) -> list[tuple[int, int, float, str]]:
    """120 past pins over 2 products: a product's two photos differ in appeal by 2 x `past_extra`, twins of one photo
    on one board differ by `photo_spread`; boards' reach by `boards`."""
    rng = random.Random(seed)
    appeal = {(p, f): math.exp(past_extra if f else -past_extra) for p in range(2) for f in range(2)}
    out = []
    for _ in range(120):
        b, p, f = rng.randrange(len(boards)), rng.randrange(2), rng.randrange(2)
        n = max(1, round(2000 * boards[b] * math.exp(rng.gauss(-0.18, 0.6))))
        rate = 0.01 * appeal[p, f] * math.exp(rng.gauss(0, photo_spread))
        clicks = sum(rng.random() < rate for _ in range(n))
        out.append((clicks, n, 60.0, f"{b}|{p}|photo{f}" if photos else f"{b}|{p}"))
    return out


def test_twins_spread_is_read_from_pins_of_one_photo_on_one_board() -> None:
    pins = _history(1, photo_spread=0.15, past_extra=0.5)
    twins = traffic(pins, 0.01)
    assert twins.past_spread == 0 and twins.spread_dof > 10
    assert "one photo on one board" in twins.source
    assert twins.pin_spread < 0.3  # the photos' own appeal (0.5) is not the twins' spread
    # The promise is averaged over the twins' spreads the estimate allows: around it, not far off.
    assert len(twins.spreads) == 4 and list(twins.spreads) == sorted(twins.spreads)
    assert 0.6 * twins.pin_spread < twins.spreads[0] < twins.pin_spread < twins.spreads[-1] < 1.6 * twins.pin_spread
    # Without photos the board and product's spread holds the photos' appeal too: twins keep an
    # unknown share of it, and the promise is averaged over that share.
    past = traffic([(x, n, a, g.rsplit("|", 1)[0]) for x, n, a, g in pins], 0.01)
    assert past.past_spread > 0.4
    exact = replace(past, spread_dof=0.0)  # as if 120 pins told the past pins' spread exactly
    assert exact.spreads == pytest.approx([past.past_spread * math.sqrt(f) for f in TWIN_SHARES])
    assert len(past.spreads) == 4 and past.spreads[-1] > exact.spreads[-1]
    assert past.pin_spread < past.past_spread


def test_fewer_past_pins_tell_the_spread_less_precisely_and_the_promise_allows_for_it() -> None:
    pins = [(x, n, a, g.rsplit("|", 1)[0]) for x, n, a, g in _history(4, photo_spread=0.3, past_extra=0.0)]
    many, few = traffic(pins, 0.01), traffic(pins[:40], 0.01)
    assert 1 <= few.spread_dof < many.spread_dof
    # The plausible spreads' range shrinks as the history grows: the widest quarter gets closer to the estimate.
    assert few.spreads[-1] / few.past_spread > many.spreads[-1] / many.past_spread
    # A spread read from few pins may be low by chance: the promise is lower than if it were known exactly.
    plan = propose(many, 2, 3, 3, 0.3, ALPHA, 24, 3).sizing.power
    exact = propose(replace(many, spread_dof=0.0), 2, 3, 3, 0.3, ALPHA, 24, 3).sizing.power
    assert plan < exact


def test_the_promise_lies_between_what_the_extremes_of_the_twins_share_promise() -> None:
    known = traffic(_history(2, photo_spread=0.3, past_extra=0.0, photos=False), 0.01)
    plan = propose(known, 2, 3, 3, 0.3, ALPHA, 24, 3)
    low = Traffic(known.rate, known.per_pin, known.reach_spread, known.past_spread, "", 0.0, known.board_spread)
    high = Traffic(known.rate, known.per_pin, known.reach_spread, 0.1, "", 0.0, known.board_spread)
    at_past = propose(low, 2, 3, 3, 0.3, ALPHA, 24, 3).sizing.power
    at_none = propose(high, 2, 3, 3, 0.3, ALPHA, 24, 3).sizing.power
    assert at_past + 0.02 < plan.sizing.power < at_none - 0.02


def test_boards_of_uneven_reach_need_more_pins_since_every_board_counts_the_same() -> None:
    even = traffic(_history(3, 0.2, 0.0), 0.01)
    uneven = traffic(_history(3, 0.2, 0.0, boards=(0.25, 1.0, 4.0)), 0.01)
    assert even.board_spread < 0.3 < 1.0 < uneven.board_spread < 1.8
    assert len(uneven.board_factors(3)) == 3 and even.board_factors(1) == (1.0,)
    flat = Traffic(uneven.rate, uneven.per_pin, uneven.reach_spread, uneven.pin_spread, "", uneven.past_spread)
    fair = propose(uneven, 2, 3, 3, 0.3, ALPHA, 24, 3).sizing
    pooled = propose(flat, 2, 3, 3, 0.3, ALPHA, 24, 3).sizing
    assert fair.information < 0.9 * pooled.information and fair.power < pooled.power


def test_weights_that_do_not_fit_the_twins_true_spread_give_less_information() -> None:
    # The verdict weighs strata with the plan's spread; when the twins really differ more (or less),
    # the plan's promise counts the information those weights give, less than fitting ones would.
    strata = strata_of(schedule(2, 3, 3, 4, 16))
    at = max(h for s in strata for h in s) + 28 * 24
    for truth, other in ((0.4, 0.1), (0.1, 0.4)):
        fits = information_at(strata, at, Traffic(0.01, 1000, 1.0, truth, ""), spread=truth)[0]
        off = information_at(strata, at, Traffic(0.01, 1000, 1.0, other, ""), spread=truth)[0]
        assert 0.5 * fits < off < 0.99 * fits
