"""`pinbot run | pause | resume | service install` and `pinbot queue plan`: the scheduler's edge.

`run` wires the services (poster, reconcile, token refresh, heartbeat, metrics) into a `Daemon`
and installs the signal handlers: the first SIGTERM/SIGINT finishes the pin in hand and exits 0,
a second one exits at once (a pin caught mid-request stays `posting` and is reconciled later).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from string import Template
from types import FrameType
from typing import Any

import click
from rich.table import Table

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.clock import SystemClock
from pinbot.daemon import Daemon, DaemonSettings
from pinbot.errors import DatabaseError
from pinbot.posting.images import CachedRenderer
from pinbot.posting.poster import Poster
from pinbot.posting.reconcile import Reconciler, ReconcileSettings
from pinbot.queue.upcoming import upcoming
from pinbot.shop.boards import load_boards
from pinbot.store import state as service_state
from pinbot.store.models import Account

log = logging.getLogger("pinbot.service")
UNIT_TEMPLATE = Path(__file__).resolve().parent.parent / "data" / "systemd" / "pinbot.service.in"
# Longest one create_pin can take: the pacer's wait (60 s) + connect (5 s) + read (60 s), plus slack.
SAFE_GRACE_SECONDS = 130
_LEVEL_PRIORITY = {"DEBUG": 7, "INFO": 6, "WARNING": 4, "ERROR": 3, "CRITICAL": 2}


class JournalFormatter(logging.Formatter):
    """journald adds the time and host: send `<priority>logger: message`, one line per event."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record).replace("\n", " | ")
        return f"<{_LEVEL_PRIORITY.get(record.levelname, 6)}>{text}"


def _journal_logging() -> None:
    for handler in logging.getLogger("pinbot").handlers:
        handler.setFormatter(JournalFormatter("%(name)s: %(message)s"))


def _install_signals(stop: threading.Event, daemon: Daemon) -> threading.Thread:
    """SIGTERM, SIGINT and SIGHUP stop the service gracefully; a second one exits at once. The
    handler only sets flags (logging from a signal handler can deadlock on the log lock); a
    small thread writes the log line. Returns that thread, to be joined before exiting."""
    received: list[str] = []

    def handle(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            # Second signal: leave now. A pin mid-request stays `posting`; reconcile settles it.
            os.write(2, f"pinbot: second {name}, exiting at once\n".encode())
            os._exit(130)
        received.append(name)
        daemon.stop_requested.set()
        stop.set()

    def announce() -> None:
        stop.wait()
        if received:
            log.info("%s received: finishing the pin in hand, then stopping (send again to exit at once)", received[0])

    announcer = threading.Thread(target=announce, name="pinbot-signals", daemon=True)
    announcer.start()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, handle)
    return announcer


# Waits between tries when the database is locked or unreachable as the service starts (a backup,
# a migration, PostgreSQL still booting): about ten minutes in all, then the error is reported.
START_RETRY_DELAYS = (0.5, 1, 2, 4, 8, 15, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30)


