"""The service loop: one `tick(now)` driven by a FakeClock (no sleeping), jobs, pause, heartbeat,
stop between pins, bounded run modes; and the `run | pause | resume | service install | queue plan`
commands."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pinbot.clock import FakeClock
from pinbot.daemon import Daemon, DaemonSettings, read_heartbeat
from pinbot.metrics.sweep import SweepResult
from pinbot.posting.reconcile import Reconciler
from pinbot.store import state as service_state
from pinbot.store.models import PinStatus
from tests.conftest import Cli
from tests.scheduler_support import Shop, make_shop


@pytest.fixture
def shop(engine: Engine, clock: FakeClock, tmp_path: Path) -> Shop:
    return make_shop(engine, clock, tmp_path)


def _daemon(shop: Shop, **kw: object) -> Daemon:
    recon = Reconciler(shop.engine, shop.account_id, shop.api, shop.clock, boards=shop.boards)
    return Daemon(shop.engine, shop.account_id, shop.clock, "w1", poster=shop.poster(), reconciler=recon, **kw)  # type: ignore[arg-type]


def test_tick_posts_one_pin_at_a_time_and_says_when_to_come_back(shop: Shop) -> None:
    ids = shop.add(3)
    d = _daemon(shop)
    assert d.tick(shop.clock.now()) == 0  # more are due: tick again at once
    assert [shop.pin(i).status for i in ids].count(PinStatus.posted) == 1
    d.tick(shop.clock.now())
    d.tick(shop.clock.now())
    idle = d.tick(shop.clock.now())
    assert all(shop.pin(i).status == PinStatus.posted for i in ids)
    assert idle == DaemonSettings().idle_poll


def test_idle_until_the_next_due_pin(shop: Shop) -> None:
    shop.add(1, at=shop.clock.now() + timedelta(seconds=12))
    d = _daemon(shop)
    assert d.tick(shop.clock.now()) == pytest.approx(12)


def test_nothing_due_tick_writes_the_heartbeat(shop: Shop) -> None:
    d = _daemon(shop)
    assert read_heartbeat(shop.engine, shop.account_id) is None
    d.tick(shop.clock.now())
    assert read_heartbeat(shop.engine, shop.account_id) == shop.clock.now()
    assert service_state.read_heartbeat_detail(shop.engine, shop.account_id) == (shop.clock.now(), "w1")


def test_run_with_a_fake_clock_never_really_sleeps(shop: Shop) -> None:
    shop.add(2)
    shop.add(1, prefix="later", at=shop.clock.now() + timedelta(minutes=10))
    d = _daemon(shop)
    report = d.run(max_ticks=40)
    assert (report.ticks, report.posted, report.failed) == (40, 3, 0)
    assert shop.api.create_calls == 3
    assert sum(shop.clock.slept) >= 600  # it waited (on the fake clock) for the later pin


def test_429_makes_the_whole_loop_wait_retry_after(shop: Shop) -> None:
    shop.add(2)
    shop.api.inject("rate")
    d = _daemon(shop)
    assert d.tick(shop.clock.now()) == 60  # reconcile still runs meanwhile
    post = next(j for j in d.jobs if j.name == "post")
    assert post.next_run is not None and shop.api.create_calls == 1
    assert 120 <= (post.next_run - shop.clock.now()).total_seconds() <= 132
    d.tick(shop.clock.now() + timedelta(seconds=60))
    assert shop.api.create_calls == 1


def test_pause_is_obeyed_and_resume_goes_on(shop: Shop) -> None:
    (pid,) = shop.add(1)
    service_state.pause(shop.engine, shop.account_id, shop.clock.now())
    d = _daemon(shop)
    assert d.tick(shop.clock.now()) > 0 and shop.pin(pid).status == PinStatus.queued
    service_state.resume(shop.engine, shop.account_id)
    d.tick(shop.clock.now() + timedelta(seconds=31))
    assert shop.pin(pid).status == PinStatus.posted


def test_a_failing_job_backs_off_and_the_loop_goes_on(shop: Shop) -> None:
    shop.add(1)
    d = _daemon(shop)
    calls: list[int] = []

    def broken(now: object) -> None:
        calls.append(1)
        raise RuntimeError("boom")

    d.schedule("broken", 10, broken)
    d.tick(shop.clock.now())
    assert calls == [1] and shop.api.create_calls == 1
    d.tick(shop.clock.now() + timedelta(seconds=9))
    assert calls == [1]  # backed off (>= 10 s), not hammered
    with pytest.raises(ValueError, match="already scheduled"):
        d.schedule("broken", 1, broken)


def test_a_known_problem_is_one_line_without_a_traceback(shop: Shop) -> None:
    import logging

    from pinbot.pinterest.errors import Unauthorized

    d = _daemon(shop)

    def rejected(now: object) -> None:
        raise Unauthorized("GET /user_account: Pinterest rejected the access token; run `pinbot auth login`")

    def crashed(now: object) -> None:
        raise RuntimeError("boom")

    d.schedule("rejected", 10, rejected)
    d.schedule("crashed", 10, crashed)
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append  # type: ignore[method-assign]
    logger = logging.getLogger("pinbot.daemon")
    logger.addHandler(handler)
    try:
        d.tick(shop.clock.now())
    finally:
        logger.removeHandler(handler)
    records = {r.getMessage().split(" failed")[0]: r for r in seen if " failed (" in r.getMessage()}
    rejected_line = records["job rejected"]
    assert rejected_line.exc_info is None and "run `pinbot auth login`" in rejected_line.getMessage()
    assert records["job crashed"].levelname == "ERROR"  # logged with log.exception (a traceback for the journal)


def test_stop_request_finishes_the_pin_in_hand_then_starts_no_other(shop: Shop) -> None:
    shop.add(3)
    d = _daemon(shop)
    original = shop.api.create_pin

    def create_and_stop(pin):  # type: ignore[no-untyped-def]
        d.stop_requested.set()  # the signal arrives while this request is out
        return original(pin)

    shop.api.create_pin = create_and_stop  # type: ignore[method-assign]
    assert d.run(max_ticks=10).posted == 1
    assert shop.api.create_calls == 1 and len(shop.api.pins) == 1


def test_once_posts_everything_due_then_returns(shop: Shop) -> None:
    shop.add(3)
    shop.add(1, prefix="later", at=shop.clock.now() + timedelta(hours=1))
    d = _daemon(shop)
    d.run(once=True)
    assert shop.api.create_calls == 3 and shop.clock.slept == []


def test_reconcile_job_settles_an_ambiguous_pin(shop: Shop) -> None:
    (pid,) = shop.add(1)
    shop.api.inject("maybe_after_create")
    d = _daemon(shop)
    d.run(max_ticks=30)
    assert shop.pin(pid).status == PinStatus.posted and len(shop.api.pins) == 1


def test_refresh_and_metrics_hooks_run_on_their_cadence(shop: Shop) -> None:
    refreshed: list[int] = []
    swept: list[int] = []

    def sweep() -> SweepResult:
        swept.append(1)
        return SweepResult(next_sweep_at=None)  # no wish: the job's own cadence (a day)

    d = Daemon(
        shop.engine,
        shop.account_id,
        shop.clock,
        "w",
        refresh_token=lambda: refreshed.append(1),
        metrics=sweep,
    )
    d.tick(shop.clock.now())
    d.tick(shop.clock.now() + timedelta(minutes=11))
    d.tick(shop.clock.now() + timedelta(hours=25))
    assert (len(refreshed), len(swept)) == (3, 2)


def test_metrics_retry_comes_when_the_sweep_asked_for_it(shop: Shop) -> None:
    """After a network failure the sweep asks to run again within the hour: the daemon must not
    wait its daily cadence (it once threw `next_sweep_at` away and came back 24 h later)."""
    start = shop.clock.now()
    wants = [start + timedelta(hours=1), start + timedelta(days=1, hours=1)]
    runs: list[object] = []

    def sweep() -> SweepResult:
        runs.append(shop.clock.now())
        return SweepResult(next_sweep_at=wants[len(runs) - 1], stopped="network down" if len(runs) == 1 else None)

    d = Daemon(shop.engine, shop.account_id, shop.clock, "w", metrics=sweep, heartbeat=False)
    d.tick(start)
    assert d.tick(start + timedelta(minutes=59)) == pytest.approx(60)  # idles exactly to the retry
    shop.clock.advance(hours=1)
    d.tick(shop.clock.now())
    assert runs == [start, start + timedelta(hours=1)]
    assert d.tick(shop.clock.now() + timedelta(hours=23)) == pytest.approx(3600)  # then the time it asked for


# -- the commands ---------------------------------------------------------------------------
def test_pause_resume_commands(initialised_cli: Cli) -> None:
    assert "paused" in initialised_cli.ok("pause").output
    assert "Posting resumed (cleared the pause)." in initialised_cli.ok("resume").output
    assert "Posting was not stopped; nothing to resume." in initialised_cli.ok("resume").output


def test_service_install_writes_a_systemd_unit(initialised_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "units" / "pinbot.service"
    result = initialised_cli.ok("service", "install", "--user", "--output", str(out))
    unit = out.read_text()
    assert "Restart=on-failure" in unit and "EnvironmentFile=-" in unit and "-m pinbot.cli run" in unit
    assert "WantedBy=default.target" in unit and "KillSignal=SIGTERM" in unit
    assert "systemctl --user daemon-reload" in result.output


def test_queue_plan_json_shows_the_schedule(initialised_cli: Cli, shop_dir: Path) -> None:
    (shop_dir / "pinbot.toml").write_text('[schedule]\nwindows = ["10:00-12:00"]\njitter_minutes = 0\n')
    photo = shop_dir / "p.jpg"
    from tests.helpers import make_photo

    make_photo(photo)
    initialised_cli.ok(
        "queue",
        "add",
        "--boards",
        "ceramics,handmade-jewelry",
        "--title",
        "Mug",
        "--link",
        "https://shop.example/mug",
        "--image",
        str(photo),
        PINBOT_TIMEZONE="Europe/Paris",
    )
    view = json.loads(
        initialised_cli.ok("queue", "plan", "--days", "30", "--json", PINBOT_TIMEZONE="Europe/Paris").output
    )
    assert view["timezone"] == "Europe/Paris" and len(view["pins"]) == 2
    first, second = view["pins"]
    assert first["local_time"][11:16] >= "10:00" and first["local_time"][11:16] < "12:00"
    assert first["board"] == "ceramics" and second["board"] == "handmade-jewelry"
    assert view["problems"] == [] and view["rules"]["windows"] == ["10:00-12:00"]
    text = initialised_cli.ok("queue", "plan", PINBOT_TIMEZONE="Europe/Paris").output
    assert "Mug" in text


def test_bad_rules_file_is_one_clear_line(initialised_cli: Cli, shop_dir: Path) -> None:
    (shop_dir / "pinbot.toml").write_text("[schedule]\ndaily_cap = 500\n")
    result = initialised_cli("queue", "plan")
    assert result.exit_code == 2
    assert result.output.strip() == "pinbot: pinbot.toml: schedule.daily_cap: must be between 1 and 100, got 500"


def test_run_once_with_nothing_due_says_when_the_next_pin_is(initialised_cli: Cli, shop_dir: Path) -> None:
    """`run --once --dry-run` on a new shop whose first pin is due this evening printed nothing on
    stdout (only two log lines); the owner is told there is nothing due yet and when there will be."""
    from tests.helpers import make_photo

    empty = initialised_cli.ok("run", "--dry-run", "--once")
    assert "the queue is empty" in empty.stdout
    photo = make_photo(shop_dir / "p.jpg")
    pin = initialised_cli.ok(
        "queue", "add", "--board", "ceramics", "--title", "Speckled stoneware mug", "--image", str(photo),
        "--link", "https://shop.example.com/mug", "--at", "2031-07-01T20:15", PINBOT_TIMEZONE="Europe/London",
    ).stdout.strip()  # fmt: skip
    later = initialised_cli.ok("run", "--dry-run", "--once", PINBOT_TIMEZONE="Europe/London").stdout
    assert f"nothing is due yet: the next pin, {pin} (Speckled stoneware mug), is due 2031-07-01 20:15 BST" in later
    initialised_cli.ok(
        "queue", "add", "--board", "ceramics", "--title", "Mug", "--image", str(make_photo(shop_dir / "q.jpg")),
        "--at", "2020-01-01T00:00:00Z",
    )  # fmt: skip
    assert "nothing is due" not in initialised_cli.ok("run", "--dry-run", "--once").stdout  # one was due


def test_run_dry_run_once_posts_nothing(initialised_cli: Cli, shop_dir: Path) -> None:
    photo = shop_dir / "p.jpg"
    from tests.helpers import make_photo

    make_photo(photo)
    initialised_cli.ok(
        "queue", "add", "--board", "ceramics", "--title", "Mug", "--image", str(photo), "--at", "2020-01-01T00:00:00Z"
    )
    result = initialised_cli.ok("run", "--dry-run", "--once")
    listed = json.loads(initialised_cli.ok("queue", "list", "--json").output)
    assert [p["status"] for p in listed] == ["queued"] and result.exit_code == 0
