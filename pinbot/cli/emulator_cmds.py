"""`pinbot emulator serve` (the local Pinterest API v5 emulator until Ctrl-C or SIGTERM) and
`pinbot demo` (the whole product on a sample shop against an in-process emulator; `pinbot.demo.run`
does the work, this module shows its progress and prints where everything is).
"""

from __future__ import annotations

import json
import shlex
import shutil
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import click

import pinbot
from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.cli.review_view import print_experiments, print_review
from pinbot.cli.tables import hanging
from pinbot.demo.result import DemoOptions, DemoResult
from pinbot.demo.run import run_demo
from pinbot.demo.shop import SHOP_NAME
from pinbot.emulator import FAULT_KINDS, Emulator, StateFileError
from pinbot.emulator.earned import EarnedSettings
from pinbot.emulator.limits import CATEGORIES
from pinbot.errors import PinbotError
from pinbot.logs import configure_logging
from pinbot.words import plural

DEFAULT_PORT = 8765


def _pairs(option: str, values: Sequence[str], keys: Sequence[str], cast: type) -> dict[str, float]:
    out: dict[str, float] = {}
    for raw in values:
        key, sep, value = raw.partition("=")
        if not sep or key not in keys:
            raise click.BadParameter(f"expected one of {', '.join(keys)}=VALUE, got {raw!r}", param_hint=option)
        try:
            out[key] = cast(value)
        except ValueError:
            raise click.BadParameter(f"{key}: {value!r} is not a number", param_hint=option) from None
    return out


@click.group("emulator")
def emulator_group() -> None:
    """A local stand-in for the Pinterest API (no Pinterest app or network needed)."""


@emulator_group.command("serve")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True, help="0 = any free port."
)
@click.option(
    "--state", "state_file", type=click.Path(dir_okay=False, path_type=Path), help="Keep state in this JSON file."
)
@click.option(
    "--tier", type=click.Choice(["trial", "standard"]), default="trial", show_default=True, help="Rate-limit preset."
)
@click.option("--app-id", help="App id the emulator accepts (default: PINTEREST_APP_ID, else emulator-app).")
@click.option("--app-secret", help="App secret it accepts (default: PINTEREST_APP_SECRET, else emulator-secret).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the simulated engagement.")
@click.option("--limit", "limits", multiple=True, metavar="CATEGORY=N", help="Override a rate limit, e.g. org_write=5.")
@click.option(
    "--window-seconds",
    type=click.IntRange(1),
    help="Rate-limit window (default: a day on trial, a minute on standard).",
)
@click.option(
    "--chaos", multiple=True, metavar="KIND=P", help="Random fault on POST /pins with probability P (repeatable)."
)
@click.option("--chaos-seed", type=int, default=0, show_default=True)
@click.option(
    "--chaos-latency", type=click.FloatRange(0), default=0.2, show_default=True, help="Seconds of a latency fault."
)
@click.option(
    "--no-multi-pin", is_flag=True, help="Answer the multi-pin analytics beta with 403, like an app without it."
)
@click.option(
    "--others-per-day",
    type=click.FloatRange(0),
    default=0.0,
    show_default=True,
    help="New pins other people make of the shop's website each day (earned reach).",
)
@click.option(
    "--viral-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of pins that take off once, 7 to 60 days after they were made.",
)
@click.option("--website", default="shop.example", show_default=True, help="The claimed website ('' for none).")
@json_option
@pass_app
def serve(
    app: AppContext,
    port: int,
    state_file: Path | None,
    tier: str,
    app_id: str | None,
    app_secret: str | None,
    seed: int,
    limits: tuple[str, ...],
    window_seconds: int | None,
    chaos: tuple[str, ...],
    chaos_seed: int,
    chaos_latency: float,
    no_multi_pin: bool,
    others_per_day: float,
    viral_rate: float,
    website: str,
    as_json: bool,
) -> None:
    """Serve the emulated Pinterest API v5 on 127.0.0.1 until interrupted."""
    settings = app.settings
    chaos_p = _pairs("--chaos", chaos, FAULT_KINDS, float)
    try:
        app_id = app_id or settings.app_id or "emulator-app"
        own_secret = bool(app_secret or settings.app_secret.get())  # a real secret is never printed
        emulator = Emulator(
            app_id=app_id,
            app_secret=app_secret or settings.app_secret.get() or "emulator-secret",
            tier=tier,
            seed=seed,
            state_file=state_file,
            limits={k: int(v) for k, v in _pairs("--limit", limits, CATEGORIES, int).items()},
            window_seconds=window_seconds,
            multi_pin=not no_multi_pin,
            earned=EarnedSettings(others_per_day, viral_rate, website or None),
            port=port,
        )
        if chaos_p:
            emulator.set_chaos(chaos_p, seed=chaos_seed, latency=chaos_latency)
    except StateFileError as exc:
        raise PinbotError(str(exc)) from None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    try:
        base = emulator.start()
    except OSError as exc:
        raise PinbotError(f"emulator: cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    info = {
        "api_base": base,
        "authorize_url": emulator.authorize_url,
        "control_url": emulator.root_url + "/_emulator/",
        "port": emulator.port,
        "tier": tier,
        "state": str(state_file) if state_file else None,
    }
    if as_json:
        click.echo(json.dumps(info, sort_keys=True))
    else:
        click.echo(
            f"Pinterest emulator serving {base} (tier {tier}, seed {seed}, state {info['state'] or 'in memory'})"
        )
        click.echo(f"  point pinbot at it:  PINTEREST_API_BASE={base}")
        secret = "(yours, as set)" if own_secret else "emulator-secret"
        click.echo(f"  and log in with:     PINTEREST_APP_ID={app_id} PINTEREST_APP_SECRET={secret}")
        click.echo("                       (in .env), then `pinbot auth login`")
        click.echo(f"  authorize page:      {emulator.authorize_url}")
        click.echo(f"  control endpoints:   {info['control_url']}state")
        click.echo("Press Ctrl-C to stop.")
    _wait_for_stop()
    emulator.stop()
    app.info("emulator stopped")


