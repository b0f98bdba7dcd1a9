"""How the review reads on a terminal: the shop's totals and Stop / Start / Continue / Change.

Shared by `pinbot report` and `pinbot demo` so both say the same thing the same way.
"""

from __future__ import annotations

from rich.console import Console

from pinbot.review.types import Review

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