def _account_when_ready(app: AppContext, delays: tuple[float, ...] = START_RETRY_DELAYS) -> Account:
    for delay in (*delays, None):
        try:
            return app.account()
        except DatabaseError as exc:
            text = str(exc)
            if delay is None or not ("locked" in text or "unreachable" in text):
                raise
            log.warning("database not ready at start (%s); trying again in %.0f s", text, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


@click.command("run")
@click.option("--once", is_flag=True, help="Post what is due now, reconcile, then exit (for cron).")
@click.option("--dry-run", is_flag=True, help="Plan and render, log what would be posted; post nothing.")
@click.option("--max-ticks", type=click.IntRange(min=1), default=None, help="Stop after N ticks.")
@pass_app
def run(app: AppContext, once: bool, dry_run: bool, max_ticks: int | None) -> None:
    """Run the posting service (leave it on; `pinbot service install` makes it a systemd unit)."""
    settings = app.settings
    if os.environ.get("JOURNAL_STREAM"):
        _journal_logging()
    account = _account_when_ready(app)
    assert account.id is not None
    stop = threading.Event()
    clock = SystemClock(stop)
    boards = load_boards(settings.boards_dir)
    rules = app.rules()
    images = CachedRenderer(settings.assets_dir, settings.data_dir / "renders")
    client = None if dry_run else app.client(clock)
    recon = ReconcileSettings(
        grace=timedelta(seconds=rules.service.reconcile_grace_seconds),
        recheck=timedelta(seconds=rules.service.reconcile_recheck_seconds),
        max_requeues=rules.service.reconcile_max_requeues,
        sweep_every=timedelta(seconds=max(rules.service.reconcile_every_seconds, 30 * 60)),
    )
    # A claim older than the lease is never sent: reconcile may already be deciding about it.
    poster = Poster(
        app.engine, account.id, client, clock, boards, images, settings.worker_id, dry_run=dry_run, lease=recon.lease
    )
    reconciler = None
    refresh = metrics = None
    if client is not None:
        reconciler = Reconciler(
            app.engine, account.id, client, clock, recon, boards=boards, delete_duplicates=settings.delete_duplicates
        )
        refresh = getattr(client, "refresh_tokens", None)
        metrics = app.metrics_job(client, clock)
    if client is not None and rules.service.reconcile_grace_seconds < SAFE_GRACE_SECONDS:
        log.warning(
            "service.reconcile_grace_seconds is %d s; below %d s a slow or paced request could be posted twice",
            rules.service.reconcile_grace_seconds,
            SAFE_GRACE_SECONDS,
        )
    daemon = Daemon(
        app.engine,
        account.id,
        clock,
        settings.worker_id,
        poster=poster,
        reconciler=reconciler,
        refresh_token=refresh,
        metrics=metrics,
        heartbeat=not dry_run,
        settings=DaemonSettings(
            idle_poll=rules.service.idle_poll_seconds, reconcile_every=rules.service.reconcile_every_seconds
        ),
    )
    announcer = _install_signals(stop, daemon)
    mode = " (dry run: nothing is posted)" if dry_run else ""
    log.info("service started for account %s as %s%s", settings.account, settings.worker_id, mode)
    daemon.run(stop, max_ticks=max_ticks, once=once)
    stop.set()  # wakes the announcer: it logs the signal, if one came, before we exit
    announcer.join(timeout=1.0)


@click.command("pause")
@pass_app
def pause(app: AppContext) -> None:
    """Stop posting (a running service obeys within a tick; the queue keeps its pins)."""
    account = app.account()
    assert account.id is not None
    service_state.pause(app.engine, account.id, app.clock().now())
    click.echo("Posting paused. `pinbot resume` starts it again.")


@click.command("resume")
@pass_app
def resume(app: AppContext) -> None:
    """Start posting again (also clears a spam block or a hold after a login problem)."""
    account = app.account()
    assert account.id is not None
    cleared = service_state.resume(app.engine, account.id)
    what = ", ".join(k.replace("_", " ") for k in cleared) or "nothing was paused"
    click.echo(f"Posting resumed ({what}).")


@click.group("service")
def service() -> None:
    """Install pinbot as a system service."""


def render_unit(*, user: bool, workdir: Path, python: str, env_file: Path, account: str) -> str:
    return Template(UNIT_TEMPLATE.read_text(encoding="utf-8")).substitute(
        account=account,
        workdir=str(workdir),
        exec_start=f"{python} -m pinbot.cli run",
        env_file=str(env_file),
        wanted_by="default.target" if user else "multi-user.target",
    )


@service.command("install")
@click.option("--user", "user", is_flag=True, help="A user unit (~/.config/systemd/user), no root needed.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the unit here instead of the systemd folder.",
)
@pass_app
def install(app: AppContext, user: bool, output: Path | None) -> None:
    """Write a systemd unit that keeps `pinbot run` going (Restart=on-failure, logs to journald)."""
    workdir = Path.cwd()
    name = "pinbot.service" if app.settings.account == "default" else f"pinbot-{app.settings.account}.service"
    if output is None:
        base = Path.home() / ".config/systemd/user" if user else Path("/etc/systemd/system")
        output = base / name
    text = render_unit(
        user=user, workdir=workdir, python=sys.executable, env_file=workdir / ".env", account=app.settings.account
    )
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = output.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)
    except PermissionError:
        raise click.ClickException(
            f"cannot write {output}: run with sudo, or use --user for a unit of your own"
        ) from None
    ctl = "systemctl --user" if user else "sudo systemctl"
    unit = output.name
    click.echo(f"Wrote {output}")
    click.echo(f"Enable and start it:  {ctl} daemon-reload && {ctl} enable --now {unit}")
    click.echo(f"Follow its logs:      journalctl {'--user ' if user else ''}-u {unit} -f")
    if user:
        click.echo("Keep it running after you log out:  sudo loginctl enable-linger $USER")


@click.command("plan")
@click.option("--days", type=click.IntRange(min=1, max=365), default=14, show_default=True)
@json_option
@pass_app
def plan(app: AppContext, days: int, as_json: bool) -> None:
    """The coming schedule: when each queued pin goes out, and any rule or lint problems."""
    account = app.account()
    assert account.id is not None
    rules = app.rules()
    now = app.clock().now()
    view = upcoming(app.engine, account.id, rules, app.settings.tz, now, timedelta(days=days))
    if as_json:
        app.print_json(view)
        return
    table = Table(title=f"Next {days} days ({app.settings.timezone})")
    for column in ("id", "when", "board", "title", "link"):
        table.add_column(column)
    for item in view["pins"]:
        when = item["local_time"][:16].replace("T", " ") + (" *" if item["explicit_time"] else "")
        table.add_row(str(item["id"]), when, item["board"], item["title"][:50], item["domain"] or "-")
    app.console.print(table)
    app.console.print(
        f"{len(view['pins'])} pins; per day: " + ", ".join(f"{d} {n}" for d, n in view["per_day"].items())
    )
    if view["paused"]:
        app.console.print(f"[yellow]Posting is stopped: {view['paused']}[/yellow]")
    for problem in view["problems"]:
        app.console.print(f"[red]problem[/red] {problem['field']}: {problem['message']}")


def register(main: click.Group) -> None:
    main.add_command(run)
    main.add_command(pause)
    main.add_command(resume)
    main.add_command(service)
    queue_group: Any = main.commands.get("queue")
    if isinstance(queue_group, click.Group):
        queue_group.add_command(plan)
