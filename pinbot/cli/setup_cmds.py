"""`pinbot doctor` (check every setting, change nothing); `pinbot init` lives in `init_cmd`."""

from __future__ import annotations

import click
from rich.markup import escape

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.cli.init_cmd import init
from pinbot.cli.tables import hanging
from pinbot.clock import utcnow
from pinbot.doctor import FAIL, OK, WARN, check_website, run_checks
from pinbot.errors import PinbotError
from pinbot.notify.email import DEFAULT_PORTS
from pinbot.words import plural

__all__ = ["doctor", "init"]


class DoctorFailed(PinbotError):
    exit_code = 1


@click.command()
@json_option
@pass_app
def doctor(app: AppContext, as_json: bool) -> None:
    """Print every resolved setting (secrets masked) and check each one; changes nothing."""
    settings = app.settings
    # Read-only: no engine (which would create the folder and an empty file) when there is no database.
    engine = None if app.database_missing() else app.raw_engine()
    checks = run_checks(settings, engine, utcnow())
    # Asking Pinterest needs a database, a token and a reachable API host.
    if all(c.status != FAIL for c in checks if c.name in ("database", "token")) and any(
        c.name == "api" and c.status == OK for c in checks
    ):
        checks.append(check_website(settings, lambda: app.client().list_websites()))
    if as_json:
        app.print_json({"settings": settings.describe(), "checks": [c.as_dict() for c in checks]})
    else:
        # Plain lines, not a table that would cut a path short: a value wraps under itself.
        described = settings.describe()
        label = max(len(name) for name in described) + 2
        for name, value in described.items():
            if name == "PINBOT_SMTP_PORT" and value == "0":  # 0 means the usual port, never port 0
                value = f"(not set: {DEFAULT_PORTS[settings.smtp_tls]}, the usual port for {settings.smtp_tls})"
            if name == "PINBOT_LOG_LEVEL" and not settings.log_level:
                value = "(not set: INFO for `pinbot run`, warnings and errors for other commands)"
            elif name == "PINBOT_LOG_LEVEL" and settings.log_level in ("INFO", "DEBUG"):
                # `pinbot init` wrote INFO into .env before one-off commands became quiet by default
                value += " (every command prints timed log lines; empty it for quiet commands)"
            click.echo(hanging(f"{name:{label}}", value, app.prose_width))
        click.echo()
        marks = {OK: "[green]ok  [/]", WARN: "[yellow]warn[/]", FAIL: "[red]FAIL[/]"}
        width = app.prose_width  # a pipe or a log: one line each (a pin's error can be long)
        for check in checks:
            # Wrapped under its text on a terminal; the text is never read as markup.
            said = hanging(f"{'':4} {check.name:9} ", check.detail, width)
            app.console.print(marks[check.status] + escape(said[4:]), soft_wrap=True)
            if check.fix:
                app.console.print(escape(hanging(f"{'':15}fix: ", check.fix, width)), soft_wrap=True)
    failed = [c.name for c in checks if c.status == FAIL]
    if failed:
        raise DoctorFailed(f"doctor: {plural(len(failed), 'check')} failed: {', '.join(failed)}")
