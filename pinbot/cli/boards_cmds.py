"""`pinbot boards list | sync`: the boards defined in the boards folder, and making the account match."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click
from sqlmodel import select

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.cli.tables import Column, Layout
from pinbot.errors import DatabaseError, PinbotError
from pinbot.pinterest.sync import apply_sync, linked_boards, remote_boards
from pinbot.shop.boards import SyncStep, load_boards, plan_sync, scan_boards
from pinbot.store.db import session_scope
from pinbot.store.models import Board
from pinbot.words import plural


@click.group()
def boards() -> None:
    """The shop's boards (one TOML file per board in PINBOT_BOARDS_DIR)."""


@boards.command("list")
@json_option
@pass_app
def list_(app: AppContext, as_json: bool) -> None:
    """Show every board file; a broken file is reported by file name and key."""
    defs, errors = scan_boards(app.settings.boards_dir)
    linked: dict[str, str | None] = {}
    try:
        with session_scope(app.engine) as session:
            account = app.account()
            rows = session.exec(select(Board).where(Board.account_id == account.id)).all()
            linked = {row.key: row.pinterest_board_id for row in rows}
    except DatabaseError:
        pass  # listing board files must work before `pinbot init`
    data: list[dict[str, Any]] = [
        {
            "key": b.key,
            "name": b.name,
            "description": b.description,
            "privacy": b.privacy,
            "keywords": list(b.keywords),
            "default_template": b.default_template,
            "section": b.section,
            "utm_campaign": b.campaign,
            "tag_links": b.link.tag_links,
            "file": b.path.name if b.path else None,
            "pinterest_board_id": linked.get(b.key),
        }
        for b in defs.values()
    ]
    if as_json:
        app.print_json(
            {"boards": data, "errors": [{"file": e.source, "key": e.field, "reason": e.reason} for e in errors]}
        )
    else:
        cells = [
            [
                b["key"],
                b["name"],
                b["privacy"].lower(),
                b["default_template"] or "",
                b["pinterest_board_id"] or "(not synced)",
            ]
            for b in data
        ]
        if cells:
            layout = Layout(_LIST_COLUMNS, cells, app.width)
            click.echo("\n".join([layout.header(), *(layout.line(c) for c in cells)]))
            unsynced = [b["key"] for b in data if not b["pinterest_board_id"]]
            if unsynced and 4 not in layout.keep:  # no room for the Pinterest ids: say which have none
                click.echo(f"not on Pinterest yet: {', '.join(unsynced)} (`pinbot boards sync`)")
        for e in errors:
            click.echo(f"pinbot: {e}", err=True)
    if errors:
        raise PinbotError(f"{plural(len(errors), 'board file')} with errors; fix and run again")


NOT_SYNCED = "(not synced)"
_LIST_COLUMNS = (
    Column("key"),
    Column("name", flex=True, least=16),
    Column("privacy"),
    Column("template", extra=True),
    Column("pinterest id", drop=1),
)


@boards.command("sync")
@click.option("--dry-run", is_flag=True, help="Only print the plan; change nothing on Pinterest or locally.")
@click.option("--yes", "-y", is_flag=True, help="Create the missing boards without asking (for scripts).")
@json_option
@pass_app
def sync(app: AppContext, dry_run: bool, yes: bool, as_json: bool) -> None:
    """Show the plan (create, link or ok per board), ask, then create what the account lacks. Never deletes."""
    defs = load_boards(app.settings.boards_dir)
    if not defs:
        raise PinbotError(
            f"no board files in {app.settings.boards_dir}: "
            '`pinbot init --board "Board name"` (or --from-account) writes them'
        )
    client = app.client()
    plan = plan_sync(defs.values(), remote_boards(client), linked_boards(client.engine, client.account_id))
    creates = [s for s in plan if s.action == "create"]
    if not as_json or dry_run:
        _print_plan(plan, as_json)
    approved = yes or dry_run or not creates
    if not approved and not as_json and app.can_prompt:
        names = ", ".join(s.name for s in creates)
        approved = click.confirm(f"Create {plural(len(creates), 'board')} on Pinterest ({names})?", default=False)
    todo = plan if approved else [s for s in plan if s.action != "create"]
    steps = apply_sync(client, client.engine, client.account_id, defs, todo, now=app.clock().now(), dry_run=dry_run)
    if as_json:
        app.print_json(
            {
                "dry_run": dry_run,
                "steps": [
                    {"action": s.action, "key": s.key, "name": s.name, "pinterest_board_id": s.pinterest_board_id}
                    for s in steps
                ],
                "not_created": [] if approved else [s.key for s in creates],
            }
        )
    elif not dry_run:
        for step in steps:
            if step.action != "ok":
                verb = "created" if step.action == "create" else "linked"
                click.echo(f"{verb} {step.key} -> {step.pinterest_board_id}")
    if not approved:
        raise PinbotError(
            f"{plural(len(creates), 'board')} not created; run `pinbot boards sync --yes` to create "
            + ("it" if len(creates) == 1 else "them")
        )


def _print_plan(plan: Sequence[SyncStep], as_json: bool) -> None:
    if as_json:
        return
    click.echo("plan:")
    for step in plan:
        target = f" -> {step.pinterest_board_id}" if step.pinterest_board_id else ""
        click.echo(f"  {step.action:<7} {step.key:<24} {step.name}{target}")
    actions = {s.action for s in plan}
    meaning = {"create": "create = a new board on Pinterest", "link": "link = your board of that name"}
    legend = [text for action, text in meaning.items() if action in actions]
    if legend:
        click.echo("(" + "; ".join(legend) + ")")
