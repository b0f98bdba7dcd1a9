"""Which designs a loop uses, best first: what the review and the experiments have learned.

Owns the order of a product's candidate designs on one board: the winner of an auto-applied
experiment on the product first (`queue.designs.preferred_design`), then designs the review says
to continue, then the board's `default_template` (boards/*.toml) in its palettes and crops, then
the rest of the product's variants (`render.variants.variants_over`); designs the review says to
stop are left out (`review/verdicts.py`, which also names the products to stop and to favour). A
"fresh" pin is the first (photo, design) pair, in that order, not yet live on the board (the lint
refuses a repeat, so the loop never proposes one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pinbot.queue.lint import design_key
from pinbot.render.variants import variants_over
from pinbot.review.verdicts import Verdicts

MAX_VARIANTS = 60


@dataclass
class DesignOrder:
    """The candidate designs of one product on one board, best first."""

    variants: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        product_key: str,
        templates: Sequence[str],
        verdicts: Verdicts,
        preferred: str | None = None,
        board_template: str | None = None,
    ) -> DesignOrder:
        names = [v.id for v in variants_over(product_key, MAX_VARIANTS, templates)]
        first = [preferred] if preferred else []
        boosted = [n for n in names if n in verdicts.boost or n.split(".")[0] in verdicts.boost]
        # The board's own look, where it applies: a template the shop has (else the name is ignored).
        board = [n for n in names if board_template and n.split(".")[0] == board_template]
        ordered = list(dict.fromkeys([*first, *boosted, *board, *names]))
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
