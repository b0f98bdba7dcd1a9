"""`pinbot keywords trends|suggest`: what people search for on Pinterest, and words for a product's pins."""

from __future__ import annotations

import click
from rich.table import Table

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.cli.tables import hanging
from pinbot.errors import PinbotError
from pinbot.loops.suggest import suggest as make_suggestion
from pinbot.pinterest.trends import INTERESTS, REGIONS, TREND_TYPES, TrendingKeyword
from pinbot.shop.products import ProductService

DEFAULT_INTERESTS = ("diy_and_crafts", "home_decor")
# The choices as help text, which wraps at 80 columns (click prints [A|B|…] on one line).
REGION_HELP = "Where people search: " + ", ".join(REGIONS) + ".  [default: US]"
INTEREST_HELP = "Repeatable; one of " + ", ".join(INTERESTS) + "."


@click.group()
def keywords() -> None:
    """Trending searches and keyword suggestions (no AI service: every word says why)."""


@keywords.command("trends")
@click.option("--region", type=click.Choice(REGIONS), default="US", metavar="REGION", help=REGION_HELP)
@click.option("--type", "trend_type", type=click.Choice(TREND_TYPES), default="growing", show_default=True)
@click.option(
    "--interest", "interests", multiple=True, type=click.Choice(INTERESTS), metavar="INTEREST", help=INTEREST_HELP
)
@click.option("--keyword", "include", multiple=True, help="Only trends containing this word (repeatable).")
@click.option("--limit", type=click.IntRange(1, 50), default=20, show_default=True)
@json_option
@pass_app
def trends(
    app: AppContext,
    region: str,
    trend_type: str,
    interests: tuple[str, ...],
    include: tuple[str, ...],
    limit: int,
    as_json: bool,
) -> None:
    """Top searches now: growing, monthly, yearly or seasonal."""
    found = app.client().trending_keywords(region, trend_type, interests, limit, include)
    if as_json:
        app.print_json([t.as_dict() for t in found])
        return
    if not found:
        click.echo("no trends match")
        return
    table = Table(title=f"{trend_type} searches in {region}" + (f" ({', '.join(interests)})" if interests else ""))
    for column in ("#", "keyword", "week", "month", "year", "peak week"):
        table.add_column(column)
    for i, t in enumerate(found, 1):
        table.add_row(
            str(i), t.keyword, _pct(t.pct_growth_wow), _pct(t.pct_growth_mom), _pct(t.pct_growth_yoy), _peak(t)
        )
    app.console.print(table)
    app.console.print("growth: change in searches over the last week, month and year")


def _pct(value: int | None) -> str:
    return "-" if value is None else f"{value:+d}%"


def _peak(t: TrendingKeyword) -> str:
    return t.peak_week.strftime("%b %d") if t.peak_week else "-"


@keywords.command("suggest")
@click.argument("product_ref", metavar="PRODUCT")
@click.option("--region", type=click.Choice(REGIONS), default="US", metavar="REGION", help=REGION_HELP)
@click.option(
    "--interest",
    "interests",
    multiple=True,
    type=click.Choice(INTERESTS),
    metavar="INTEREST",
    help="Default: diy_and_crafts, home_decor. " + INTEREST_HELP,
)
@click.option("--no-trends", is_flag=True, help="Only the product's and its boards' words (no Pinterest call).")
@json_option
@pass_app
def suggest(
    app: AppContext, product_ref: str, region: str, interests: tuple[str, ...], no_trends: bool, as_json: bool
) -> None:
    """Words for a product's titles and descriptions: its own, its boards', current trends."""
    shop = app.shop()
    products = ProductService(app.engine, shop.account_id, shop.clock)
    product = products.get(product_ref)
    assert product.id is not None
    pinned = list(dict.fromkeys(key for _, key in products.pins(product.id)))
    found: list[TrendingKeyword] = []
    if not no_trends:
        try:
            client = app.client()
            for trend_type in ("growing", "seasonal"):
                found += client.trending_keywords(region, trend_type, interests or DEFAULT_INTERESTS)
        except PinbotError as exc:
            app.info(f"no search trends from Pinterest ({exc}): these words come from the product and its boards")
    result = make_suggestion(product.id, product.title, product.description, product.tags, pinned, shop.boards, found)
    if as_json:
        app.print_json(result.as_dict())
        return
    width = app.prose_width
    click.echo(hanging("", f"{product.title} (boards: {', '.join(result.boards) or 'none match'})", width))
    words = max((len(w["word"]) for w in result.words), default=0)
    sources = max((len(w["source"]) for w in result.words), default=0)
    for w in result.words:  # the reason wraps under itself; the word and its source stay in line
        click.echo(hanging(f"  {w['word']:<{words}}  {w['source']:<{sources}}  ", w["why"], width))
    click.echo(hanging("title:       ", result.sample_title, width))
    click.echo(hanging("description: ", result.sample_description, width))
