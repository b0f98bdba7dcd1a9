"""How the review reads on a terminal: the shop's totals, Stop / Start / Continue / Change with
what to do, and each experiment in plain words.

Shared by `pinbot report` and `pinbot demo` so both say the same thing the same way. Sentences
wrap under their own first word (a hanging indent), so an 80-column terminal stays readable.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pinbot.experiments.status import ExperimentStatus
from pinbot.report.experiment_text import label, next_step, verdict_sentence
from pinbot.review.types import Group, Review
from pinbot.words import plural

KINDS = ("stop", "start", "continue", "change", "wait")
TITLES = {"wait": "Not enough evidence yet"}


def item(console: Console, bullet: str, text: str, *, indent: int = 2) -> None:
    """`bullet text` with the text's continuation lines under its first word."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=indent + len(bullet) - 1, justify="right", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(bullet, text)
    console.print(grid)


def print_review(console: Console, review: Review, heading: str) -> None:
    shop = review.shop
    console.print(
        f"[bold]{heading}[/bold] {review.since} to {review.until}: {plural(shop.impressions, 'impression')}, "
        f"{plural(shop.saves, 'save')} ({shop.save_rate.value:.2%}), {plural(shop.outbound_clicks, 'outbound click')} "
        f"({shop.outbound_rate.value:.2%}) from {plural(shop.pins, 'pin')}"
    )
    if not shop.pins:
        console.print(
            "No posted pin has numbers in this period yet: they come a day or two after pins go out "
            "(`pinbot metrics pull`; the service pulls them every day)."
        )
    for kind in KINDS:
        recs = [rec for rec in review.recommendations if rec.kind == kind]
        console.print(f"\n[bold]{TITLES.get(kind, kind.title())}[/bold]")
        for rec in recs:
            item(console, "•", escape(rec.text))
            if rec.action:
                item(console, "→", escape(rec.action), indent=4)
        if not recs:
            console.print("  (nothing meets the minimum yet)")


def print_experiments(console: Console, experiments: Sequence[ExperimentStatus]) -> None:
    for e in experiments:
        console.print(f"\n[bold]Experiment {escape(e.name)}[/bold] ({label(e.outcome)})")
        print_experiments_body(console, e)


def print_experiments_body(console: Console, e: ExperimentStatus) -> None:
    """Where the experiment stands in a sentence, and what to do next."""
    item(console, "•", escape(verdict_sentence(e)))
    item(console, "→", escape(next_step(e)), indent=4)


def print_keywords(console: Console, groups: list[Group], limit: int = 15) -> None:
    """Which searches find the shop: impressions per keyword, through the pins that carry it."""
    console.print("\n[bold]By keyword[/bold] (pins whose title or description carries it)")
    if not groups:
        console.print("  (no board keywords: add `keywords` to boards/*.toml)")
    for g in groups[:limit]:
        t = g.totals
        if t.pins == 0:
            console.print(f"  {g.key}: no pin carries it yet")
            continue
        console.print(
            f"  {g.key}: {t.impressions:,} impressions over {t.pins} pins, "
            f"{t.outbound_rate.value:.2%} outbound clicks, {t.save_rate.value:.2%} saves"
        )
