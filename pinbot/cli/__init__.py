"""The `pinbot` command group: wiring only. Each command group lives in its own module.

Any `PinbotError` becomes one line on stderr and its exit code; an unexpected crash becomes one
line too (set PINBOT_DEBUG=1 for the traceback), so a user never sees a traceback for bad input.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from pinbot import __version__
from pinbot.cli.context import AppContext, load_environment
from pinbot.errors import PinbotError
from pinbot.logs import redact

# Every module here exposes `register(main)`. Kept explicit so `--help` lists a stable set.
COMMAND_MODULES = (
    "pinbot.cli.setup_cmds",  # init, doctor
    "pinbot.cli.queue_cmds",  # queue add|import|list|show|cancel|retry
    "pinbot.cli.products_cmds",  # products add|import|import-feed|list|show|stock
    "pinbot.cli.boards_cmds",  # boards list|sync
    "pinbot.cli.auth_cmds",  # auth login|status|refresh
    "pinbot.cli.render_cmds",  # render
    "pinbot.cli.service_cmds",  # run, pause, resume, service install, queue plan
    "pinbot.cli.metrics_cmds",  # metrics pull, report, experiment
    "pinbot.cli.emulator_cmds",  # emulator serve, demo
)


# `pinbot --help` lists commands in the order a shop uses them; any other command follows, A-Z.
WORKFLOW_ORDER = (
    "init",
    "auth",
    "boards",
    "products",
    "queue",
    "render",
    "run",
    "pause",
    "resume",
    "service",
    "metrics",
    "report",
    "experiment",
    "emulator",
    "demo",
    "doctor",
)


class PinbotGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        known = [name for name in WORKFLOW_ORDER if name in self.commands]
        return known + sorted(set(self.commands) - set(known))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PinbotError as exc:
            click.echo(f"pinbot: {redact(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("pinbot: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:
            if os.environ.get("PINBOT_DEBUG"):
                raise
            click.echo(
                f"pinbot: unexpected error: {type(exc).__name__}: {redact(str(exc))} (set PINBOT_DEBUG=1 for details)",
                err=True,
            )
            ctx.exit(70)


@click.group(cls=PinbotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pinbot")
@click.pass_context
def main(ctx: click.Context) -> None:
    """pinbot: render, schedule, post and review Pinterest pins for a small shop."""
    ctx.obj = AppContext(env=load_environment())


def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(main)
    _full_short_help(main)


def _full_short_help(command: click.Command) -> None:
    """Click cuts each description in a command list to fit one line and adds "...". The whole
    first paragraph is the point of the list, so give it in full (the help formatter wraps it)."""
    if command.short_help is None and command.help:
        command.short_help = " ".join(command.help.strip().split("\n\n", 1)[0].split())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _full_short_help(sub)


_register_all()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
