"""`pinbot queue add|import|list|show|cancel|retry`: the owner's hands on the queue."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.cli.queue_list import list_
from pinbot.cli.tables import Column, hanging, table
from pinbot.errors import InvalidInput, PinbotError
from pinbot.queue.views import pin_to_dict
from pinbot.shop.validation import (
    ALT_TEXT_MAX,
    BADGE_MAX,
    DESCRIPTION_MAX,
    HEADLINE_MAX,
    TITLE_MAX,
    check_image_path,
    check_link,
    check_text,
    parse_when,
)
from pinbot.words import clip, plural

# Each command imports what it needs: `queue list` reads with SQLAlchemy Core alone, and the queue
# service, the models (sqlmodel, pydantic, the ORM), the CSV reader and rich load only to write.
if TYPE_CHECKING:
    from pinbot.queue.csv_import import ParsedFile
    from pinbot.queue.service import QueueService


class ImportFailed(PinbotError):
    exit_code = 2


def _board_keys(board: tuple[str, ...], boards: str | None) -> tuple[str, ...]:
    keys = [k.strip() for value in (*board, boards or "") for k in value.split(",") if k.strip()]
    return tuple(dict.fromkeys(keys))


@click.group()
def queue() -> None:
    """Add pins to the queue and manage them."""


@queue.command("add")
@click.option("--board", "board", multiple=True, help="Board key (file name in boards/). Repeatable.")
@click.option("--boards", "boards", help="Several board keys, comma-separated; the pins are spaced apart.")
@click.option("--product", "product_ref", default=None, help="Pin this product (id or key): its title, link, photo.")
@click.option("--title", default=None, help=f"Pin title (≤ {TITLE_MAX} characters). Required without --product.")
@click.option("--description", default=None, help=f"Pin description (≤ {DESCRIPTION_MAX} characters).")
@click.option("--link", default=None, help="Where the pin leads (http/https).")
@click.option("--image", default=None, help="Path of the product photo. Required without --product.")
@click.option("--alt-text", default=None, help=f"Alt text for screen readers (≤ {ALT_TEXT_MAX} characters).")
@click.option("--at", "at", default=None, help="Post at this time (ISO-8601), whatever the rules; past = now.")
@click.option("--template", default=None, help="Renderer template (default: the board's).")
@click.option("--key", default=None, help="Your unique id for this pin; adding the same key again adds nothing.")
@click.option("--headline", default=None, help="Short text printed big on the pin (default: from the title).")
@click.option("--badge", default=None, help="A label on the pin, e.g. NEW or SALE.")
@json_option
@pass_app
def add(
    app: AppContext,
    board: tuple[str, ...],
    boards: str | None,
    product_ref: str | None,
    title: str | None,
    description: str | None,
    link: str | None,
    image: str | None,
    alt_text: str | None,
    at: str | None,
    template: str | None,
    key: str | None,
    headline: str | None,
    badge: str | None,
    as_json: bool,
) -> None:
    """Queue one pin (one per board) and say what was queued, when and where (a script gets the pin's id
    alone, or --json). With --product, the product fills in the rest."""
    keys = _board_keys(board, boards)
    if not keys:
        raise InvalidInput("board", "give --board KEY (or --boards a,b,c)")
    settings = app.settings
    service = app.queue_service()
    when = parse_when(at, settings.tz) if at else None
    if product_ref is not None:
        from pinbot.queue.product_pins import ProductPinOptions, product_requests
        from pinbot.shop.products import ProductService

        headline = check_text("headline", headline, HEADLINE_MAX) if headline is not None else None
        badge = check_text("badge", badge, BADGE_MAX) if badge is not None else None
        options = ProductPinOptions(
            keys, title, description, link, image, alt_text, when, template, key, headline, badge
        )
        products = ProductService(service.engine, service.account_id, service.clock)
        reqs = product_requests(products, service, product_ref, options, Path.cwd())
    else:
        if not title:
            raise InvalidInput("title", "is required (or give --product ID_OR_KEY)")
        if not image:
            raise InvalidInput("image", "is required (or give --product ID_OR_KEY)")
        from pinbot.queue.service import PinRequest

        reqs = [
            PinRequest(
                boards=keys,
                title=check_text("title", title, TITLE_MAX, required=True, single_line=True),
                description=check_text("description", description or "", DESCRIPTION_MAX),
                link=check_link(link or ""),
                image=str(check_image_path(image, base=Path.cwd(), keep_fingerprint=True)),
                alt_text=check_text("alt_text", alt_text or "", ALT_TEXT_MAX),
                at=when,
                template=template,
                source_key=f"cli:{key}" if key else None,
                headline=check_text("headline", headline or "", HEADLINE_MAX),
                badge=check_text("badge", badge or "", BADGE_MAX),
            )
        ]
    if any(not req.link for req in reqs):
        app.info(
            "warning: this pin has no link, so it sends no one to your shop; "
            "give --link https://your-shop/product (or a product with a link)"
        )
    result = service.enqueue(reqs)

    from pinbot.queue.keywords import keyword_warnings
    from pinbot.queue.photo_check import photo_warnings

    for warning in photo_warnings(settings.assets_dir, service.boards, reqs):
        app.info(warning)
    made = service.pins(result.created)
    by_board = {p.board_id: service.boards[k] for p, k in made if k in service.boards}
    for finding in keyword_warnings([p for p, _ in made], by_board):
        app.info(f"search: {finding.message}")  # a warning, not a refusal: the pin is queued
    if as_json:
        app.print_json([pin_to_dict(p, k) for p, k in service.pins(result.created + result.existing)])
        return
    if app.stdout_is_terminal:  # a person: say what was queued; a script gets the bare ids, as always
        for pin, key in service.pins(result.created + result.existing):
            board_name = service.boards[key].name if key in service.boards else key
            said = "Already queued: pin" if pin.id in result.existing else "Queued pin"
            click.echo(_queued_line(app, said, pin.id, pin.title, pin.due_at, board_name))
        return
    for pin_id in result.created:
        click.echo(pin_id)
    for pin_id in result.existing:
        click.echo(pin_id)
        app.info(f"pin {pin_id} was already queued with the same content; nothing added")


def _queued_line(app: AppContext, said: str, pin_id: int | None, title: str, due: datetime, board: str) -> str:
    """ "Queued pin 12 “Speckled mug…” for Tue 1 Dec 10:30 on Mugs & Cups", the title cut to fit."""
    rest = f" for {app.shop_day(due)} on {board}"
    room = max(12, app.width - len(f"{said} {pin_id} “”") - len(rest))  # the title gives way first
    return f"{said} {pin_id} “{clip(title, room)}”{rest}"


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a file is imported: the rows, requests and drafts of a big
    file are a million objects, none of them garbage, that every collection pass walked again (over
    a second of an import of 100,000 rows). It runs as before once the import is done."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@queue.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="All or nothing: queue no row unless every row is valid.")
@json_option
@pass_app
@_collector_paused()
def import_(app: AppContext, file: Path, strict: bool, as_json: bool) -> None:
    """Queue many pins from pinbot's CSV format (see README). Re-importing adds nothing."""

    service = app.queue_service()
    with app.progress("checking rows") as bars:
        from pinbot.queue.csv_import import parse_csv

        parsed = parse_csv(file, service.boards, app.settings.tz, progress=bars.advance if bars else None)
    queued = existing = 0
    if parsed.requests and not (strict and parsed.errors):
        try:
            result = service.enqueue(req for _, req in parsed.requests)
            queued, existing = len(result.created), len(result.existing)
            from pinbot.queue.photo_check import photo_warnings

            for warning in photo_warnings(app.settings.assets_dir, service.boards, [r for _, r in parsed.requests]):
                app.info(warning)
        except InvalidInput as exc:
            # A posting rule (the spam lint) refused a row; the whole batch was rolled back.
            if strict:
                parsed.errors.append(exc)
            else:
                queued, existing = _enqueue_row_by_row(service, parsed)
    summary = {
        "file": str(file),
        "rows": parsed.rows,
        "valid_rows": len(parsed.requests),
        "queued": queued,
        "already_queued": existing,
        "strict": strict,
        "errors": [{"row": e.row, "column": e.field, "reason": e.reason} for e in parsed.errors],
    }
    if as_json:
        app.print_json(summary)
    else:
        for err in parsed.errors:
            click.echo(f"{file.name}: row {err.row}: {err.field}: {err.reason}", err=True)
        click.echo(
            f"{plural(queued, 'pin')} queued, {existing} already queued, "
            f"{plural(len(parsed.errors), 'invalid row')} of {parsed.rows}"
        )
    if parsed.errors:
        what = "nothing queued (--strict)" if strict else f"{plural(len(parsed.errors), 'row')} not queued"
        raise ImportFailed(f"{file.name}: {plural(len(parsed.errors), 'invalid row')}; {what}")


