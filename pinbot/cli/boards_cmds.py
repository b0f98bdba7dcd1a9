"""`pinbot boards list`: the boards defined in the boards folder (and `sync`, added by the client)."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table
from sqlmodel import select

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.errors import DatabaseError, PinbotError
from pinbot.pinterest.sync import apply_sync, linked_boards, remote_boards
from pinbot.shop.boards import load_boards, plan_sync, scan_boards
from pinbot.store.db import session_scope
from pinbot.store.models import Board


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
        table = Table("key", "name", "privacy", "template", "pinterest id", box=None)
        for b in data:
            table.add_row(
                b["key"],
                b["name"],
                b["privacy"],
                b["default_template"] or "",
                b["pinterest_board_id"] or "(not synced)",
            )
        app.console.print(table)
        for e in errors:
            click.echo(f"pinbot: {e}", err=True)
    if errors:
        raise PinbotError(f"{len(errors)} board file(s) have errors; fix them and run again")


@boards.command("sync")
@click.option("--dry-run", is_flag=True, help="Only print the plan; change nothing on Pinterest or locally.")
@json_option
@pass_app
def sync(app: AppContext, dry_run: bool, as_json: bool) -> None:
    """Create the boards the account lacks, link existing ones by name, store their ids. Never deletes."""
    defs = load_boards(app.settings.boards_dir)
    client = app.client()
    plan = plan_sync(defs.values(), remote_boards(client), linked_boards(client.engine, client.account_id))
    steps = apply_sync(client, client.engine, client.account_id, defs, plan, now=app.clock().now(), dry_run=dry_run)
    verbs = {"create": "would create" if dry_run else "created", "link": "would link" if dry_run else "linked"}
    if as_json:
        app.print_json(
            {
                "dry_run": dry_run,
                "steps": [
                    {"action": s.action, "key": s.key, "name": s.name, "pinterest_board_id": s.pinterest_board_id}
                    for s in steps
                ],
            }
        )
        return
    for step in steps:
        verb = verbs.get(step.action, "up to date")
        target = f" -> {step.pinterest_board_id}" if step.pinterest_board_id else ""
        click.echo(f"{verb:<13} {step.key:<24} {step.name}{target}")
    if not steps:
        click.echo(f"no board files in {app.settings.boards_dir}")
