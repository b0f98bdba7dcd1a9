"""`pinbot queue list`: the queue soonest first, the first 50 and how many more, or every pin.

Reads with SQLAlchemy Core alone (`pinbot.queue.listing`): no sqlmodel, no ORM, no posting rules,
so that the answer comes in about the time SQLAlchemy takes to import; rows are printed as they
are read, so a queue of 100,000 pins holds no list in memory, and `--json` streams.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import click

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.queue.views import pin_to_dict
from pinbot.store.status import PinStatus
from pinbot.words import clip

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
    lines: list[str] = []
    out = sys.stdout
    for row in rows:
        if not shown:
            header = _LIST_ROW.format("id", "status", "due (shop time)", "board", "title", "pinterest id")
            out.write(header.rstrip() + "\n")
        shown += 1
        due = app.shop_time(row.due_at)
        pinterest_id = row.pinterest_pin_id or ""
        lines.append(
            _LIST_ROW.format(row.id, row.status.value, due, row.board_key, clip(row.title, 50), pinterest_id).rstrip()
        )
        fix = pin_fix(row, now)
        if fix:
            # One line per pin, never wrapped: the reason and the fix are meant to be read or grepped whole.
            stuck.append(f"pin {row.id} {row.status.value}: {row.last_error or row.status.value}; fix: {fix}")
        if len(lines) >= 1000:  # --all on a big queue: write as we go, hold no more than this
            out.write("\n".join(lines) + "\n")
            lines.clear()
    if lines:
        out.write("\n".join(lines) + "\n")
    for line in stuck:
        click.echo(line)
    if not shown:
        app.info("no pins match")
    elif limit is not None and shown == limit:
        assert account_id is not None
        rest = listing_count(engine, account_id, pin_status, board, where) - shown
        if rest > 0:
            app.info(f"… and {rest:,} more: --all, --limit N")


# A plain text table: rich's Table measures every cell of every row first, which for a big queue
# costs seconds and holds the whole listing in memory.
_LIST_ROW = "{:>7}  {:<15}  {:<20}  {:<24}  {:<50}  {}"


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
