"""An independent simulation of small shops running a design experiment, day by day.

Built apart from the verdict's own assumptions (which are: lognormal reach within a stratum,
one pin-to-pin spread of click rates, a fixed accrual curve): here reach is lognormal *or* Pareto
with a viral pin, impressions decay after posting as a mix of a fast and a slow exponential
(pins keep collecting after 30 days), the posting hour moves reach, the weekday moves both
impressions and click rates, boards and products move both, each pin has its own click rate
(spread 0.1-0.3 on the log scale), and the design's effect differs by board (board x design
interaction, centred so that the average over the shop's own boards is the stated lift; one
condition also makes the boards' reach very uneven).

Only pinbot's planning (`pinbot.experiments.sizing`) and verdict (`pinbot.stats_sequential`)
are called, as `pinbot experiment create` / `status` call them: the plan from the shop's history
(60 earlier pins) or, without history, from the stated prior; a look every 14 days; the final look
at the horizon.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from pinbot.experiments.sizing import LOOK_EVERY_DAYS, propose, schedule
from pinbot.experiments.traffic import traffic
from pinbot.stats import ALPHA, VariantCounts
from pinbot.stats_sequential import verdict


@dataclass(frozen=True)
class Condition:
    name: str
    lift: float  # true lift of design B over A, averaged over the shop's boards (log scale)
    tail: str = "lognormal"  # or "pareto"
    pin_spread: tuple[float, float] = (0.1, 0.3)
    interaction: float = 0.1  # board x design, sd on the log scale
    viral: float = 0.3  # chance that one experiment pin goes viral
    history: bool = True
    products: tuple[int, ...] = (3, 4)
    boards: int = 3
    board_spread: float = 0.4  # how much boards' reach differs (log scale)
    history_extra: float = 0.15  # how much more earlier pins' click rates differ than twins' (log scale)


@dataclass(frozen=True)
class Outcome:
    status: str  # winner, no_difference (anything else would be an inconclusive ending)
    winner: str | None
    stated_power: float
    feasible: bool
    days: int
    detectable: float | None


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


class Shop:
    def __init__(self, rng: random.Random, cond: Condition) -> None:
        self.rng, self.cond = rng, cond
        self.rate = rng.uniform(0.006, 0.013)
        self.per_pin = rng.uniform(800, 1500)
        self.reach_sigma = rng.uniform(0.6, 1.2)
        self.pin_sigma = rng.uniform(*cond.pin_spread)
        fast = rng.uniform(3, 12)
        self.decay = (fast, 90.0, 0.85)  # (fast days, slow days, fast share)
        month = self.decay[2] * (1 - math.exp(-30 / fast)) + (1 - self.decay[2]) * (1 - math.exp(-30 / 90))
        self.norm = 1 / month  # the mean pin gets `per_pin` impressions in its first 30 days
        self.board_reach = [math.exp(rng.gauss(0, cond.board_spread)) for _ in range(cond.boards)]
        self.board_rate = [math.exp(rng.gauss(0, 0.2)) for _ in range(cond.boards)]
        self.hour_reach = [math.exp(rng.gauss(0, 0.2)) for _ in range(24)]
        self.weekday_imp = [1 + 0.15 * math.sin(2 * math.pi * d / 7 + rng.uniform(0, 6.3)) for d in range(7)]
        self.weekday_rate = [math.exp(rng.gauss(0, 0.1)) for _ in range(7)]
        raw = [rng.gauss(0, cond.interaction) for _ in range(cond.boards)]
        centre = sum(raw) / len(raw)
        self.design = [[1.0] * cond.boards, [(1 + cond.lift) * math.exp(x - centre) for x in raw]]
        self.product_reach: list[float] = []
        self.product_rate: list[float] = []

    def reach(self) -> float:
        if self.cond.tail == "pareto":  # alpha 1.5, mean 1
            return (1 - self.rng.random()) ** (-1 / 1.5) / 3
        s = self.reach_sigma
        return math.exp(self.rng.gauss(-s * s / 2, s))

    def daily_share(self, age: float) -> float:
        fast, slow, share = self.decay
        return self.norm * (share * math.exp(-age / fast) / fast + (1 - share) * math.exp(-age / slow) / slow)

    def history(self, products: int) -> list[tuple[int, int, float, str]]:
        """60 earlier pins over the last 90 days: (clicks, impressions, age in days, board|product)."""
        out = []
        for _ in range(60):
            age = self.rng.uniform(0, 90)
            b = self.rng.randrange(self.cond.boards)
            p = self.rng.randrange(products)
            reach = self.reach() * self.board_reach[b] * self.hour_reach[self.rng.randrange(24)]
            fast, slow, share = self.decay
            grown = self.norm * (share * (1 - math.exp(-age / fast)) + (1 - share) * (1 - math.exp(-age / slow)))
            n = _poisson(self.rng, self.per_pin * reach * self.product_reach[p] * grown)
            # Earlier pins differ more than twins in an experiment: other photos, other designs.
            spread = self.pin_sigma + self.cond.history_extra
            rate = self.rate * self.board_rate[b] * math.exp(self.rng.gauss(0, spread))
            out.append((_poisson(self.rng, n * rate * self.product_rate[p]), n, age, f"{b}|{p}"))
        return out


def run_shop(seed: int, cond: Condition, prior_rate: float = 0.01) -> Outcome:
    rng = random.Random(seed)
    shop = Shop(rng, cond)
    products = rng.choice(cond.products)
    shop.product_reach = product_reach = [math.exp(rng.gauss(0, 0.3)) for _ in range(products)]
    shop.product_rate = product_rate = [math.exp(rng.gauss(0, 0.2)) for _ in range(products)]
    known = traffic(shop.history(products) if cond.history else [], prior_rate)
    plan = propose(known, 2, cond.boards, products, 0.3, ALPHA, 24, None)
    info = plan.sizing.information
    start_hour = rng.randrange(24)
    pins = []  # [design, stratum, posted hour, reach, rate, clicks, impressions]
    for r, b, d, p, h in schedule(2, cond.boards, products, plan.sizing.rounds, plan.every, seed=seed):
        hour = (start_hour + h) % 24
        reach = shop.reach() * shop.board_reach[b] * product_reach[p] * shop.hour_reach[hour]
        rate = shop.rate * shop.board_rate[b] * product_rate[p] * shop.design[d][b]
        rate *= math.exp(rng.gauss(-(shop.pin_sigma**2) / 2, shop.pin_sigma))
        pins.append([d, f"{r}:{b}:{p}", h, reach, min(rate, 0.5), 0, 0])
    if rng.random() < cond.viral:
        rng.choice(pins)[3] *= rng.uniform(20, 60)
    horizon = math.ceil(plan.sizing.horizon_hours / 24)
    looks: list[float] = []
    weekday0 = rng.randrange(7)
    for day in range(1, horizon + 1):
        wd = (weekday0 + day) % 7
        for pin in pins:
            age = day - pin[2] / 24
            if age <= 0:
                continue
            lam = shop.per_pin * pin[3] * shop.daily_share(age - 0.5) * shop.weekday_imp[wd]
            n = _poisson(rng, lam)
            pin[6] += n
            pin[5] += _poisson(rng, n * pin[4] * shop.weekday_rate[wd])
        final = day >= horizon
        if day % LOOK_EVERY_DAYS and not final:
            continue
        arms = [
            VariantCounts(
                key,
                sum(p[5] for p in pins if p[0] == d),
                sum(p[6] for p in pins if p[0] == d),
                tuple((p[5], p[6]) for p in pins if p[0] == d),
                tuple(p[1] for p in pins if p[0] == d),
            )
            for d, key in enumerate("AB")
        ]
        # The plan's pin spread, as `pinbot experiment status` reads it back from the stored plan.
        v = verdict(arms, info, looks, final=final, pin_spread=known.pin_spread)
        looks = v.looks
        if v.final:
            return Outcome(v.status, v.winner, plan.sizing.power, plan.feasible, day, v.detectable_lift)
    raise AssertionError("the horizon passed without a verdict")


CONDITIONS = (
    Condition("no difference, lognormal reach", 0.0),
    Condition("+30%, lognormal reach", 0.3),
    Condition("no difference, Pareto reach + viral", 0.0, tail="pareto", viral=0.6),
    Condition("+30%, Pareto reach + viral", 0.3, tail="pareto", viral=0.6),
    Condition("no difference, pin spread 0.3, interaction 0.2", 0.0, pin_spread=(0.3, 0.3), interaction=0.2),
    Condition("+30%, pin spread 0.3, interaction 0.2", 0.3, pin_spread=(0.3, 0.3), interaction=0.2),
    Condition("no difference, interaction 0.3, uneven boards", 0.0, interaction=0.3, board_spread=1.0),
    Condition("+30%, interaction 0.3, uneven boards", 0.3, interaction=0.3, board_spread=1.0),
    Condition("no difference, no history (prior)", 0.0, history=False),
    Condition("+30%, no history (prior)", 0.3, history=False),
    # Earlier pins exactly as spread as twins: a plan that assumed twins agree more would over-promise.
    Condition("no difference, past pins as spread as twins", 0.0, history_extra=0.0),
    Condition("+30%, past pins as spread as twins", 0.3, history_extra=0.0),
    Condition("+30%, pin spread 0.3, past pins as spread as twins", 0.3, pin_spread=(0.3, 0.3), history_extra=0.0),
)


def summarise(cond: Condition, outcomes: list[Outcome]) -> dict[str, float]:
    feasible = [o for o in outcomes if o.feasible]
    right = [o for o in outcomes if o.status == "winner" and o.winner == "B"]
    return {
        "shops": len(outcomes),
        "feasible": len(feasible),
        "stated_power": sum(o.stated_power for o in outcomes) / len(outcomes),
        "achieved_power": len(right) / len(outcomes) if cond.lift else float("nan"),
        "stated_power_feasible": sum(o.stated_power for o in feasible) / max(1, len(feasible)),
        "achieved_power_feasible": (
            sum(1 for o in feasible if o.status == "winner" and o.winner == "B") / max(1, len(feasible))
            if cond.lift
            else float("nan")
        ),
        # With no difference any winner is false; with a lift, the worse design winning is.
        "false_winners": sum(1 for o in outcomes if o.status == "winner" and (not cond.lift or o.winner == "A"))
        / len(outcomes),
        "inconclusive": sum(1 for o in outcomes if o.status not in ("winner", "no_difference")),
        "median_days": sorted(o.days for o in outcomes)[len(outcomes) // 2],
    }
