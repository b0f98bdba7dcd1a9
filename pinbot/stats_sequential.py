"""Looking at an experiment more than once without inventing winners: group-sequential boundaries.

Owns the alpha-spending design every experiment uses (Lan-DeMets, O'Brien-Fleming type), the
boundary at each look, the power of a schedule of looks, and the smallest lift a finished test
would have seen.

In plain words: the test may look every couple of weeks, but an early look only stops it when the
evidence is overwhelming (the boundary starts very high and falls to almost the single-look one at
the end), so the chance of a false winner over all looks together stays `alpha`, and a clear
result still stops early and frees the boards. The last look (at the horizon, or when the planned
information is in) spends whatever alpha is left, so the test always ends with a verdict.

The looks are placed on an information scale: `t = information so far / information planned`, with
the information the test's own weights give (impressions and clicks only, never which design
leads). The boundaries follow from the joint normal law of the statistic at the looks (a Brownian
motion on that scale), integrated numerically on a grid (Armitage, McPherson & Rowe), pure Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from statistics import NormalDist

from pinbot.stats import ALPHA, MIN_LIFT, PIN_SPREAD, Comparison, Paired, VariantCounts, Verdict, paired_test, wilson

_N = NormalDist()
_GRID = 41  # points of the density between the boundaries (odd, for Simpson's rule)


def spent(t: float, alpha: float) -> float:
    """Two-sided alpha spent by information fraction `t` (O'Brien-Fleming type spending)."""
    if t <= 0:
        return 0.0
    if t >= 1:
        return alpha
    return 2 * (1 - _N.cdf(_N.inv_cdf(1 - alpha / 2) / math.sqrt(t)))


def _simpson(n: int) -> list[float]:
    w = [1.0] + [4.0 if i % 2 else 2.0 for i in range(1, n - 1)] + [1.0]
    return [x / 3 for x in w]


@dataclass
class Looks:
    """The looks taken so far: their information fractions, |z| boundaries and the density of the
    score (z * sqrt(t)) of the paths that carried on, on a grid between the last boundaries.

    `drift` is the expected z at t = 1 (0 under no difference): with it the same recursion gives
    the chance of stopping, i.e. the power.
    """

    alpha: float
    drift: float = 0.0
    fractions: list[float] = field(default_factory=list)
    bounds: list[float] = field(default_factory=list)
    crossed: float = 0.0  # probability of having stopped above the boundary (either side) so far
    crossed_up: float = 0.0  # ... on the side of the drift (the right winner)
    _grid: list[float] = field(default_factory=list)
    _dens: list[float] = field(default_factory=list)  # sub-density of paths still running

    def _tail(self, b: float, t: float) -> tuple[float, float]:
        """P(still running before, |score at t| >= b * sqrt(t)): (both sides, drift side)."""
        mean_step = self.drift * (t - (self.fractions[-1] if self.fractions else 0.0))
        if not self.fractions:
            sd = math.sqrt(t)
            up = 1 - _N.cdf((b * sd - self.drift * t) / sd)
            down = _N.cdf((-b * sd - self.drift * t) / sd)
            return up + down, up
        sd = math.sqrt(max(t - self.fractions[-1], 1e-12))
        edge = b * math.sqrt(t)
        h = self._grid[1] - self._grid[0]
        wts = _simpson(len(self._grid))
        up = down = 0.0
        for s, f, w in zip(self._grid, self._dens, wts, strict=True):
            mass = f * w * h
            up += mass * (1 - _N.cdf((edge - s - mean_step) / sd))
            down += mass * _N.cdf((-edge - s - mean_step) / sd)
        return up + down, up

    def look(self, t: float, final: bool = False, bound: float | None = None, last: bool = False) -> float:
        """Take a look at information fraction `t`; returns its |z| boundary.

        `final` spends all the alpha left; `bound` replays a boundary fixed earlier (so the
        chance of stopping under a drift can be computed for boundaries made under no drift);
        `last` (or `final`): no look follows, so the paths that carry on need not be followed.
        """
        t = max(t, (self.fractions[-1] if self.fractions else 0.0) + 1e-6)
        if bound is None:
            prior = spent(self.fractions[-1], self.alpha) if self.fractions else 0.0
            target = (self.alpha if final else spent(t, self.alpha)) - prior
            bound = self._solve(t, max(target, 0.0))
        both, up = self._tail(bound, t)
        self.crossed += both
        self.crossed_up += up
        if not (final or last):
            self._carry(t, bound)
        self.fractions.append(t)
        self.bounds.append(bound)
        return bound

    def _solve(self, t: float, target: float) -> float:
        if target <= 1e-12:
            return 40.0  # nothing to spend: never stop here
        saved, self.drift = self.drift, 0.0  # boundaries are set under "no difference"
        lo, hi = 0.0, 40.0
        for _ in range(60):
            mid = (lo + hi) / 2
            if self._tail(mid, t)[0] > target:
                lo = mid
            else:
                hi = mid
        self.drift = saved
        return hi

    def _carry(self, t: float, b: float) -> None:
        edge = b * math.sqrt(t)
        edge = min(edge, 8 * math.sqrt(t) + abs(self.drift) * t)  # beyond 8 sd nothing is left
        h = 2 * edge / (_GRID - 1)
        grid = [-edge + i * h for i in range(_GRID)]
        if not self.fractions:
            sd = math.sqrt(t)
            dens = [_N.pdf((s - self.drift * t) / sd) / sd for s in grid]
        else:
            sd = math.sqrt(max(t - self.fractions[-1], 1e-12))
            step = self.drift * (t - self.fractions[-1])
            old_h = self._grid[1] - self._grid[0]
            mass = [w * old_h * f for w, f in zip(_simpson(len(self._grid)), self._dens, strict=True)]
            pairs = [(s0 + step, m) for s0, m in zip(self._grid, mass, strict=True) if m > 1e-15]
            k, exp = -0.5 / (sd * sd), math.exp
            norm = 1 / (sd * math.sqrt(2 * math.pi))
            dens = [norm * sum(m * exp(k * (s - c) * (s - c)) for c, m in pairs) for s in grid]
        self._grid, self._dens = grid, dens


def replay(fractions: Sequence[float], alpha: float, final: bool) -> list[float]:
    """The boundaries of a history of looks (the last one final or not): deterministic, so a
    status read any day gives the boundaries the looks had."""
    return list(_replay(tuple(round(t, 9) for t in fractions), alpha, final))


@lru_cache(maxsize=4096)
def _replay(fractions: tuple[float, ...], alpha: float, final: bool) -> tuple[float, ...]:
    if len(fractions) > 1:  # the earlier looks' boundaries do not depend on this one
        earlier = _replay(fractions[:-1], alpha, False)
        gs = Looks(alpha)
        for t, b in zip(fractions[:-1], earlier, strict=True):
            gs.look(t, bound=b)
        gs.look(fractions[-1], final=final)
        return tuple(gs.bounds)
    gs = Looks(alpha)
    for i, t in enumerate(fractions):
        gs.look(t, final=final and i == len(fractions) - 1)
    return tuple(gs.bounds)


def power(fractions: Sequence[float], alpha: float, drift: float) -> float:
    """Chance of declaring the right winner by the last of these looks (the last one final) when
    the true difference has expected z `drift` at full information."""
    bounds = replay(fractions, alpha, final=True)
    gs = Looks(alpha, drift=drift)
    for i, (t, b) in enumerate(zip(fractions, bounds, strict=True)):
        gs.look(t, bound=b, last=i == len(fractions) - 1)
    return gs.crossed_up


def detectable(fractions: Sequence[float], alpha: float, chance: float) -> float:
    """The drift (expected z at full information) found with probability `chance` by these looks."""
    lo, hi = 0.0, 12.0
    for _ in range(22):
        mid = (lo + hi) / 2
        if power(fractions, alpha, mid) < chance:
            lo = mid
        else:
            hi = mid
    return hi


def verdict(
    variants: Sequence[VariantCounts],
    planned_information: float,
    looks: Sequence[float] = (),
    *,
    look: bool = True,
    final: bool = False,
    alpha: float = ALPHA,
    pin_spread: float = PIN_SPREAD,
    lift: float = MIN_LIFT,
) -> Verdict:
    """The experiment at this moment: `looks` are the information fractions of the looks already
    taken; with `look` this is one more (boundaries as in the module docstring), with `final` the
    last one, which always gives a verdict. The information planned is on the test's own scale
    (`pinbot.stats.paired_test`), so it is reached the earlier the more clicks and the more even
    the reach. With k designs the leader must beat every other one at alpha / (k - 1).
    """
    if len(variants) < 2:
        raise ValueError("an experiment needs at least two variants")
    rates = {v.key: wilson(v.successes, v.trials) for v in variants}
    first = variants[0]
    lifts = {first.key: 0.0} | {v.key: paired_test(first, v, pin_spread).estimate for v in variants[1:]}
    leader = max(variants, key=lambda v: (lifts[v.key], -variants.index(v)))
    tests = {v.key: paired_test(v, leader, pin_spread) for v in variants if v.key != leader.key}
    weakest = min(tests.values(), key=lambda t: (t.z, -t.information))
    # The information is the smaller of what the weights promise and what the strata's real spread
    # gives (1 / se^2): where pins disagree more than planned, the looks count as earlier ones,
    # with the stricter boundaries of an earlier look.
    information = min(min(t.information, 1 / t.se**2 if t.se > 0 else 0.0) for t in tests.values())
    fraction = information / planned_information if planned_information > 0 else 1.0
    final = final or fraction >= 1
    shown = min(v.trials for v in variants)
    pooled = sum(v.successes for v in variants) / max(1, sum(v.trials for v in variants))
    effective = 2 * information / pooled if pooled > 0 else 0.0  # a plain two-arm test's impressions
    lo, hi = weakest.interval()
    spread = (weakest.se**2 * information) if math.isfinite(weakest.se) and information > 0 else 1.0
    result = Verdict(
        status="collecting",
        alpha=alpha,
        dispersion=max(1.0, shown / effective) if effective > 0 else 1.0,
        rates=rates,
        comparisons={key: _comparison(t) for key, t in tests.items()},
        leader=leader.key,
        progress=min(fraction, 1.0),
        p_value=weakest.p_value,
        strata=weakest.strata,
        test_design_effect=max(1.0, shown / effective * spread) if effective > 0 else 1.0,
        effective_trials=math.floor(effective),
        z=weakest.z,
        looks=list(looks),
        lift_low=lo,
        lift_high=hi,
        carried_by_one=weakest.top_share > 0.5,
    )
    if not (look or final):
        return result
    fractions = [*looks, max(min(fraction, 1.0), (looks[-1] if looks else 0.0) + 1e-6)]
    per_test = alpha / (len(variants) - 1)
    bound = replay(fractions, per_test, final)[-1]
    result.looks, result.bound, result.final_look = fractions, bound, final
    if all(t.z > bound for t in tests.values()) and not result.carried_by_one:
        result.status, result.winner = "winner", leader.key
    elif final:
        result.status = "no_difference"
        if planned_information > 0 and information > 0:
            scale = math.sqrt(max(planned_information, information))  # more than planned: it saw more
            result.detectable_lift = math.exp(detectable(fractions, per_test, DETECT_CHANCE) / scale) - 1
            result.power_at_plan = power(fractions, per_test, math.log1p(lift) * scale)
    return result


DETECT_CHANCE = 0.9  # "no difference larger than X%": X is the lift the test would have seen this often


def _comparison(t: Paired) -> Comparison:
    return Comparison(t.rate_b - t.rate_a, t.lift, t.z, t.p_value, _N.cdf(t.z))
