"""What the shop's history says about its traffic, or the stated prior when it has too little.

Owns reading, from the shop's pins of the last 90 days, the click rate, a pin's impressions over
its first 30 days, how uneven reach is between pins and between boards, and how much pins' click
rates differ beyond chance and how precisely the history tells that (docs/statistics.md);
`pinbot.experiments.sizing` sizes a test from it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist, fmean, pstdev

from pinbot.stats import PIN_SPREAD

ACCRUAL_DAYS = 10.0  # a pin gets most of its impressions in its first weeks (1 - e^(-age/10))
PRIOR_PER_PIN = 1000  # a small shop's pin over its first 30 days, when the shop has no history
PRIOR_REACH_SPREAD = 1.0  # log-scale spread of reach between pins (a long tail)
MIN_HISTORY_PINS = 10
SPREAD_RANGE = (0.1, 0.6)  # the pin spreads a plan believes in (log scale)
# Twins (one photo, one board, posted side by side) keep an unknown share of the spread past pins of
# a board and product show (those also differ in photo, design and season): any share from none to
# all of it, equally likely; the promise is averaged over the four quarters (docs/statistics.md).
TWIN_SHARES = (0.125, 0.375, 0.625, 0.875)
QUADRATURE = 16  # points per uncertain quantity when the promise's spreads are worked out
_N = NormalDist()


@dataclass(frozen=True)
class Traffic:
    rate: float
    per_pin: float  # mean impressions of a pin over its first 30 days
    reach_spread: float
    pin_spread: float  # the twins' spread the test weighs with
    source: str
    past_spread: float = 0.0  # measured among past pins of a board and product: twins keep part of it
    board_spread: float = 0.0  # log-scale spread of the boards' own reach
    # How precisely the history pins its spread down (the measured one: past pins' or twins'): the
    # estimate plus the clicks' own noise varies as a scaled chi-square with this many degrees of
    # freedom (0: not measured, a stated prior); `spreads` averages over the true spreads it allows.
    spread_dof: float = 0.0
    spread_noise: float = 0.0  # the clicks' own noise in that estimate (variance, log scale)

    def board_factors(self, boards: int) -> tuple[float, ...]:
        """Each board's reach relative to the average: evenly spaced quantiles of the boards' spread."""
        if boards < 2 or self.board_spread <= 0:
            return (1.0,)
        s = self.board_spread
        return tuple(math.exp(s * _N.inv_cdf((b + 0.5) / boards) - s * s / 2) for b in range(boards))

    @property
    def spreads(self) -> tuple[float, ...]:
        """The twins' spreads the promise is averaged over, equally likely: the midpoints of its four
        quarters, over what twins keep of past pins' spread (TWIN_SHARES) and, when the spread was
        measured, over the true spreads its estimate allows (`spread_dof`); or the one known."""
        measured = self.past_spread if self.past_spread > 0 else self.pin_spread
        if self.spread_dof > 0:
            noise, dof = self.spread_noise, self.spread_dof
            # Given the estimate, true spread + noise = (estimate + noise) x dof / chi-square(dof).
            level = measured**2 + noise
            truths = [level * dof / _chi2(dof, (k + 0.5) / QUADRATURE) - noise for k in range(QUADRATURE)]
        else:
            truths = [measured**2]
        truths = [min(max(v, SPREAD_RANGE[0] ** 2), SPREAD_RANGE[1] ** 2) for v in truths]
        if self.past_spread <= 0 and len(truths) == 1:
            return (self.pin_spread,)
        if len(truths) == 1:
            return tuple(math.sqrt(truths[0] * f) for f in TWIN_SHARES)
        # Twins keep any share of the past pins' spread from none to all of it, equally likely.
        shares = [1.0] if self.past_spread <= 0 else [(k + 0.5) / QUADRATURE for k in range(QUADRATURE)]
        twins = sorted(v * f for v in truths for f in shares)
        return tuple(math.sqrt(twins[int(q * len(twins))]) for q in TWIN_SHARES)

    def as_dict(self) -> dict[str, float | str]:
        return {
            "rate": self.rate,
            "impressions_per_pin_30d": round(self.per_pin),
            "reach_spread": round(self.reach_spread, 3),
            "pin_spread": round(self.pin_spread, 3),
            "past_pin_spread": round(self.past_spread, 3),
            "board_spread": round(self.board_spread, 3),
            "pin_spread_dof": round(self.spread_dof, 1),
            "source": self.source,
        }


def _chi2(dof: float, p: float) -> float:
    """The chi-square quantile (Wilson-Hilferty: close enough for averaging over a spread)."""
    h = 2 / (9 * dof)
    return dof * max(1 - h + _N.inv_cdf(p) * math.sqrt(h), 0.05) ** 3


def accrued(age_days: float) -> float:
    """Share of a pin's first-30-day impressions it has at this age."""
    if age_days <= 0:
        return 0.0
    return (1 - math.exp(-age_days / ACCRUAL_DAYS)) / (1 - math.exp(-30 / ACCRUAL_DAYS))


History = Sequence[tuple[int, int, float, str]]  # per pin: successes, impressions, age in days, board|product[|photo]
_Pins = list[tuple[int, int, float, str]]


