"""Which designs a loop uses, best first: what the review and the experiments have learned.

Owns the order of a product's candidate designs: the winner of an auto-applied experiment on the
product first (`queue.designs.preferred_design`), then designs the review says to continue, then
the rest of the product's variants (`render.variants.variants_for`); designs the review says to
stop are left out. A "fresh" pin is the first (photo, design) pair, in that order, not yet live on
the board (the lint refuses a repeat, so the loop never proposes one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from pinbot.queue.lint import design_key
from pinbot.render.variants import variants_for
from pinbot.review.aggregate import group_pins, load_pins
from pinbot.review.recommend import recommend
from pinbot.review.types import Totals

REVIEW_DAYS = 90
MAX_VARIANTS = 60
_UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Verdicts:
    """Design ids (or template names) the review says to stop and to continue."""

    stop: frozenset[str] = frozenset()
    boost: frozenset[str] = frozenset()

    def stopped(self, variant: str) -> bool:
        return variant in self.stop or variant.split(".")[0] in self.stop


def review_verdicts(engine: Engine, account_id: int, today: date) -> Verdicts:
    """Stop/continue per design over the last 90 days (the review's own rules and minimums)."""
    pins = load_pins(engine, account_id, today - timedelta(days=REVIEW_DAYS), today - timedelta(days=1))
    if not pins:
        return Verdicts()
    shop = Totals()
    for p in pins:
        shop.add(p.totals)
    groups = {"design": group_pins(pins, "design", _UTC)}
    stop, boost = set(), set()
    for rec in recommend(shop, groups, []):
        if rec.kind == "stop":
            stop.add(rec.subject)
        elif rec.kind == "continue":
            boost.add(rec.subject)
    return Verdicts(frozenset(stop), frozenset(boost))


@dataclass
class DesignOrder:
    """The candidate designs of one product, best first."""

    variants: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, product_key: str, assets_dir: Path, verdicts: Verdicts, preferred: str | None = None) -> DesignOrder:
        names = [v.id for v in variants_for(product_key, MAX_VARIANTS, assets_dir)]
        first = [preferred] if preferred else []
        boosted = [n for n in names if n in verdicts.boost or n.split(".")[0] in verdicts.boost]
        ordered = list(dict.fromkeys([*first, *boosted, *names]))
        return cls([n for n in ordered if not verdicts.stopped(n)])


def fresh_choice(
    images: Sequence[str], order: DesignOrder, used: Iterable[tuple[str, str, str]]
) -> tuple[str, str] | None:
    """The first (photo, design) not yet live on the board; photos rotate before designs change."""
    taken = set(used)
    for variant in order.variants:
        template = variant.split(".")[0]
        for image in images:
            if (image, *design_key(template, variant)) not in taken:
                return image, variant
    return None
