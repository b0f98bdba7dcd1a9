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
    "pinbot.cli.demand_cmds",  # earned pull|show, surges list|act, links check, notify test|digest
)


class PinbotGroup(click.Group):
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


_register_all()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
