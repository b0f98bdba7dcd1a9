"""`pinbot metrics pull`, `pinbot report` and `pinbot experiment create|status|list`.

Wiring and printing only: the sweep is `pinbot.metrics.sweep`, the numbers `pinbot.review.aggregate`, the files
`pinbot.report`, the experiments `pinbot.experiments.plan` / `pinbot.experiments.status`.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import click
from rich import box
from rich.markup import escape
from rich.table import Table

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.cli.experiment_view import print_plan
from pinbot.cli.review_view import item, print_experiments, print_experiments_body, print_keywords, print_review
from pinbot.cli.tables import hanging
from pinbot.errors import InvalidInput, PinbotError
from pinbot.experiments.plan import create_experiment
from pinbot.experiments.status import ExperimentStatus, apply_winner, evaluate
from pinbot.render import list_templates
from pinbot.render.brand import load_brand
from pinbot.render.names import design_name
from pinbot.report import build_report, write_csv, write_html
from pinbot.report.experiment_text import METRIC_WORDS, label
from pinbot.report.model import heavy_tail_note
from pinbot.report.pictures import PinCard
from pinbot.review.aggregate import period, utc_today
from pinbot.review.keywords import keyword_groups
from pinbot.review.types import Group
from pinbot.shop.boards import scan_boards
from pinbot.stats import MIN_LIFT, Rate
from pinbot.words import plural


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for raw in values for v in raw.split(",") if v.strip()]


@click.group("metrics")
def metrics_group() -> None:
    """Pull analytics from Pinterest into the local history."""


@metrics_group.command("pull")
@click.option("--since", "since", default=None, help="Re-fetch from this UTC date (YYYY-MM-DD; at most 90 days back).")
@json_option
@pass_app
def pull(app: AppContext, since: str | None, as_json: bool) -> None:
    """Fetch daily pin and account analytics within today's API budget (one call per pin per day at most)."""
    start: date | None = None
    if since:
        try:
            start = date.fromisoformat(since)
        except ValueError:
            raise InvalidInput("--since", f"expected a date like 2026-01-31, got {since!r}") from None
    shop = app.shop()
    with app.progress("fetching analytics") as bars:
        result = shop.metrics_service(shop.client(), bars.update if bars else None).sweep(since=start)
    if as_json:
        app.print_json(result.as_dict())
        return
    if result.pins_due == 0 and not result.stopped and not result.errors:
        # "0 of 0 due pins fetched with 0 calls" read as broken to an owner whose pins were
        # posted days ago: the service (or `run --once`) had fetched them already today.
        when = f"; next fetch from {app.shop_time(result.next_sweep_at)}" if result.next_sweep_at else ""
        text = (
            "nothing new to fetch: every posted pin's numbers are up to date (Pinterest adds a day's "
            f"numbers once the day is over; `pinbot report` shows them){when}"
        )
        click.echo(hanging("metrics: ", text, app.prose_width))
        return
    click.echo(result.message())
    for error in result.errors[:5]:
        click.echo(f"  skipped {error}", err=True)


def _shop_label(app: AppContext, account: str) -> str:
    """The report is about the owner's shop: its name from the brand kit, else the account's."""
    try:
        return load_brand(app.settings.assets_dir).shop_name or account
    except PinbotError:
        return account


def _known_designs(app: AppContext) -> list[str]:
    return list_templates(app.settings.assets_dir)


def _plain(cell: str) -> str:
    return cell.replace("[dim]", "").replace("[/dim]", "")


def _break_at_hyphens(label: str, room: int) -> str:
    """`label` with each word longer than `room` broken into lines after its hyphens."""
    out = []
    for word in label.split(" "):
        if len(word) <= room or "-" not in word:
            out.append(word)
            continue
        lines, line = [], ""
        for piece in re.findall(r"[^-]*-|[^-]+$", word):
            if line and len(line) + len(piece) > room:
                lines.append(line)
                line = ""
            line += piece
        out.append("\n".join([*lines, line]))
    return " ".join(out)


def _rate_cell(rate: Rate) -> str:
    """The rate over its 95% range on a second line, so the table fits 80 columns."""
    return f"{rate.value:.2%}\n[dim]{rate.low * 100:.1f}–{rate.high * 100:.1f}%[/dim]"


