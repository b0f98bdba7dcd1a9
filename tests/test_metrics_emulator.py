"""The metrics sweep with the real PinterestClient against the emulator, over simulated weeks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from pinbot.clock import Clock, FakeClock, SystemClock
from pinbot.config import Settings
from pinbot.emulator import Emulator
from pinbot.links import marker_for, tagged_link
from pinbot.metrics.sweep import MetricsService
from pinbot.pinterest.client import PinterestClient
from pinbot.pinterest.types import NewPin, PinImage
from pinbot.review.aggregate import build_review
from pinbot.store.db import get_or_create_account, make_engine, session_scope
from pinbot.store.models import Board, Pin, PinMetricDaily, PinStatus
from tests.conftest import Cli, emulator_env

APP_ID, APP_SECRET = "4242", "metrics-test-secret"
CANDIDATES = ("photo-band", "split-block", "text-forward", "collage", "photo-overlay", "d6", "d7", "d8")


@pytest.fixture(params=[True, False], ids=["multi-pin", "single-pin"])
def emu(request: pytest.FixtureRequest, clock: FakeClock) -> Iterator[Emulator]:
    with Emulator(APP_ID, APP_SECRET, tier="standard", clock=clock, seed=11, multi_pin=request.param) as e:
        yield e


def _client(emu: Emulator, engine: Engine, clock: Clock) -> tuple[PinterestClient, int]:
    tokens = emu.mint_tokens()
    settings = Settings.from_mapping(
        {
            "PINTEREST_API_BASE": emu.base_url,
            "PINTEREST_APP_ID": APP_ID,
            "PINTEREST_APP_SECRET": APP_SECRET,
            "PINTEREST_ACCESS_TOKEN": tokens["access_token"],
            "PINTEREST_REFRESH_TOKEN": tokens["refresh_token"],
            "PINTEREST_ACCESS_TIER": "standard",
            "PINBOT_WORKER_ID": "metrics-emulator-test",
        }
    )
    with session_scope(engine) as session:
        account = get_or_create_account(session, "default")
        assert account.id is not None
        account_id = account.id
    return PinterestClient(settings, engine, account_id, clock), account_id


def test_sweeps_against_the_emulator_find_the_more_appealing_design(
    emu: Emulator, engine: Engine, clock: FakeClock
) -> None:
    client, account_id = _client(emu, engine, clock)
    ranked = sorted(CANDIDATES, key=emu.true_appeal)
    weak, strong = ranked[0], ranked[-1]
    assert emu.true_appeal(strong) > 2 * emu.true_appeal(weak)
    remote_board = client.create_board("Handmade Jewelry")
    with session_scope(engine) as session:
        board = Board(account_id=account_id, key="jewelry", name="Jewelry", pinterest_board_id=remote_board["id"])
        session.add(board)
        session.flush()
        board_id = board.id
    assert board_id is not None
    for i in range(16):
        design = (weak, strong)[i % 2]
        pin = Pin(account_id=account_id, board_id=board_id, title=f"Ring {i}", due_at=clock.now(), variant_key=design)
        link = tagged_link(f"https://shop.example/p/{i}", marker=marker_for(pin.uid), campaign="jewelry", design=design)
        created = client.create_pin(
            NewPin(remote_board["id"], pin.title, "", link, "a ring", PinImage(url="https://shop.example/i.jpg"))
        )
        pin.link, pin.status, pin.pinterest_pin_id, pin.posted_at = link, PinStatus.posted, created["id"], clock.now()
        with session_scope(engine) as session:
            session.add(pin)
        clock.advance(hours=3)

    results = []
    for _day in range(21):
        clock.advance(days=1)
        results.append(MetricsService(engine, account_id, client, clock, tier="standard").sweep())
    assert all(r.stopped is None for r in results), [r.stopped for r in results]
    assert results[0].pins_fetched == 16 and results[0].multi_pin == emu.analytics.multi_pin
    # A second sweep on the same day asks nothing.
    assert MetricsService(engine, account_id, client, clock, tier="standard").sweep().calls_used == 0

    with session_scope(engine) as session:
        rows = session.exec(select(func.count(), func.sum(PinMetricDaily.impressions))).one()
        statuses = set(session.exec(select(PinMetricDaily.data_status).distinct()).all())
    assert rows[0] >= 16 * 18 and rows[1] > 0
    assert "READY" in statuses
    today = clock.now().date()
    review = build_review(engine, account_id, today - timedelta(days=30), today)
    designs = {g.key: g.totals.outbound_rate.value for g in review.groups["design"]}
    assert designs[strong] > designs[weak]


def test_metrics_pull_cli_against_the_emulator(initialised_cli: Cli, cli_env: dict[str, str]) -> None:
    with Emulator(APP_ID, APP_SECRET, tier="standard", seed=3) as emu:
        env = emulator_env(emu, APP_ID, APP_SECRET, tier="standard")
        engine = make_engine(cli_env["PINBOT_DATABASE_URL"])
        client, account_id = _client(emu, engine, SystemClock())
        remote_board = client.create_board("Jewelry")
        image = PinImage(url="https://shop.example/i.jpg")
        remote_ids = [
            client.create_pin(NewPin(remote_board["id"], f"Ring {i}", "", "https://shop.example/r", "", image))["id"]
            for i in range(3)
        ]
        posted = datetime.now(UTC) - timedelta(days=6)
        with session_scope(engine) as session:
            board = Board(account_id=account_id, key="jewelry", name="Jewelry", pinterest_board_id=remote_board["id"])
            session.add(board)
            session.flush()
            assert board.id is not None
            for i, remote_id in enumerate(remote_ids):
                session.add(
                    Pin(account_id=account_id, board_id=board.id, title=f"Ring {i}", due_at=posted,
                        status=PinStatus.posted, pinterest_pin_id=remote_id, posted_at=posted)
                )  # fmt: skip
        engine.dispose()
        data = json.loads(initialised_cli.ok("metrics", "pull", "--json", **env).output)
        assert data["pins_fetched"] == 3 and data["stopped"] is None and data["rows_upserted"] >= 3 * 5
        again = initialised_cli.ok("metrics", "pull", **env).output
        # a second pull the same day: said in words, with when the next fetch can bring more
        assert again.startswith("metrics: nothing new to fetch: every posted pin's numbers are up to date")
        assert "0 of 0" not in again and "next fetch from " in again
        bad = initialised_cli("metrics", "pull", "--since", "last week", **env)
        assert bad.exit_code == 2 and "--since: expected a date" in bad.output
