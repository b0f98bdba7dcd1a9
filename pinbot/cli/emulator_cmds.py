"""`pinbot emulator serve`: run the local Pinterest API v5 emulator until Ctrl-C or SIGTERM.

(The `pinbot demo` command will live here too.)
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import click

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.emulator import FAULT_KINDS, Emulator, StateFileError
from pinbot.emulator.limits import CATEGORIES
from pinbot.errors import PinbotError

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
    as_json: bool,
) -> None:
    """Serve the emulated Pinterest API v5 on 127.0.0.1 until interrupted."""
    settings = app.settings
    chaos_p = _pairs("--chaos", chaos, FAULT_KINDS, float)
    try:
        emulator = Emulator(
            app_id=app_id or settings.app_id or "emulator-app",
            app_secret=app_secret or settings.app_secret.get() or "emulator-secret",
            tier=tier,
            seed=seed,
            state_file=state_file,
            limits={k: int(v) for k, v in _pairs("--limit", limits, CATEGORIES, int).items()},
            window_seconds=window_seconds,
            multi_pin=not no_multi_pin,
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


def register(main: click.Group) -> None:
    main.add_command(emulator_group)