def traffic(pins: History, prior_rate: float) -> Traffic:
    """From the shop's pins, or the stated prior.

    An experiment compares pins of one board and product, so how uneven reach is and how much
    click rates differ are measured among pins of the same board and product (pins alone on
    theirs add nothing); with too few such pins, among all pins, which errs on the careful side.
    Past pins of one photo on one board (the key's third part, from the photo fingerprint) differ
    as twins do, so where the history has enough of them their spread is the twins'; otherwise
    twins keep an unknown share of the board and product's spread (TWIN_SHARES).
    """
    grown = [(x, n, a, g) for x, n, a, g in pins if a >= 7 and n > 0]
    hits, shown = sum(u[0] for u in grown), sum(u[1] for u in grown)
    if len(grown) < MIN_HISTORY_PINS or hits < 20:
        return Traffic(
            prior_rate,
            PRIOR_PER_PIN,
            PRIOR_REACH_SPREAD,
            PIN_SPREAD,
            f"a typical small shop's {prior_rate:.1%} and {PRIOR_PER_PIN:,} impressions a pin in its first 30 days "
            "(not enough history of your own yet)",
        )
    rate = hits / shown
    logs = [math.log(n / accrued(min(a, 90))) for _, n, a, _ in grown]
    per_pin = math.exp(fmean(logs) + pstdev(logs) ** 2 / 2)
    source = f"the shop's last 90 days ({shown:,} impressions over {len(grown)} pins)"
    reach, spread, dof, noise = _spreads(grown, logs, lambda g: "|".join(g.split("|")[:2]))
    boards = _board_spread(grown, logs)
    photos = _groups(grown, lambda g: g if g.count("|") >= 2 else "")
    if sum(len(ids) for key, ids in photos.items() if key) >= MIN_HISTORY_PINS:
        _, twins, dof, noise = _spreads(grown, logs, lambda g: g if g.count("|") >= 2 else "")
        alike = sum(len(ids) for key, ids in photos.items() if key)
        source += (
            f", how alike the test's pins will be read from past pins of one photo on one board (the chance "
            f"allows for how far a measure on {alike} pins may be off)"
        )
        return Traffic(rate, per_pin, reach, twins, source, 0.0, boards, dof, noise)
    twins = spread * math.sqrt(fmean(TWIN_SHARES))
    source += (
        "; too few past pins of one photo on one board to tell how alike the test's pins will be, "
        f"so the chance allows for that, and for how far a measure on {len(grown)} pins may be off"
    )
    return Traffic(rate, per_pin, reach, twins, source, spread, boards, dof, noise)


def _board_spread(grown: _Pins, logs: list[float]) -> float:
    """How much the boards' mean reach differs (log scale), beyond what their few pins explain."""
    ids = [ids for ids in _groups(grown, lambda g: g.split("|")[0]).values()]
    if len(ids) < 2:
        return 0.0
    means = [fmean(logs[i] for i in b) for b in ids]
    noise = fmean(sum((logs[i] - m) ** 2 for i in b) / (len(b) - 1) / len(b) for b, m in zip(ids, means, strict=True))
    return math.sqrt(max(pstdev(means) ** 2 * len(ids) / (len(ids) - 1) - noise, 0.0))


def _groups(grown: _Pins, key: Callable[[str], str]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for i, u in enumerate(grown):
        groups.setdefault(key(u[3]), []).append(i)
    return {k: ids for k, ids in groups.items() if len(ids) > 1}


def _spreads(grown: _Pins, logs: list[float], key: Callable[[str], str]) -> tuple[float, float, float, float]:
    """Log-scale spread of reach, and of click rates beyond chance, among pins of a group (`key`);
    and how precise the latter is (its degrees of freedom and the clicks' noise in it, `Traffic`)."""
    paired = [ids for k, ids in _groups(grown, key).items() if k]
    if sum(len(ids) for ids in paired) < MIN_HISTORY_PINS:
        paired = [list(range(len(grown)))]
    # Reach: log impressions around their group's mean (degrees of freedom: pins - groups).
    dev = sum((logs[i] - fmean(logs[j] for j in ids)) ** 2 for ids in paired for i in ids)
    dof = sum(len(ids) - 1 for ids in paired)
    spread = max(0.3, math.sqrt(dev / dof))
    # Click rates beyond chance around their group's rate (method of moments).
    num = den = 0.0
    parts: list[tuple[float, float]] = []  # per pin: its weight in the estimate, the clicks' noise
    for ids in paired:
        gx, gn = sum(grown[i][0] for i in ids), sum(grown[i][1] for i in ids)
        if gx <= 0:
            continue
        r = gx / gn
        num += sum((grown[i][0] - r * grown[i][1]) ** 2 - r * grown[i][1] * (1 - grown[i][1] / gn) for i in ids)
        # The spread's share of those residuals once the group's own rate is taken out: the big pins
        # set that rate, so with uneven reach their residuals shrink far more than 1 - 1/pins says.
        s2, s3 = sum(grown[i][1] ** 2 for i in ids), sum(grown[i][1] ** 3 for i in ids)
        den += r * r * (s2 - 2 * s3 / gn + s2 * s2 / gn**2)
        # Each pin counts in the estimate by what it adds to that share: the big pins less than their size.
        parts += [
            (r * r * (n * n - 2 * n**3 / gn + n * n * s2 / gn**2), 1 / (r * n)) for n in (grown[i][1] for i in ids)
        ]
    if den <= 0:
        return spread, PIN_SPREAD, 0.0, 0.0
    var = num / den
    pin_spread = min(SPREAD_RANGE[1], max(SPREAD_RANGE[0], math.sqrt(max(var, 0.0))))
    # How precisely: each pin's squared residual estimates spread + its clicks' noise (1 / clicks);
    # the big pins weigh most (Satterthwaite), and each group's own rate costs its share of a degree.
    total = sum(a for a, _ in parts)
    noise = sum(a * c for a, c in parts) / total
    level = pin_spread**2
    rate_dof = (level + noise) ** 2 / sum((a / total) ** 2 * (level + c) ** 2 for a, c in parts)
    rate_dof *= dof / sum(len(ids) for ids in paired)
    return spread, pin_spread, max(rate_dof, 1.0), noise
