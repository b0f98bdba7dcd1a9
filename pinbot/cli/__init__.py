"""The `pinbot` command group: wiring only. Each command group lives in its own module.

Any `PinbotError` becomes one line on stderr and its exit code; an unexpected crash becomes one
line too (set PINBOT_DEBUG=1 for the traceback), so a user never sees a traceback for bad input.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
from typing import Any

import click

from pinbot import __version__
from pinbot.errors import PinbotError
from pinbot.logs import redact

# The commands in the order a shop works, each with the module that defines it and the line `--help`
# shows. A command's module is imported only when that command runs (or shows its own help), so
# `pinbot --help` loads click and nothing else: no database, no Pillow, no HTTP client.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("init_cmd", "init", "Make your shop: name, website, colours, logo, boards, database."),
    "auth": ("auth_cmds", "auth", "Connect the shop's Pinterest account and check its tokens."),
    "boards": ("boards_cmds", "boards", "The shop's boards (boards/*.toml) and their sync with Pinterest."),
    "products": ("products_cmds", "products", "Add products, or import them from Shopify, Etsy or a blog feed."),
    "queue": ("queue_cmds", "queue", "Queue pins, look at them, and see the coming schedule."),
    "render": ("render_cmds", "render", "Preview pin images in a folder before anything is posted."),
    "run": ("service_cmds", "run", "Run the posting service (or one pass with --once)."),
    "pause": ("service_cmds", "pause", "Stop posting; the queue keeps its pins."),
    "resume": ("service_cmds", "resume", "Start posting again (also clears a spam block or a hold)."),
    "service": ("service_cmds", "service", "Install pinbot as a systemd service."),
    "metrics": ("metrics_cmds", "metrics_group", "Pull saves, impressions and clicks from Pinterest."),
    "report": ("metrics_cmds", "report", "What to stop, start, continue and change, from your own numbers."),
    "experiment": ("metrics_cmds", "experiment_group", "Test one design against another on the shop's own pins."),
    "loop": ("loop_cmds", "loop", "Bring products back as fresh pins, all year or in season."),
    "keywords": ("keywords_cmds", "keywords", "What people search for, and words for your pins."),
    "earned": ("demand_cmds", "earned", "Pins other people made of your shop, beside your own."),
    "surges": ("demand_cmds", "surges", "Pins taking off, and putting the product on more boards while they do."),
    "links": ("demand_cmds", "links", "Links of your pins that lead to a missing page or a sold-out product."),
    "notify": ("demand_cmds", "notify", "Alerts by email and webhook: send a test, see the weekly digest."),
    "emulator": ("emulator_cmds", "emulator_group", "The local Pinterest API emulator (for trying pinbot out)."),
    "demo": ("emulator_cmds", "demo_cmd", "The whole product on a sample shop against a local Pinterest."),
    "doctor": ("setup_cmds", "doctor", "Check every setting, the database, the token and the service."),
}


class PinbotGroup(click.Group):
    """Loads each command's module on first use; turns pinbot's errors into one line on stderr."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f"pinbot.cli.{module}"), attr)
        assert isinstance(command, click.Command)
        _full_short_help(command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The table's own lines, so that listing the commands imports none of them.
        with formatter.section("Commands"):
            formatter.write_dl([(name, line) for name, (_, _, line) in COMMANDS.items()])

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
    from pinbot.cli.context import AppContext, load_environment

    ctx.obj = app = AppContext(env=load_environment())
    ctx.call_on_close(app.close)
    _no_collection_at_exit()


def _no_collection_at_exit() -> None:
    """At exit, Python's cycle collector walks every object still alive several times over, the
    modules of SQLAlchemy, sqlmodel and pydantic first of all: up to a fifth of a second a command,
    to free memory the system takes back anyway. Those objects are set aside (`gc.freeze`) when the
    exit begins, after the command has closed its database connections and worker processes.
    Objects freed by their last reference go as before; the exit flushes the standard streams and
    logging's own exit hook the log files; pinbot writes every other file in a `with` block, closed
    before the exit. Once per process: the tests run many commands in one."""
    global _FREEZE_REGISTERED
    if not _FREEZE_REGISTERED:
        atexit.register(gc.freeze)
        _FREEZE_REGISTERED = True


_FREEZE_REGISTERED = False


def _full_short_help(command: click.Command) -> None:
    """Click cuts each description in a subcommand list to fit one line and adds "...". The whole
    first paragraph is the point of the list, so give it in full (the help formatter wraps it)."""
    if command.short_help is None and command.help:
        command.short_help = " ".join(command.help.strip().split("\n\n", 1)[0].split())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _full_short_help(sub)


def all_commands(group: click.Group | None = None, prefix: tuple[str, ...] = ()) -> dict[str, click.Command]:
    """Every command and subcommand by its full name ("queue add"), loading each module (for tests
    and documentation checks)."""
    group = group or main
    ctx = click.Context(group)
    out: dict[str, click.Command] = {}
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd is None:
            continue
        path = (*prefix, name)
        out[" ".join(path)] = cmd
        if isinstance(cmd, click.Group):
            out.update(all_commands(cmd, path))
    return out


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