def _group_table(title: str, groups: list[Group], width: int = 80, limit: int = 10) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("#", justify="right")
    # A name wraps rather than being cut, so "… · subject crop" and "… · centred crop" both show.
    table.add_column("name", overflow="fold", ratio=1, min_width=16)
    # Two-line headers leave the name more room.
    headers = ("views", "saves", "save\nrate", "visits", "visit\nrate", "pins")
    for col in headers:
        table.add_column(col, justify="right", no_wrap=True)
    rows = []
    for g in groups[:limit]:
        t = g.totals
        rows.append(
            [
                str(g.rank) if g.rank else "–",
                g.label,
                f"{t.impressions:,}",
                f"{t.saves:,}",
                _rate_cell(t.save_rate),
                f"{t.outbound_clicks:,}",
                _rate_cell(t.outbound_rate),
                str(t.pins),
            ]
        )
    # A board key ("wabi-sabi-home-decor") has no space to wrap at: rich folded it mid-word
    # ("wabi-sabi-home-deco" / "r"). The name's room is what the other columns leave (each takes
    # its widest line and 2 of padding, 1 between columns); a longer key breaks after a hyphen.
    others = [[r[0] for r in rows] + ["#"]] + [[r[i] for r in rows] + [h] for i, h in enumerate(headers, 2)]
    used = sum(max(len(line) for cell in cells for line in _plain(cell).split("\n")) + 2 for cells in others)
    room = max(16, width - used - 2 - (len(headers) + 1))
    for row in rows:
        table.add_row(row[0], escape(_break_at_hyphens(row[1], room)), *row[2:])
    table.caption = "rates: value over its 95% range"
    table.caption_justify = "left"
    return table


