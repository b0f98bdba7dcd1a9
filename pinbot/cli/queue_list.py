"""`pinbot queue list`: the queue soonest first, the first 50 and how many more, or every pin.

Reads with SQLAlchemy Core alone (`pinbot.queue.listing`): no sqlmodel, no ORM, no posting rules,
so that the answer comes in about the time SQLAlchemy takes to import; rows are printed as they
are read, so a queue of 100,000 pins holds no list in memory, and `--json` streams.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

import click

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.cli.tables import Column, Layout
from pinbot.queue.views import pin_to_dict
from pinbot.store.status import PinStatus

LIST_DEFAULT = 50


@click.command("list")
@click.option("--status", type=click.Choice([s.value for s in PinStatus]), default=None)
@click.option("--board", default=None, help="Only this board key.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help=f"Show this many pins (default {LIST_DEFAULT})."
)
@click.option("--all", "show_all", is_flag=True, help="Show every pin (the default with --json).")
@click.option("--problems", is_flag=True, help="Only pins that need you: failed, needs attention, overdue.")
@json_option
@pass_app
def list_(
    app: AppContext,
    status: str | None,
    board: str | None,
    limit: int | None,
    show_all: bool,
    problems: bool,
    as_json: bool,
) -> None:
    """List queued (and past) pins, soonest first: the first 50 and how many more; failed and stuck
    pins say why and what to do. With --json, every pin unless --limit is given."""
    from pinbot.queue.listing import listing, listing_count, needs_owner, pin_fix

    now = app.clock().now()
    if board is not None:
        from pinbot.shop.boards import load_boards, require_board

        require_board(load_boards(app.settings.boards_dir), board)
    pin_status = PinStatus(status) if status else None
    where = needs_owner(now) if problems else None
    if limit is None and not show_all and not as_json:
        limit = LIST_DEFAULT
    if show_all:
        limit = None
    account_id = app.account_id()
    engine = app.engine
    rows = listing(engine, account_id, pin_status, board, limit, where) if account_id is not None else iter(())
    if as_json:
        stream_json_array({**pin_to_dict(row, row.board_key), "fix": pin_fix(row, now) or None} for row in rows)
        return
    shown = 0
    stuck: list[str] = []
    chunk: list[list[str]] = []
    layout: Layout | None = None
    out = sys.stdout
    for row in rows:
        shown += 1
        due = app.shop_day(row.due_at) if row.due_at is not None else ""
        chunk.append([str(row.id), row.status.value, due, row.board_key, row.title, row.pinterest_pin_id or ""])
        fix = pin_fix(row, now)
        if fix:
            # One line per pin, never wrapped: the reason and the fix are meant to be read or grepped whole.
            said = f": {row.last_error}; fix: {fix}" if row.last_error else f", {fix}"  # not "queued: queued"
            stuck.append(f"pin {row.id} {row.status.value}{said}")
        if len(chunk) >= 1000:  # --all on a big queue: write as we go, hold no more than this
            layout = _write(out, chunk, layout, app.width)
    if chunk:
        _write(out, chunk, layout, app.width)
    for line in stuck:
        click.echo(line)
    if not shown:
        app.info("no pins match")
    elif limit is not None and shown == limit:
        assert account_id is not None
        rest = listing_count(engine, account_id, pin_status, board, where) - shown
        if rest > 0:
            app.info(f"… and {rest:,} more: --all, --limit N")


# What goes out when, to which board, which pin, its status: the Pinterest id only on a wide
# terminal (`queue show` and --json have it). A plain text table sized on the first rows: rich's
# Table measures every cell of every row first, which for a big queue costs seconds and holds the
# whole listing in memory.
_COLUMNS = (
    Column("id", right=True),
    Column("status"),
    Column("due (shop time)"),
    Column("board", least=16),
    Column("title", flex=True, least=24, most=60),
    Column("pinterest id", extra=True),
)


def _write(out: TextIO, chunk: list[list[str]], layout: Layout | None, width: int) -> Layout:
    """Write a chunk of rows (the first one with the header) and empty it."""
    if layout is None:
        layout = Layout(_COLUMNS, chunk, width)
        out.write(layout.header() + "\n")
    out.write("".join(layout.line(cells) + "\n" for cells in chunk))
    chunk.clear()
    return layout


def stream_json_array(items: Iterator[dict[str, Any]]) -> None:
    """Print a JSON array item by item as `print_json` would print the whole list (indent 2,
    sorted keys), without holding the list in memory."""
    out = sys.stdout
    first = True
    for item in items:
        body = json.dumps(item, indent=2, sort_keys=True, default=str).replace("\n", "\n  ")
        out.write(("[\n  " if first else ",\n  ") + body)
        first = False
    out.write("[]\n" if first else "\n]\n")