def _wait_for_stop() -> None:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- pinbot demo ---------------------------------------------------------------------------------
DEMO_STAGES = {
    "shop": "Sample shop: boards, products, photos",
    "connect": "Emulator, OAuth login, boards sync",
    "plan": "Queue: an experiment and planned pins",
    "render": "Rendering pin images",
    "simulate": "Running the service",
    "report": "Metrics sweep, review, HTML report",
}


def _demo_assets(app: AppContext) -> Path:
    """pinbot's bundled fonts and templates (beside the package in a checkout); the sample shop's brand
    kit and seal come from `pinbot.demo.shop`."""
    bundled = Path(pinbot.__file__).resolve().parent.parent / "assets"
    return bundled if (bundled / "templates").is_dir() else app.settings.assets_dir


def _pinbot_command() -> str:
    """`pinbot` when that is on PATH, else the full path this run was started by (`.venv/bin/pinbot`
    in a fresh clone), so the printed commands work after `cd` into the demo folder."""
    started = Path(sys.argv[0]) if sys.argv and Path(sys.argv[0]).name == "pinbot" else None
    if started is None:
        return "pinbot"
    found = shutil.which("pinbot")
    if found and Path(found).resolve() == started.resolve():
        return "pinbot"
    return shlex.quote(str(started.resolve()))


def _print_demo(app: AppContext, result: DemoResult) -> None:
    console = app.console
    rep = result.report
    took = sum(result.timings.values())
    console.print(
        f"\n[bold]{SHOP_NAME}[/bold]: {result.days} simulated days "
        f"({result.start:%Y-%m-%d} to {result.end:%Y-%m-%d}) in {took:.0f} s"
    )
    said = (
        f"{result.pins_posted} of {plural(result.pins_queued, 'queued pin')} posted "
        f"({plural(result.pins_on_emulator, 'pin')} on the emulated Pinterest, "
        f"{plural(result.duplicates_on_emulator, 'duplicate')}), {result.pins_waiting} queued for the coming days, "
        f"{result.pins_failed} failed; {plural(result.metrics_rows, 'daily metric row')} from "
        f"{plural(len(result.sweeps), 'sweep')}; {plural(result.token_refreshes, 'token refresh')}"
    )
    console.print(hanging("  ", said, console.width), soft_wrap=True)  # wrapped under itself
    if rep is not None:
        console.print()
        print_review(console, rep.review, "Review")
        print_experiments(console, rep.experiments)
    folder = result.folder
    console.print("\n[bold]Where everything is[/bold]")
    for label, where in (
        ("HTML report", result.report_path),
        ("database", result.database.removeprefix("sqlite:///")),
        ("rendered pins", result.renders_dir),
        ("product photos", folder / "photos"),
        ("boards", folder / "boards"),  # a row each: the three paths on one line ran to 146 columns
        ("posting rules", folder / "pinbot.toml"),
        ("brand kit", folder / "assets"),
        ("settings", result.env_file),
    ):
        console.print(f"  {label + ':':<26} {where}", soft_wrap=True)
    console.print("\n[bold]Next[/bold] (the folder's .env points pinbot at the demo shop)")
    since = "" if result.days == 30 else f" --since {result.days}d"
    exe = _pinbot_command()
    for line in (
        f"cd {shlex.quote(str(folder))}",
        f"{exe} queue list --status posted",
        f"{exe} report{since}",
        f"{exe} experiment status",
    ):
        console.print(f"  {line}", soft_wrap=True, highlight=False)
    console.print(f"  and open {result.report_path.as_uri()} in a browser", soft_wrap=True)


@click.command("demo")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("pinbot-demo"),
    show_default=True,
    help="Folder for the demo shop (new, empty, or an earlier demo's, which is replaced).",
)
@click.option("--days", type=click.IntRange(1, 365), default=30, show_default=True, help="Simulated days.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the emulated audience.")
@click.option("--database-url", hidden=True, help="Use this database instead of SQLite in the folder (tests).")
@json_option
@pass_app
def demo_cmd(app: AppContext, folder: Path, days: int, seed: int, database_url: str | None, as_json: bool) -> None:
    """Run pinbot end to end on a sample shop against a local Pinterest emulator (seconds).

    Sets up a craft shop (boards, products, photos, brand kit), logs in through the emulator's
    OAuth page, syncs boards, plans and renders pins, runs the real service over DAYS simulated
    days, pulls the analytics and prints the review; the HTML report lands in the folder.
    """
    options = DemoOptions(folder, _demo_assets(app), days=days, seed=seed, database_url=database_url)
    configure_logging("ERROR")  # the service's chatter would tear the progress display

    def detail(stage: str, done: int, total: int | None) -> str:
        return f"day {done // 24} of {days}" if stage == "simulate" else f"{done}/{total}"

    with app.progress("demo", titles=DEMO_STAGES, detail=detail, keep=True) as bars:
        result = run_demo(options, bars.stage if bars else None)
    if as_json:
        app.print_json(result.as_dict())
    else:
        _print_demo(app, result)
