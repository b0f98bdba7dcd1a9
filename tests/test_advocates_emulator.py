"""Earned reach end to end: the real client over HTTP against the emulator's simulated shop, the
daily job storing earned vs owned, catching a pin that takes off, alerting once through a real
local webhook server, within the analytics budget; and the report's "Who pins your shop"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from pinbot.advocates.job import DemandJobs
from pinbot.advocates.pull import EarnedPull
from pinbot.clock import FakeClock
from pinbot.config import Settings
from pinbot.emulator import Emulator
from pinbot.emulator.earned import EarnedSettings
from pinbot.metrics import budget as mb
from pinbot.pinterest.client import PinterestClient
from pinbot.report import build_report, render_html
from pinbot.store.db import get_or_create_account, session_scope
from pinbot.store.models import ReachDaily, Surge, TopPinDaily
from tests.local_servers import Route, WebServer

APP_ID, APP_SECRET = "5151", "advocates-test-secret"
START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[Emulator]:
    earned = EarnedSettings(others_per_day=2.0, viral_rate=0.15)
    with Emulator(APP_ID, APP_SECRET, clock=clock, seed=9, earned=earned, access_ttl=10**8, refresh_ttl=10**8) as e:
        yield e


def _settings(emu: Emulator, webhook: str = "") -> Settings:
    tokens = emu.mint_tokens()
    return Settings.from_mapping(
        {
            "PINTEREST_API_BASE": emu.base_url,
            "PINTEREST_APP_ID": APP_ID,
            "PINTEREST_APP_SECRET": APP_SECRET,
            "PINTEREST_ACCESS_TOKEN": tokens["access_token"],
            "PINTEREST_REFRESH_TOKEN": tokens["refresh_token"],
            "PINBOT_WORKER_ID": "advocates-test",
            "PINBOT_WEBHOOK_URL": webhook,
        }
    )


def _account(engine: Engine) -> int:
    with session_scope(engine) as session:
        account = get_or_create_account(session, "default")
        assert account.id is not None
        return account.id


def test_daily_job_pulls_earned_reach_catches_surges_and_alerts_once(
    emu: Emulator, engine: Engine, clock: FakeClock
) -> None:
    account_id = _account(engine)
    with WebServer() as web:
        web.routes["/hook"] = Route(200, "ok")
        settings = _settings(emu, web.url + "/hook")
        client = PinterestClient(settings, engine, account_id, clock)
        jobs = DemandJobs(settings, engine, account_id, client, clock)
        days = 24
        for _ in range(days):
            jobs.daily(clock.now())
            jobs.daily(clock.now() + timedelta(hours=1))  # the hourly re-run does nothing new
            clock.advance(days=1)
        alerts = [r.json() for r in web.requests]
    first, last = START.date(), START.date() + timedelta(days=days - 1)
    with session_scope(engine) as session:
        sources = dict(
            session.execute(
                select(ReachDaily.source, func.sum(ReachDaily.saves))  # type: ignore[call-overload]
                .where(ReachDaily.day >= first, ReachDaily.day <= last)
                .group_by(ReachDaily.source)
            ).all()
        )
        earned_rows = session.exec(select(TopPinDaily).where(TopPinDaily.source == "earned")).all()
        surges = session.exec(select(Surge)).all()
    assert sources["earned"] > 0 and "owned" in sources
    assert len({r.pinterest_pin_id for r in earned_rows}) > 20
    truth = emu.true_surges(first + timedelta(days=17), last - timedelta(days=2))
    assert truth, "the seed gives the test at least one pin taking off in the observed days"
    found = {s.pinterest_pin_id: s for s in surges}
    for pin_id, viral in truth.items():
        assert pin_id in found, f"pin {pin_id} took off {viral.onset} and was not caught"
        assert found[pin_id].detected_on <= viral.onset + timedelta(days=2)
    alerted = [s for s in surges if s.alerted_at is not None]
    assert len(alerts) == len(alerted) == len(surges)  # one alert per surge, never repeated
    page = f"https://www.pinterest.com/pin/{truth.popitem()[0]}/"
    assert any(page in a["text"] for a in alerts)
    assert all("pinbot surges act" in a["text"] and APP_SECRET not in json.dumps(a) for a in alerts)
    report = build_report(engine, account_id, "default", first, last, clock.now())
    html = render_html(report)
    assert "Who pins your shop" in html and page in html and 'id="chart-earned"' in html
    assert report.as_dict()["who_pins"]["earned"]["saves"] == sources["earned"]


def test_the_pull_keeps_inside_the_sweeps_analytics_budget(emu: Emulator, engine: Engine, clock: FakeClock) -> None:
    account_id = _account(engine)
    client = PinterestClient(_settings(emu), engine, account_id, clock)
    with session_scope(engine) as session:
        mb.add_spent(session, account_id, clock.now().date(), mb.TRIAL_METRICS_SHARE - 5, clock.now())
    before = emu.stats()["requests"].get("org_analytics", 0)
    result = EarnedPull(engine, account_id, client, clock, "trial").run()
    assert result.calls == 5 and result.stopped and "budget" in result.stopped
    assert emu.stats()["requests"]["org_analytics"] - before == 5
    with session_scope(engine) as session:
        assert mb.spent_today(session, account_id, clock.now().date()) == mb.TRIAL_METRICS_SHARE
    assert EarnedPull(engine, account_id, client, clock, "trial").run().calls == 0