def _enqueue_row_by_row(service: QueueService, parsed: ParsedFile) -> tuple[int, int]:
    """Slow path after a rule refused part of a batch: find out which rows, queue the rest."""
    queued = existing = 0
    for row_no, req in parsed.requests:
        try:
            result = service.enqueue([req])
        except InvalidInput as exc:
            parsed.errors.append(InvalidInput(exc.field, exc.reason, row=row_no, source=exc.source))
            continue
        queued += len(result.created)
        existing += len(result.existing)
    parsed.errors.sort(key=lambda e: e.row or 0)
    return queued, existing


@queue.command("show")
@click.argument("pin_id", type=int)
@json_option
@pass_app
def show(app: AppContext, pin_id: int, as_json: bool) -> None:
    """Everything about one pin, its attempts included."""
    from sqlmodel import col, select

    from pinbot.store.db import session_scope
    from pinbot.store.models import PostAttempt

    pin, key = app.queue_service().get(pin_id)
    with session_scope(app.engine) as session:
        attempts = session.exec(
            select(PostAttempt).where(PostAttempt.pin_id == pin_id).order_by(col(PostAttempt.started_at))
        ).all()
    data = pin_to_dict(pin, key)
    data["attempt_history"] = [
        {
            "attempt_id": a.attempt_id,
            "started_at": a.started_at.isoformat(),
            "outcome": a.outcome,
            "http_status": a.http_status,
            "error_code": a.error_code,
            "request_id": a.request_id,
            "message": a.message,
        }
        for a in attempts
    ]
    if as_json:
        app.print_json(data)
        return
    for name, value in data.items():
        if name != "attempt_history":
            if name.endswith("_at") and isinstance(value, str) and value:
                value = app.shop_time(datetime.fromisoformat(value))  # JSON keeps UTC; people read shop time
            click.echo(hanging(f"{name:17} ", "" if value is None else str(value), app.prose_width).rstrip())
    for a in attempts:
        outcome = f"{a.outcome or 'in flight'} {a.message or ''}".rstrip()
        click.echo(f"attempt {app.shop_time(a.started_at, seconds=True)} {outcome}")


