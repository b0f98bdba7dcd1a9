"""`pinbot metrics pull`, `pinbot report` and `pinbot experiment create|status|list`.

Wiring and printing only: the sweep is `pinbot.metrics.sweep`, the numbers `pinbot.review.aggregate`, the files
`pinbot.report`, the experiments `pinbot.experiments.plan` / `pinbot.experiments.status`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from rich.table import Table

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.cli.review_view import print_keywords, print_review
from pinbot.errors import InvalidInput
from pinbot.experiments.plan import create_experiment
from pinbot.experiments.status import ExperimentStatus, apply_winner, evaluate
from pinbot.render import list_templates
from pinbot.report import build_report, write_csv, write_html
from pinbot.review.aggregate import period, utc_today
from pinbot.review.keywords import keyword_groups
from pinbot.review.types import Group
from pinbot.stats import MIN_LIFT


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
    click.echo(result.message())
    for error in result.errors[:5]:
        click.echo(f"  skipped {error}", err=True)


def _known_designs(app: AppContext) -> list[str]:
    return list_templates(app.settings.assets_dir)


def _group_table(title: str, groups: list[Group], limit: int = 10) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("#", "name", "impr.", "saves", "save rate (95%)", "outbound", "outbound rate (95%)", "pins"):
        table.add_column(col, justify="left" if col == "name" else "right")
    for g in groups[:limit]:
        t = g.totals
        sr, orate = t.save_rate, t.outbound_rate
        table.add_row(
            str(g.rank) if g.rank else "–",
            g.label,
            f"{t.impressions:,}",
            f"{t.saves:,}",
            f"{sr.value:.2%} ({sr.low:.2%}–{sr.high:.2%})",
            f"{t.outbound_clicks:,}",
            f"{orate.value:.2%} ({orate.low:.2%}–{orate.high:.2%})",
            str(t.pins),
        )
    return table


@click.command("report")
@click.option("--since", default="30d", show_default=True, help="Period: 30d, 12w or a start date (YYYY-MM-DD).")
@json_option
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False, path_type=Path), help="Write CSV files here.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the HTML report.")
@pass_app
def report(app: AppContext, since: str, as_json: bool, csv_dir: Path | None, html_file: Path | None) -> None:
    """Numbers by pin, board, design, product, weekday and hour, with stop/start/continue/change advice."""
    now = app.clock().now()
    first, last = period(since, utc_today(now))
    account = app.account()
    assert account.id is not None
    rep = build_report(
        app.engine, account.id, account.name, first, last, now,
        timezone=app.settings.timezone, known_designs=_known_designs(app),
    )  # fmt: skip
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
    print_review(console, r, account.name)
    for dim, title in (("design", "By design"), ("board", "By board"), ("product", "By product")):
        console.print()
        console.print(_group_table(title, r.groups[dim]))
    print_keywords(console, by_keyword)
    console.print(f"\n{rep.minimums}")


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
    as_json: bool,
) -> None:
    """Queue balanced pins for each design: same boards and products, alternating times."""
    queue = app.queue_service()
    plan = create_experiment(
        app.engine, queue.account_id, queue, name=name, hypothesis=hypothesis, products=_split(products),
        variants=_split(variants), assets_dir=app.settings.assets_dir, boards=_split(boards), metric=metric,
        lift=lift, planned_impressions=sample, rounds=rounds, every_hours=every_hours, horizon_days=horizon_days,
        auto=auto,
    )  # fmt: skip
    if as_json:
        app.print_json(plan.as_dict())
        return
    click.echo(
        f"experiment {plan.name!r}: {plan.pins_created} pins queued ({len(plan.designs)} designs x "
        f"{len(plan.boards)} boards x {len(plan.product_ids)} products x {plan.rounds} rounds), one every "
        f"{plan.every_hours} h from {plan.first_at:%Y-%m-%d %H:%M} to {plan.last_at:%Y-%m-%d %H:%M} UTC"
    )
    click.echo(
        f"plan: {plan.planned_impressions:,} impressions per design to detect a {plan.lift:.0%} lift in "
        f"{plan.metric.replace('_', ' ')} from {plan.baseline:.2%} ({plan.baseline_source}); "
        f"verdict once, when reached, or 'inconclusive' after {plan.horizon_days} days"
    )
    made = plan.round_looks
    if any(r.look for r in made):
        looks = ", ".join(".".join(r.look) for r in made if r.look)
        click.echo(f"rounds: all designs alike in one palette and crop per round ({looks}); the template differs")
    elif any(r.photo for r in made):
        click.echo(f"rounds: each round shows the products' next photo ({len(made)} photos per product)")
    for note in plan.notes:
        click.echo(f"note: {note}")


def _print_status(app: AppContext, s: ExperimentStatus) -> None:
    v = s.verdict
    reached = min((x.counts.trials for x in s.variants), default=0)
    app.console.print(
        f"[bold]{s.name}[/bold] ({s.state}, {s.outcome.replace('_', ' ')}): {reached:,} of {s.planned:,} "
        f"impressions per design; {s.metric.replace('_', ' ')}"
    )
    for x in s.variants:
        r = v.rates[x.key]
        app.console.print(
            f"  {x.key} {x.design}: {r.value:.2%} (95% {r.low:.2%}–{r.high:.2%}), {x.counts.successes:,}/"
            f"{x.counts.trials:,}, {x.pins_posted} posted, {x.pins_waiting} waiting"
        )
    if s.outcome == "collecting":
        app.console.print("  verdict: waits for the planned sample (no peeking)")
    else:
        app.console.print(f"  verdict: {s.winner_design or 'no winner'} (p = {v.p_value:.3g}, alpha {v.alpha:g})")
        for part in ("successes", "failures", "learned"):
            for line in s.summary.get(part, []):
                app.console.print(f"  {part}: {line}")


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
    for s in statuses:
        click.echo(f"{s.id}\t{s.name}\t{s.state}\t{s.outcome}\t{s.winner_design or ''}")
