"""`pinbot init` (create or upgrade the database) and `pinbot doctor` (check every setting)."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.clock import utcnow
from pinbot.doctor import FAIL, OK, WARN, run_checks
from pinbot.errors import PinbotError
from pinbot.store import db


class DoctorFailed(PinbotError):
    exit_code = 1


@click.command()
@pass_app
def init(app: AppContext) -> None:
    """Create the database, or upgrade it to the current schema (safe to run again)."""
    settings = app.settings
    engine = app.raw_engine()
    before, head = db.schema_revisions(engine)
    db.migrate(engine)
    with db.session_scope(engine) as session:
        account = db.get_or_create_account(session, settings.account)
    where = settings.database_url if settings.is_sqlite else "PostgreSQL"
    if before == head:
        click.echo(f"database already at schema {head}: {where}")
    else:
        click.echo(f"database {'upgraded' if before else 'created'} at schema {head}: {where}")
    click.echo(f"account: {account.name}")
    if not settings.boards_dir.is_dir():
        app.info(f"no boards folder at {settings.boards_dir}: add boards/KEY.toml files (see README)")


@click.command()
@json_option
@pass_app
def doctor(app: AppContext, as_json: bool) -> None:
    """Print every resolved setting (secrets masked) and check each one."""
    settings = app.settings
    checks = run_checks(settings, app.raw_engine(), utcnow())
    if as_json:
        app.print_json({"settings": settings.describe(), "checks": [c.as_dict() for c in checks]})
    else:
        table = Table("setting", "value", box=None)
        for name, value in settings.describe().items():
            table.add_row(name, value)
        app.console.print(table)
        click.echo()
        marks = {OK: "[green]ok  [/]", WARN: "[yellow]warn[/]", FAIL: "[red]FAIL[/]"}
        for check in checks:
            # One line each, never wrapped (a pin's error can be long), its text never read as markup.
            app.console.print(f"{marks[check.status]} {check.name:9} {escape(check.detail)}", soft_wrap=True)
            if check.fix:
                app.console.print(f"     {'':9} fix: {escape(check.fix)}", soft_wrap=True)
    failed = [c.name for c in checks if c.status == FAIL]
    if failed:
        raise DoctorFailed(f"doctor: {len(failed)} check(s) failed: {', '.join(failed)}")