@queue.command("cancel")
@click.argument("pin_id", type=int)
@pass_app
def cancel(app: AppContext, pin_id: int) -> None:
    """Cancel a pin that has not been posted."""
    pin = app.queue_service().cancel(pin_id)
    click.echo(f"pin {pin.id} cancelled")


@queue.command("retry")
@click.argument("pin_id", type=int)
@click.option("--at", "at", default=None, help="Due at this time instead of now.")
@pass_app
def retry(app: AppContext, pin_id: int, at: str | None) -> None:
    """Queue a failed, cancelled or needs-attention pin again."""
    when = parse_when(at, app.settings.tz) if at else None
    pin = app.queue_service().retry(pin_id, when)
    why = "" if when else " (the first time the posting rules allow; --at for another)"
    click.echo(f"pin {pin.id} queued again, due {app.shop_time(pin.due_at)}{why}")


@queue.command("plan")
@click.option("--days", type=click.IntRange(min=1, max=365), default=14, show_default=True)
@json_option
@pass_app
def plan(app: AppContext, days: int, as_json: bool) -> None:
    """The coming schedule: when each queued pin goes out, and any rule or lint problems."""
    from pinbot.queue.upcoming import upcoming

    account = app.account()
    assert account.id is not None
    rules = app.rules()
    now = app.clock().now()
    view = upcoming(app.engine, account.id, rules, app.settings.tz, now, timedelta(days=days), app.shop().boards)
    if as_json:
        app.print_json(view)
        return
    explicit = "; * = a time you set" if any(item["explicit_time"] for item in view["pins"]) else ""
    click.echo(f"Next {days} days ({app.settings.timezone}{explicit})")
    cells = [
        [
            str(item["id"]),
            app.shop_day(datetime.fromisoformat(item["local_time"])) + (" *" if item["explicit_time"] else ""),
            item["board"],
            item["title"],
            item["domain"] or "-",
            item["loop"] or "-",
        ]
        for item in view["pins"]
    ]
    if cells:
        # When, where and which pin first; the link's site and the loop when there is room.
        loops = any(item["loop"] for item in view["pins"])  # a "loop" column of dashes says nothing
        columns = _PLAN_COLUMNS if loops else _PLAN_COLUMNS[:-1]
        click.echo("\n".join(table(columns, cells, app.width)))
    days_text = ", ".join(f"{date.fromisoformat(d):%a %-d %b} {plural(n, 'pin')}" for d, n in view["per_day"].items())
    app.console.print(f"{plural(len(view['pins']), 'pin')}; per day: {days_text}")
    if view["paused"]:
        app.console.print(f"[yellow]Posting is stopped: {view['paused']}[/yellow]")
    for problem in view["problems"]:
        app.console.print(f"[red]problem[/red] {problem['field']}: {problem['message']}")
    for warning in view["warnings"]:
        app.console.print(f"[yellow]search[/yellow] {warning['field']}: {warning['message']}")


_PLAN_COLUMNS = (
    Column("id", right=True),
    Column("when"),
    Column("board", least=16),
    Column("title", flex=True, least=24, most=60),
    Column("link", extra=True),
    Column("loop", least=8),  # why the pin is there (shown when a pin came from a loop)
)

queue.add_command(list_)
