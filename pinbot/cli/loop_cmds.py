"""`pinbot loop create|list|show|pause|resume|delete|run`: the shop's evergreen and seasonal loops."""

from __future__ import annotations

from typing import Any

import click

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.cli.keywords_cmds import REGION_HELP
from pinbot.cli.tables import Column, hanging, table
from pinbot.errors import InvalidInput
from pinbot.loops.season import lead_start, parse_md, season_from_trend
from pinbot.loops.store import DEFAULT_AHEAD_DAYS, DEFAULT_EVERY_DAYS, LoopSpec, describe_selection, loop_to_dict
from pinbot.pinterest.trends import REGIONS
from pinbot.queue.views import pin_to_dict
from pinbot.shop.products import ProductService
from pinbot.store.models import Loop, PinStatus
from pinbot.words import clip, plural


@click.group()
def loop() -> None:
    """Bring products back to their boards as fresh pins, all year or in a season."""


def _selection(all_: bool, tags: tuple[str, ...], from_boards: tuple[str, ...], products: list[int]) -> dict[str, Any]:
    given = [
        name
        for name, value in (("all", all_), ("tags", tags), ("boards", from_boards), ("products", products))
        if value
    ]
    if len(given) > 1:
        raise InvalidInput("selection", "choose one of --all, --tag, --from-board or --product")
    if not given or given[0] == "all":
        return {"all": True}
    return {given[0]: list({"tags": tags, "boards": from_boards, "products": products}[given[0]])}


@loop.command("create")
@click.argument("name")
@click.option("--board", "boards", multiple=True, required=True, help="Board to pin to (repeatable).")
@click.option("--all", "all_", is_flag=True, help="Every in-stock product (the default).")
@click.option("--tag", "tags", multiple=True, help="Products with this tag (repeatable).")
@click.option("--from-board", "from_boards", multiple=True, help="Products already pinned to this board.")
@click.option("--product", "products", multiple=True, help="This product (id or key; repeatable).")
@click.option("--every", "every", type=int, default=DEFAULT_EVERY_DAYS, show_default=True, help="Days between turns.")
@click.option("--ahead", type=int, default=DEFAULT_AHEAD_DAYS, show_default=True, help="Days of queue kept filled.")
@click.option("--start", default=None, help="Seasonal: first day each year (MM-DD).")
@click.option("--end", default=None, help="Seasonal: last day each year (MM-DD).")
@click.option("--peak", default=None, help="Seasonal: the peak day (MM-DD); starts --lead days before.")
@click.option("--lead", type=click.IntRange(1, 120), default=50, show_default=True, help="Days before the peak.")
@click.option("--keyword", "keywords", multiple=True, help="A search phrase its pins carry (repeatable).")
@click.option("--from-trend", "trend", default=None, help="Seasonal loop around this trend's peak.")
@click.option(
    "--region", type=click.Choice(REGIONS), default="US", metavar="REGION", help="Of --from-trend. " + REGION_HELP
)
@json_option
@pass_app
def create(
    app: AppContext,
    name: str,
    boards: tuple[str, ...],
    all_: bool,
    tags: tuple[str, ...],
    from_boards: tuple[str, ...],
    products: tuple[str, ...],
    every: int,
    ahead: int,
    start: str | None,
    end: str | None,
    peak: str | None,
    lead: int,
    keywords: tuple[str, ...],
    trend: str | None,
    region: str,
    as_json: bool,
) -> None:
    """Create a loop. Seasonal with --start/--end, --peak or --from-trend; evergreen otherwise."""
    shop = app.shop()
    ids: list[int] = []
    if products:
        service = ProductService(app.engine, shop.account_id, shop.clock)
        ids = [int(service.get(ref).id or 0) for ref in products]
    if sum(bool(x) for x in (start or end, peak, trend)) > 1:
        raise InvalidInput("season", "give --start/--end, --peak or --from-trend, not several")
    if peak:
        peak = parse_md(peak, "peak")
        start, end = lead_start(peak, lead), peak
    if trend:
        start, end, found = season_from_trend(app.client(), trend, region, lead)
        keywords = (found, *keywords)
    spec = LoopSpec(
        name, tuple(boards), _selection(all_, tags, from_boards, ids), every, ahead, start, end, tuple(keywords)
    )
    made = shop.loops().create(spec)
    if as_json:
        app.print_json(loop_to_dict(made))
        return
    click.echo(f"loop {made.name} created: {_describe(made)}")
    if warning := _reach(ProductService(app.engine, shop.account_id, shop.clock), made.selection):
        click.echo(f"warning: {warning}", err=True)


def _reach(service: ProductService, selection: dict[str, Any]) -> str:
    """What a new loop can pin: a loop that matches nothing queues nothing, silently, every hour."""
    if "boards" in selection:
        return ""  # products pinned there: they have pins, so they have photos
    stock = service.list(in_stock_only=True)
    if "tags" in selection:
        wanted = {t.lower() for t in selection["tags"]}
        stock = [p for p in stock if wanted & {t.lower() for t in p.tags}]
    elif "products" in selection:
        stock = [p for p in stock if p.id in set(selection["products"])]
    photos = [p for p in stock if p.image_paths]
    what = describe_selection(selection)
    if not stock:
        return f"no product in stock matches {what} yet: the loop queues nothing until one does"
    if len(photos) < len(stock):
        left = len(stock) - len(photos)
        return (
            f"{left} of the {plural(len(stock), 'product')} it takes have no photo and are left out until they "
            "get one: `pinbot products photo KEY --image PHOTO` (`pinbot products list` shows the keys and photos)"
        )
    return ""


