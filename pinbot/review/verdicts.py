"""Stop or continue, per design and per product: what the loops act on without asking the owner.

Owns the verdicts the loops read (`pinbot.loops.designs`). They use the review's pin-level rules
(`review/recommend.py`, docs/statistics.md): a group's pins against the rest of the shop's pins,
pins as the units (`pinbot.stats.compare_pins`), only for groups with enough data
(`Totals.enough`), a difference of at least MIN_EFFECT, and never one pin carrying it.

- stop a design: the whole 95% interval of its outbound click rate ratio is below the rest's;
- continue a design: the whole interval is above;
- stop a product: its pins had plenty of impressions, but its outbound click rate is clearly below
  the rest's and its save rate is not clearly above (people neither visit nor keep it; a product
  that people save is the review's "change", a title or landing-page matter, not a reason to stop);
- continue a product: its outbound click rate is clearly above the rest's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from pinbot.review.aggregate import group_pins, load_pins
from pinbot.review.recommend import clearly_above, clearly_below, versus_rest
from pinbot.review.types import Group, PinRow
from pinbot.stats import GroupComparison, compare_pins

REVIEW_DAYS = 90
_UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Verdicts:
    """Designs (ids or template names) and products (ids) to stop and to continue, with why."""

    stop: frozenset[str] = frozenset()
    boost: frozenset[str] = frozenset()
    stop_products: frozenset[int] = frozenset()
    boost_products: frozenset[int] = frozenset()
    why: dict[str, str] = field(default_factory=dict, compare=False)  # "product 7" / "design x" -> reason

    def stopped(self, variant: str) -> bool:
        return variant in self.stop or variant.split(".")[0] in self.stop


def _versus_rest(group: Group, every_pin: Sequence[tuple[int, int, int, int]], column: int) -> GroupComparison:
    units = group.units
    shown = sum(u[3] for u in units)
    if not shown or any(u[column] for u in units):
        return versus_rest(group, every_pin, column)
    # No event at all says nothing to a ratio (its interval is 0 to infinity). Half an event,
    # spread over the pins by impressions (the usual correction for a zero count), lets plenty
    # of impressions with none still say "stop", while a few hundred cannot.
    # No pin carries a result that has no event in any pin: the leave-one-out check is moot.
    mine = {u[0] for u in units}
    rest = [(u[column], u[3]) for u in every_pin if u[0] not in mine]
    corrected = [(0.5 * u[3] / shown, u[3]) for u in units]
    found = compare_pins(cast(list[tuple[int, int]], corrected), rest)  # it computes on any numbers
    return dataclasses.replace(found, carried_by_one=False)


def _reason(kind: str, g: Group, clicks: GroupComparison) -> str:
    t = g.totals
    return (
        f"{kind}: outbound click rate {clicks.ratio:.2f}x the rest of the shop's pins "
        f"(95% interval {clicks.low:.2f}-{clicks.high:.2f}x), {t.impressions:,} impressions over {t.pins} pins"
    )


def judge(pins: Sequence[PinRow]) -> Verdicts:
    """The verdicts from per-pin totals (a pure function: the loops and the tests call it)."""
    if not pins or sum(p.totals.impressions for p in pins) == 0:
        return Verdicts()
    every_pin = [u for g in group_pins(pins, "pin", _UTC) for u in g.units]
    stop: set[str] = set()
    boost: set[str] = set()
    stop_p: set[int] = set()
    boost_p: set[int] = set()
    why: dict[str, str] = {}
    for g in group_pins(pins, "design", _UTC):
        if not g.totals.enough:
            continue
        clicks = _versus_rest(g, every_pin, 1)
        if clearly_below(clicks):
            stop.add(g.key)
            why[f"design {g.key}"] = _reason("stop", g, clicks)
        elif clearly_above(clicks):
            boost.add(g.key)
            why[f"design {g.key}"] = _reason("continue", g, clicks)
    for g in group_pins(pins, "product", _UTC):
        if not g.totals.enough or g.key == "0":  # "0": pins of no product
            continue
        clicks, saves = _versus_rest(g, every_pin, 1), _versus_rest(g, every_pin, 2)
        if clearly_below(clicks) and not saves.low > 1:
            stop_p.add(int(g.key))
            why[f"product {g.key}"] = _reason("stop", g, clicks)
        elif clearly_above(clicks):
            boost_p.add(int(g.key))
            why[f"product {g.key}"] = _reason("continue", g, clicks)
    return Verdicts(frozenset(stop), frozenset(boost), frozenset(stop_p), frozenset(boost_p), why)


def loop_verdicts(engine: Engine, account_id: int, today: date) -> Verdicts:
    """`judge` over the last REVIEW_DAYS days before `today`."""
    return judge(load_pins(engine, account_id, today - timedelta(days=REVIEW_DAYS), today - timedelta(days=1)))