def _top_table(cards: list[PinCard]) -> Table:
    table = Table(title="Pins that earned the most", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("#", justify="right")
    table.add_column("pin", overflow="fold", ratio=1, min_width=16)
    for col in ("visits", "saves", "views"):
        table.add_column(col, justify="right", no_wrap=True)
    for c in cards:
        n = c.numbers
        pin = f"{escape(c.title)}\n[dim]{escape(c.board)} · {escape(c.design_name)} · id {c.pin_id}[/dim]"
        table.add_row(str(n["rank"]), pin, f"{n['outbound_clicks']:,}", f"{n['saves']:,}", f"{n['impressions']:,}")
    return table


@click.command("report")
@click.option("--since", default="30d", show_default=True, help="Period: 30d, 12w or a start date (YYYY-MM-DD).")
@json_option
@click.option(
    "--csv",
    "csv_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder for the CSV files (one a table).",
)
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the HTML report.")
@pass_app
def report(app: AppContext, since: str, as_json: bool, csv_dir: Path | None, html_file: Path | None) -> None:
    """Numbers by pin, board, design, product, weekday and hour, with stop/start/continue/change advice."""
    if csv_dir is not None and csv_dir.suffix.lower() == ".csv" and not csv_dir.is_dir():
        # `--csv report.csv` made a folder named report.csv holding ten files.
        raise InvalidInput(
            "--csv",
            f"{csv_dir.name} is a file name; the report is ten CSV files, one a table: give a folder, e.g. "
            "--csv report-csv",
        )
    now = app.clock().now()
    first, last = period(since, utc_today(now))
    account = app.account()
    assert account.id is not None
    settings = app.settings
    boards, _broken = scan_boards(settings.boards_dir)  # advice names the files it can read; doctor reports the rest
    images = app.shop().renderer()  # the service's render cache
    rep = build_report(
        app.engine,
        account.id,
        _shop_label(app, account.name),
        first,
        last,
        now,
        timezone=settings.timezone,
        known_designs=_known_designs(app),
        boards=boards,
        render=lambda pin, key, product: images.image_for(pin, boards.get(key), product)[1],
        thumbs_dir=settings.data_dir / "thumbs",
        simulated=urlsplit(settings.api_base).hostname in ("127.0.0.1", "localhost", "::1"),  # the emulator
    )
    if csv_dir is not None:
        paths = write_csv(rep, csv_dir)
        app.info(f"wrote {len(paths)} CSV files to {csv_dir}")
    if html_file is not None:
        write_html(rep, html_file)
        app.info(f"wrote {html_file}")
    words = [k for board in app.shop().boards.values() for k in board.keywords]
    by_keyword = keyword_groups(app.engine, account.id, first, last, words)
    if as_json:
        app.print_json(rep.as_dict() | {"keywords": [g.as_dict() for g in by_keyword]})
        return
    if csv_dir is not None or html_file is not None:
        return
    r = rep.review
    console = app.console
    print_review(console, r, rep.account)  # the shop's name from its brand kit, not the account key
    print_experiments(console, rep.experiments)
    console.print()
    console.print(_top_table(rep.top_pins[:5]))
    if note := heavy_tail_note(rep):
        console.print(escape(note))
    for dim, title in (("design", "By design"), ("board", "By board"), ("product", "By product")):
        console.print()
        console.print(_group_table(title, r.groups[dim], console.width))
    print_keywords(console, by_keyword)
    console.print("\n[dim]visits = outbound clicks to your site; rates are per view with their 95% range[/dim]")
    console.print(f"{rep.minimums}")


@click.group("experiment")
def experiment_group() -> None:
    """A/B test pin designs with a planned sample and one honest verdict."""


@experiment_group.command("create")
@click.option("--name", required=True, help="A short unique name.")
@click.option("--hypothesis", default="", help="What you expect and why.")
@click.option("--products", multiple=True, required=True, help="Product ids or external ids, comma-separated.")
@click.option("--variants", multiple=True, required=True, help="Designs: template names or variant ids, e.g. A,B.")
@click.option("--boards", multiple=True, help="Board keys (default: the boards these products were pinned to).")
@click.option(
    "--metric",
    type=click.Choice(["outbound_click_rate", "save_rate", "pin_click_rate"]),
    default="outbound_click_rate",
    show_default=True,
)
@click.option("--lift", type=float, default=MIN_LIFT, show_default=True, help="Smallest relative lift worth finding.")
@click.option("--sample", type=click.IntRange(min=100), help="Impressions per design (default: planned from history).")
@click.option("--rounds", type=click.IntRange(1, 50), help="Pins per design, board and product (default: planned).")
@click.option("--every", "every_hours", type=click.IntRange(1, 24 * 14), help="Hours between experiment pins.")
@click.option("--horizon", "horizon_days", type=click.IntRange(1, 730), help="Days before an unfinished test ends.")
@click.option("--auto", is_flag=True, help="Use the winner's design for these products' future pins.")
@click.option("--strict", is_flag=True, help="Refuse a test that cannot find the lift by its horizon.")
@json_option
@pass_app
def create(
    app: AppContext,
    name: str,
    hypothesis: str,
    products: tuple[str, ...],
    variants: tuple[str, ...],
    boards: tuple[str, ...],
    metric: str,
    lift: float,
    sample: int | None,
    rounds: int | None,
    every_hours: int | None,
    horizon_days: int | None,
    auto: bool,
    strict: bool,
    as_json: bool,
) -> None:
    """Queue balanced pins for each design: same boards and products, alternating times."""
    queue = app.queue_service()
    plan = create_experiment(
        app.engine,
        queue.account_id,
        queue,
        name=name,
        hypothesis=hypothesis,
        products=_split(products),
        variants=_split(variants),
        assets_dir=app.settings.assets_dir,
        boards=_split(boards),
        metric=metric,
        lift=lift,
        planned_impressions=sample,
        rounds=rounds,
        every_hours=every_hours,
        horizon_days=horizon_days,
        auto=auto,
        strict=strict,
    )
    if as_json:
        app.print_json(plan.as_dict())
        return
    print_plan(app, plan)


def _print_status(app: AppContext, s: ExperimentStatus) -> None:
    v = s.verdict
    console = app.console
    console.print(f"[bold]{escape(s.name)}[/bold] ({label(s.outcome)}, {s.state})")
    events = METRIC_WORDS.get(s.metric, ("", "events"))[1]
    for x in s.variants:
        r = v.rates[x.key]
        # Before any view "0.00% (95% 0.00%–100.00%), 0 of 0 views" was noise: say there is none yet.
        seen = (
            f"{r.value:.2%} (95% {r.low:.2%}–{r.high:.2%}), {x.counts.successes:,} {events} in "
            f"{plural(x.counts.trials, 'view')}"
            if x.counts.trials
            else "no views yet"
        )
        pins = f"{x.pins_posted} posted, {x.pins_waiting} waiting"
        item(console, x.key, f"{escape(design_name(x.design))}: {seen}, {pins}")
    print_experiments_body(console, s)


@experiment_group.command("status")
@click.argument("name", required=False)
@click.option("--apply", "apply", is_flag=True, help="Use the winner's design for these products from now on.")
@json_option
@pass_app
def status(app: AppContext, name: str | None, apply: bool, as_json: bool) -> None:
    """Per-design rates, progress to the planned sample, and the verdict once it is reached."""
    account = app.account()
    assert account.id is not None
    now = app.clock().now()
    if apply:
        if not name:
            raise InvalidInput("--apply", "name the experiment whose winner to apply")
        apply_winner(app.engine, account.id, name, now)
    statuses = evaluate(app.engine, account.id, now, name)
    if as_json:
        app.print_json([s.as_dict() for s in statuses])
        return
    if not statuses:
        click.echo("no experiments yet; create one with `pinbot experiment create`")
    for s in statuses:
        _print_status(app, s)


@experiment_group.command("list")
@json_option
@pass_app
def list_cmd(app: AppContext, as_json: bool) -> None:
    """All experiments with their state."""
    account = app.account()
    assert account.id is not None
    statuses = evaluate(app.engine, account.id, app.clock().now())
    if as_json:
        app.print_json([{"id": s.id, "name": s.name, "state": s.state, "outcome": s.outcome} for s in statuses])
        return
    if not statuses:
        click.echo("no experiments yet; create one with `pinbot experiment create`")
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    for col in ("id", "name", "state", "outcome", "winner"):
        table.add_column(col, justify="right" if col == "id" else "left", overflow="fold")
    for s in statuses:
        winner = design_name(s.winner_design) if s.winner_design else ""
        table.add_row(str(s.id), escape(s.name), s.state, label(s.outcome), escape(winner))
    app.console.print(table)