def _describe(lp: Loop) -> str:
    what = loop_to_dict(lp)["selection_text"]
    when = f"{lp.season_start} to {lp.season_end} each year" if lp.kind == "seasonal" else "all year"
    return f"{what} to {', '.join(lp.boards)} every {lp.every_days} days, {when}, {lp.ahead_days} days ahead"


@loop.command("list")
@json_option
@pass_app
def list_(app: AppContext, as_json: bool) -> None:
    """Every loop with its pins so far."""
    store = app.shop().loops()
    loops = store.list()
    rows = [loop_to_dict(lp, store.pin_counts(lp.id or 0)) for lp in loops]
    if as_json:
        app.print_json(rows)
        return
    if not rows:
        click.echo("no loops yet: pinbot loop create NAME --board KEY")
        return
    # No "kind" column: the season says it.
    cells = []
    for r in rows:
        season = f"{r['season_start']} to {r['season_end']}" if r["kind"] == "seasonal" else "all year"
        pins = r["pins"]
        cells.append(
            [r["name"], r["status"], r["selection_text"], ", ".join(r["boards"]), f"{r['every_days']} days", season]
            + [str(pins.get("queued", 0)), str(pins.get("posted", 0))]
        )
    # A status column of "active" says nothing: it shows when a loop is paused.
    status = Column("status") if any(r["status"] != "active" for r in rows) else Column("status", extra=True)
    columns = (_LIST_COLUMNS[0], status, *_LIST_COLUMNS[2:])
    click.echo("\n".join(table(columns, cells, app.width)))


# The season before how often (`loop show` says both): nothing is cut for the "every" column.
_LIST_COLUMNS = (
    Column("name"),
    Column("status"),
    Column("products", flex=True, least=12),
    Column("boards", least=12),
    Column("every", extra=True),
    Column("season"),
    Column("queued", right=True),
    Column("posted", right=True),
)


@loop.command("show")
@click.argument("name")
@json_option
@pass_app
def show(app: AppContext, name: str, as_json: bool) -> None:
    """One loop: its settings and its queued pins."""
    shop = app.shop()
    store = shop.loops()
    lp = store.get(name)
    queue = shop.queue_service()
    queued = [(p, k) for p, k in queue.list(status=PinStatus.queued) if p.loop_id == lp.id]
    data = loop_to_dict(lp, store.pin_counts(lp.id or 0)) | {"queued": [pin_to_dict(p, k) for p, k in queued]}
    if as_json:
        app.print_json(data)
        return
    click.echo(hanging("", f"loop {lp.name} ({lp.kind}, {lp.status}): {_describe(lp)}", app.prose_width))
    if lp.keywords:
        click.echo("keywords: " + ", ".join(lp.keywords))
    click.echo("pins: " + (", ".join(f"{n} {s}" for s, n in sorted(data["pins"].items())) or "none yet"))
    for p, k in queued:
        when = p.due_at.astimezone(app.settings.tz).strftime("%Y-%m-%d %H:%M")
        line = f"  {p.id}  {when}  {k}  {p.variant_key or p.template or '-'}  "
        click.echo(line + clip(p.title, max(24, app.width - len(line))))


@loop.command("pause")
@click.argument("name")
@pass_app
def pause(app: AppContext, name: str) -> None:
    """Stop a loop; its queued pins are cancelled (resume brings it back)."""
    lp, cancelled = app.shop().loops().set_status(name, "paused")
    click.echo(f"loop {lp.name} paused; {plural(cancelled, 'queued pin')} cancelled")


@loop.command("resume")
@click.argument("name")
@pass_app
def resume(app: AppContext, name: str) -> None:
    """Start a paused loop again (the next top-up queues its due products)."""
    lp, _ = app.shop().loops().set_status(name, "active")
    click.echo(f"loop {lp.name} active again")


@loop.command("delete")
@click.argument("name")
@pass_app
def delete(app: AppContext, name: str) -> None:
    """Delete a loop; its queued pins are cancelled, posted pins stay."""
    cancelled = app.shop().loops().delete(name)
    click.echo(f"loop {name} deleted; {plural(cancelled, 'queued pin')} cancelled")


@loop.command("run")
@json_option
@pass_app
def run(app: AppContext, as_json: bool) -> None:
    """Top the loops up now (the service does it every hour)."""
    result = app.shop().loop_runner().top_up()
    if as_json:
        app.print_json(result.as_dict())
        return
    by_loop = "".join(f", {n} from {k}" for k, n in result.by_loop.items())
    click.echo(f"{plural(result.created, 'pin')} queued{by_loop}")
    if result.deferred:
        are = "is" if result.deferred == 1 else "are"
        click.echo(f"{result.deferred} more {are} due but the days ahead are full; the next top-up takes them")
    if result.stopped:
        ids = ", ".join(str(i) for i in result.stopped)
        click.echo(f"left out, the review says stop (seen, not saved or visited): product {ids}")
    for stale in result.stale:
        click.echo(f"no fresh photo or design left for {stale}: add a photo or a template")
