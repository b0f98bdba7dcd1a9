"""When a pin is taking off: the surge rule, as a pure function over a pin's daily numbers.

A pin (the shop's own or one somebody else made) is surging on a metric (saves, outbound clicks)
when, over the last `RECENT_DAYS` days of data, all three hold:

1. at least `MIN_RECENT` of them (8 saves, or 5 outbound clicks): noise on tiny numbers never alerts;
2. at least `OWN_RATIO` times its own baseline: its daily mean over the `BASELINE_DAYS` days
   before, judged only once `MIN_HISTORY` of those days are known;
3. at least `TYPICAL_RATIO` times the shop's typical pin at the same age (the median day of the
   shop's own pins at that age), so a fresh pin doing what fresh pins do is not a surge.

A day a pin was missing from a full top-50 list counts, for its baseline, as the list's smallest
value (the most it can have done), and, for its recent days, as nothing: both err on the side
of silence. Tuned on the emulator's simulated shops by `bench/surges.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

RECENT_DAYS = 2
BASELINE_DAYS = 14
MIN_HISTORY = 5
OWN_RATIO = 4.0
TYPICAL_RATIO = 4.0
MIN_RECENT = {"saves": 8, "outbound_clicks": 5}
AGE_BUCKETS = (3, 7, 14, 30, 60)  # upper bounds (days) of the age groups "the same age" means


def age_bucket(age_days: int) -> int:
    for i, bound in enumerate(AGE_BUCKETS):
        if age_days < bound:
            return i
    return len(AGE_BUCKETS)


@dataclass(frozen=True)
class Day:
    """One day of one metric: `value` when known; `bound` the most it can have been when the pin
    was missing from a full top list; neither when nothing is known."""

    value: float | None = None
    bound: float | None = None

    @property
    def upper(self) -> float | None:
        return self.value if self.value is not None else self.bound

    @property
    def lower(self) -> float:
        return self.value if self.value is not None else 0.0


@dataclass(frozen=True)
class Verdict:
    metric: str
    recent: int
    baseline: float
    typical: float

    def why(self) -> str:
        name = "saves" if self.metric == "saves" else "outbound clicks"
        return (
            f"{self.recent} {name} in the last {RECENT_DAYS} days, against {self.baseline * RECENT_DAYS:.1f} "
            f"before (its own usual) and {self.typical * RECENT_DAYS:.1f} for the shop's typical pin of that age"
        )


def judge(metric: str, days: Sequence[Day], typical_daily: float) -> Verdict | None:
    """`days` oldest first, the last `RECENT_DAYS` being the recent ones."""
    if len(days) < RECENT_DAYS + MIN_HISTORY:
        return None
    recent_days = days[-RECENT_DAYS:]
    history = [d.upper for d in days[-(RECENT_DAYS + BASELINE_DAYS) : -RECENT_DAYS] if d.upper is not None]
    if len(history) < MIN_HISTORY:
        return None
    recent = sum(d.lower for d in recent_days)
    if recent < MIN_RECENT[metric]:
        return None
    baseline = sum(history) / len(history)
    # +0.5 a day: a pin that did nothing before still needs a few, not one, to count as surging
    if recent < OWN_RATIO * RECENT_DAYS * (baseline + 0.5):
        return None
    if recent < TYPICAL_RATIO * RECENT_DAYS * typical_daily:
        return None
    return Verdict(metric, round(recent), baseline, typical_daily)


def median(values: Sequence[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
