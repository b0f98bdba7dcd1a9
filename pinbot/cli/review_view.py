"""How the review reads on a terminal: the shop's totals and Stop / Start / Continue / Change.

Shared by `pinbot report` and `pinbot demo` so both say the same thing the same way.
"""

from __future__ import annotations

from rich.console import Console

from pinbot.review.types import Group, Review

KINDS = ("stop", "start", "continue", "change")


def print_review(console: Console, review: Review, heading: str) -> None:
    shop = review.shop
    console.print(
        f"[bold]{heading}[/bold] {review.since} to {review.until}: {shop.impressions:,} impressions, "
        f"{shop.saves:,} saves ({shop.save_rate.value:.2%}), {shop.outbound_clicks:,} outbound clicks "
        f"({shop.outbound_rate.value:.2%}) from {shop.pins} pins"
    )
    for kind in KINDS:
        recs = [rec for rec in review.recommendations if rec.kind == kind]
        console.print(f"\n[bold]{kind.title()}[/bold]")
        for rec in recs:
            console.print(f"  • {rec.text}")
        if not recs:
            console.print("  (nothing meets the minimum yet)")


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
