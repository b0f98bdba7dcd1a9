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
from datetime import datetime
from pathlib import Path
from string import Template
from types import FrameType
from typing import TYPE_CHECKING

import click

from pinbot.cli.context import AppContext, pass_app
from pinbot.cli.tables import hanging
from pinbot.clock import SystemClock
from pinbot.daemon import Daemon
from pinbot.errors import DatabaseError, PinbotError
from pinbot.pinterest.tokens import TokenStore
from pinbot.store import state as service_state
from pinbot.words import clip

if TYPE_CHECKING:
    from pinbot.app import Shop

log = logging.getLogger("pinbot.service")
UNIT_TEMPLATE = Path(__file__).resolve().parent.parent / "data" / "systemd" / "pinbot.service.in"
_LEVEL_PRIORITY = {"DEBUG": 7, "INFO": 6, "WARNING": 4, "ERROR": 3, "CRITICAL": 2}


class JournalFormatter(logging.Formatter):
    """journald adds the time and host: send `<priority>logger: message`, one line per event."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record).replace("\n", " | ")
        return f"<{_LEVEL_PRIORITY.get(record.levelname, 6)}>{text}"


def _journal_logging() -> None:
    for handler in logging.getLogger("pinbot").handlers:
        handler.setFormatter(JournalFormatter("%(name)s: %(message)s"))


class PinsFailed(PinbotError):
    """`run --once` exits non-zero when a pin failed for good in its pass (cron then mails it)."""

    exit_code = 6

    def __init__(self, count: int) -> None:
        pins = "1 pin" if count == 1 else f"{count} pins"
        super().__init__(f"{pins} failed in this pass; see `pinbot queue list --status failed` for why")


def _install_signals(stop: threading.Event, daemon: Daemon) -> None:
    # A handler runs between two bytecodes of whatever the loop is doing (possibly inside logging or
    # a database call), so it only sets flags; the loop logs and stops. A second signal cannot wait
    # for the loop (a request may be in flight), so it leaves at once: a pin caught mid-request stays
    # `posting`, and reconcile settles it.
    def handle(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            os._exit(130)
        daemon.stop_signal = signal.Signals(signum).name
        daemon.stop_requested.set()
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, handle)


# Waits between tries when the database is locked or unreachable as the service starts (a backup,
# a migration, PostgreSQL still booting): about ten minutes in all, then the error is reported.
START_RETRY_DELAYS = (0.5, 1, 2, 4, 8, 15, *([30] * 18))


def _shop_when_ready(app: AppContext, clock: SystemClock, delays: tuple[float, ...] = START_RETRY_DELAYS) -> Shop:
    for delay in (*delays, None):
        try:
            return app.shop(clock)
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
    if not once:
        # The service's log (journald, a log file) says what it does, with the time. `--once`, by
        # hand or from cron, is a one-off command: a line per pin posted (or, with --dry-run, that
        # would be), warnings and errors as plain lines, and quiet when nothing was due but that.
        app.service_logging()
    if os.environ.get("JOURNAL_STREAM"):
        _journal_logging()
    stop = threading.Event()
    shop = _shop_when_ready(app, SystemClock(stop))
    if not dry_run and not _logged_in(app, shop.account_id):
        if once:
            raise NotLoggedIn(NOT_LOGGED_IN)
        _install_wait_signals(stop)
        if not _wait_for_login(app, shop.account_id, stop, shop.rules.service.idle_poll_seconds, max_ticks):
            return
    client = None if dry_run else shop.client()
    if client is not None and (warning := shop.grace_warning()):
        log.warning("%s", warning)
    daemon = shop.daemon(client, dry_run=dry_run)
    _install_signals(stop, daemon)
    mode = " (dry run: nothing is posted)" if dry_run else ""
    log.info("service started for account %s as %s%s", app.settings.account, app.settings.worker_id, mode)
    report = daemon.run(stop, max_ticks=max_ticks, once=once)
    if once:
        _say_when_nothing_was_due(app, shop.account_id, shop.clock.now(), report.posted + report.failed)
    if once and report.failed:
        raise PinsFailed(report.failed)


def _say_when_nothing_was_due(app: AppContext, account_id: int, now: datetime, done: int = 0) -> None:
    """`run --once` with no pin due: one line on when the next one is, instead of silence (after a
    pass that posted, `done`, what comes next)."""
    from sqlmodel import col, select

    from pinbot.clock import as_utc
    from pinbot.store.db import session_scope
    from pinbot.store.models import Pin, PinStatus

    with session_scope(app.engine) as session:
        query = select(Pin).where(Pin.account_id == account_id, Pin.status == PinStatus.queued)
        first = session.exec(query.order_by(col(Pin.due_at)).limit(1)).first()
        if first is not None and as_utc(first.due_at) <= as_utc(now):
            return  # something was due: the pass said what it did with it
        if first is None:
            what = "the queue is empty now" if done else "nothing to post: the queue is empty"
            click.echo(f"{what} (`pinbot queue add` or `pinbot queue import`)")
        else:
            title = clip(first.title, 40)
            what = "" if done else "nothing is due yet: "
            line = f"{what}the next pin, {first.id} ({title}), is due {app.shop_time(first.due_at)}"
            click.echo(hanging("", line, app.prose_width))  # a terminal's 80 columns; one line in a pipe


NOT_LOGGED_IN = "not logged in: run `pinbot auth login`"


class NotLoggedIn(PinbotError):
    exit_code = 6  # the exit code of every Pinterest login problem


def _logged_in(app: AppContext, account_id: int) -> bool:
    """A token is stored (or PINTEREST_ACCESS_TOKEN seeds one)."""
    store = TokenStore(app.engine, account_id, app.clock(), seed_access=app.settings.access_token)
    state = store.load()
    return state is not None and bool(state.access_token)


def _install_wait_signals(stop: threading.Event) -> None:
    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def _wait_for_login(
    app: AppContext, account_id: int, stop: threading.Event, every: float, max_ticks: int | None
) -> bool:
    """The service without a token: one line, then a quiet look every `every` seconds until
    `pinbot auth login` has stored one (True) or the service is stopped (False)."""
    log.warning("%s; the service checks again every %.0f s", NOT_LOGGED_IN, every)
    ticks = 0
    while not stop.is_set():
        ticks += 1
        if max_ticks is not None and ticks >= max_ticks:
            return False
        if stop.wait(every):
            return False
        if _logged_in(app, account_id):
            log.info("logged in: starting the service")
            return True
    return False


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
    if not cleared:
        click.echo("Posting was not stopped; nothing to resume.")
        return
    what = {"paused": "the pause", "spam_block": "the spam block", "posting_hold": "the hold after a login problem"}
    click.echo(f"Posting resumed (cleared {' and '.join(what.get(k, k.replace('_', ' ')) for k in cleared)}).")


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
