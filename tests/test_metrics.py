"""The metrics sweep against a fake PinterestAPI: what it fetches, how often, within which budget,
and that what it stores is idempotent, never degraded, and kept beyond Pinterest's 90 days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from pinbot.clock import FakeClock
from pinbot.metrics import budget as mb
from pinbot.metrics.sweep import MetricsService, upsert_pin_days
from pinbot.pinterest.types import DailyMetrics
from pinbot.store.db import session_scope
from pinbot.store.models import AccountMetricDaily, Pin, PinMetricDaily
from tests.metrics_fakes import FakeAPI, add_board, add_posted_pin, make_account

NOW = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def shop(engine: Engine) -> tuple[int, int]:
    account_id = make_account(engine)
    return account_id, add_board(engine, account_id, "jewelry")


def _pins(engine: Engine, shop: tuple[int, int], ages_days: list[int]) -> list[int]:
    account_id, board_id = shop
    return [
        add_posted_pin(engine, account_id, board_id, NOW - timedelta(days=age), str(1000 + i))
        for i, age in enumerate(ages_days)
    ]


def _rows(engine: Engine, pin_id: int | None = None) -> list[PinMetricDaily]:
    with session_scope(engine) as session:
        query = select(PinMetricDaily).order_by(PinMetricDaily.pin_id, PinMetricDaily.day)  # type: ignore[arg-type]
        if pin_id is not None:
            query = query.where(PinMetricDaily.pin_id == pin_id)
        return list(session.exec(query).all())


def test_first_sweep_stores_one_row_per_pin_per_day_and_a_second_sweep_that_day_calls_nothing(
    engine: Engine, shop: tuple[int, int]
) -> None:
    clock = FakeClock(NOW)
    pin_ids = _pins(engine, shop, [5, 30])
    api = FakeAPI(clock, multi=False)
    progress: list[tuple[int, int]] = []
    result = MetricsService(engine, shop[0], api, clock, progress=lambda d, t: progress.append((d, t))).sweep()

    assert result.pins_due == 2 and result.pins_fetched == 2 and result.stopped is None
    assert result.calls_used == 3  # two pins, one account snapshot
    assert progress == [(1, 2), (2, 2)]
    # Windows run from the posting day to yesterday, never into today.
    assert sorted((c[2], c[3]) for c in api.pin_calls()) == [
        (TODAY - timedelta(days=30), TODAY - timedelta(days=1)),
        (TODAY - timedelta(days=5), TODAY - timedelta(days=1)),
    ]
    rows = _rows(engine, pin_ids[0])
    assert [r.day for r in rows] == [TODAY - timedelta(days=d) for d in range(5, 0, -1)]
    assert rows[0].data_status == "READY" and rows[-1].data_status == "ESTIMATE"
    assert rows[0].impressions == 100 + 0 + rows[0].day.day  # what the API said, field by field
    assert len(_rows(engine)) == 35 == result.rows_upserted

    again = MetricsService(engine, shop[0], api, clock).sweep()
    assert again.calls_used == 0 and again.pins_due == 0
    assert len(api.calls) == 3
    assert len(_rows(engine)) == 35


def test_multi_pin_endpoint_takes_100_pins_a_call(engine: Engine, shop: tuple[int, int]) -> None:
    clock = FakeClock(NOW)
    _pins(engine, shop, [3] * 250)
    api = FakeAPI(clock, multi=True)
    result = MetricsService(engine, shop[0], api, clock).sweep()
    calls = api.pin_calls()
    assert [len(c[1]) for c in calls] == [100, 100, 50]
    assert result.multi_pin and result.pins_fetched == 250 and result.calls_used == 4
    assert len(_rows(engine)) == 250 * 3


def test_without_the_multi_pin_beta_it_falls_back_and_remembers(engine: Engine, shop: tuple[int, int]) -> None:
    clock = FakeClock(NOW)
    _pins(engine, shop, [3, 4, 5])
    api = FakeAPI(clock, multi=False)
    result = MetricsService(engine, shop[0], api, clock).sweep()
    assert not result.multi_pin and result.pins_fetched == 3
    assert [c[0] for c in api.pin_calls()] == ["pin", "pin", "pin"]

    clock.advance(days=1)

    class Spy(FakeAPI):
        multi_tries = 0

        def multi_pin_analytics(self, pin_ids, start, end):  # type: ignore[no-untyped-def]
            Spy.multi_tries += 1
            return super().multi_pin_analytics(pin_ids, start, end)

    spy = Spy(clock, multi=False)
    MetricsService(engine, shop[0], spy, clock).sweep()
    assert Spy.multi_tries == 0  # not asked again for a week
    assert len(spy.pin_calls()) == 3


def test_cadence_fresh_daily_middle_every_three_days_old_weekly(engine: Engine, shop: tuple[int, int]) -> None:
    clock = FakeClock(NOW)
    fresh, middle, old = _pins(engine, shop, [3, 30, 80])
    fetched_on: dict[int, list[date]] = {fresh: [], middle: [], old: []}
    remote = {"1000": fresh, "1001": middle, "1002": old}
    for _ in range(8):
        api = FakeAPI(clock, multi=False)
        MetricsService(engine, shop[0], api, clock).sweep()
        for call in api.pin_calls():
            fetched_on[remote[call[1][0]]].append(clock.now().date())
        clock.advance(days=1)
    days = [TODAY + timedelta(days=i) for i in range(8)]
    assert fetched_on[fresh] == days
    assert fetched_on[middle] == [days[0], days[3], days[6]]
    assert fetched_on[old] == [days[0], days[7]]


def test_ready_rows_are_never_replaced_by_provisional_ones_and_provisional_days_are_refetched(
    engine: Engine, shop: tuple[int, int]
) -> None:
    clock = FakeClock(NOW)
    (pin_id,) = _pins(engine, shop, [40])
    day = TODAY - timedelta(days=10)
    now = clock.now()
    with session_scope(engine) as session:
        upsert_pin_days(session, pin_id, [DailyMetrics(day, "READY", 500, 5, 9, 4)], now)
        upsert_pin_days(session, pin_id, [DailyMetrics(day, "ESTIMATE", 1, 1, 1, 1)], now)  # ignored
        upsert_pin_days(session, pin_id, [DailyMetrics(day, "READY", 510, 6, 9, 4)], now)  # a correction wins
        upsert_pin_days(session, pin_id, [DailyMetrics(day - timedelta(days=1), "PROCESSING", 7, 0, 0, 0)], now)
    rows = {r.day: r for r in _rows(engine, pin_id)}
    assert (rows[day].impressions, rows[day].data_status) == (510, "READY")
    assert rows[day - timedelta(days=1)].data_status == "PROCESSING"

    # The pin was fetched recently (cadence says not today) but it has a day that should have settled.
    with session_scope(engine) as session:
        pin = session.get(Pin, pin_id)
        assert pin is not None
        pin.metrics_fetched_at = now - timedelta(days=1)
        session.add(pin)
    api = FakeAPI(clock, multi=False)
    MetricsService(engine, shop[0], api, clock).sweep()
    (call,) = api.pin_calls()
    assert call[2] == day - timedelta(days=1)  # the window starts at the unsettled day
    rows = {r.day: r for r in _rows(engine, pin_id)}
    assert rows[day - timedelta(days=1)].data_status == "READY"
    assert rows[day].impressions == 100 + 0 + day.day  # READY data from Pinterest replaces READY data


def test_history_beyond_90_days_is_kept_and_windows_respect_the_lookback(engine: Engine, shop: tuple[int, int]) -> None:
    clock = FakeClock(NOW)
    (pin_id,) = _pins(engine, shop, [200])
    old_day = TODAY - timedelta(days=180)
    with session_scope(engine) as session:
        upsert_pin_days(session, pin_id, [DailyMetrics(old_day, "READY", 42, 1, 2, 3)], clock.now())
    api = FakeAPI(clock, multi=False)  # check_window raises if a window starts > 90 days back
    result = MetricsService(engine, shop[0], api, clock).sweep()
    assert result.pins_fetched == 1
    (call,) = api.pin_calls()
    assert call[2] == TODAY - timedelta(days=mb.LOOKBACK_DAYS)
    rows = _rows(engine, pin_id)
    assert rows[0].day == old_day and rows[0].impressions == 42
    assert len(rows) == 1 + mb.LOOKBACK_DAYS


def test_trial_budget_numbers() -> None:
    # 1,000 calls a day for everything on trial: the sweep takes 700 and leaves 200 to posting and reads.
    assert (mb.TRIAL_DAILY_TOTAL, mb.TRIAL_METRICS_SHARE, mb.TRIAL_RESERVE) == (1000, 700, 200)


def test_trial_budget_stops_the_sweep_and_the_rest_waits_for_tomorrow(
    engine: Engine, shop: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mb, "TRIAL_METRICS_SHARE", 40)  # the real 700 behaves the same, only slower to test
    clock = FakeClock(NOW)
    _pins(engine, shop, [2] * 60)
    api = FakeAPI(clock, multi=False)
    result = MetricsService(engine, shop[0], api, clock, tier="trial").sweep()
    assert result.calls_used == 40  # 1 account snapshot + 39 pins
    assert result.pins_fetched == 39 and result.pins_left == 21
    assert result.budget_left == 0
    assert result.next_sweep_at == datetime(2026, 3, 2, tzinfo=UTC)
    assert result.stopped and "budget is spent" in result.stopped
    assert "next sweep at 2026-03-02 00:00 UTC" in result.message()

    # A second pull the same day spends nothing more.
    assert MetricsService(engine, shop[0], FakeAPI(clock, multi=False), clock).sweep().calls_used == 0

    clock.advance(days=1)
    api2 = FakeAPI(clock, multi=False)
    tomorrow = MetricsService(engine, shop[0], api2, clock).sweep()
    first = [c[1][0] for c in api2.pin_calls()][:21]
    already = {c[1][0] for c in api.pin_calls()}
    assert not set(first) & already  # yesterday's leftovers go first (longest unfetched)
    assert tomorrow.pins_fetched == 39


def test_trial_budget_counts_what_the_client_already_spent_today(engine: Engine, shop: tuple[int, int]) -> None:
    from pinbot.store.models import ApiUsage

    clock = FakeClock(NOW)
    _pins(engine, shop, [2] * 20)
    with session_scope(engine) as session:
        start = NOW.replace(hour=0)
        session.add(ApiUsage(account_id=shop[0], category="all", window_start=start, calls=790))
    result = MetricsService(engine, shop[0], FakeAPI(clock, multi=False), clock).sweep()
    assert result.calls_used == 10  # 1000 - 200 reserved - 790 spent


def test_client_rate_limit_stops_the_sweep_cleanly(engine: Engine, shop: tuple[int, int]) -> None:
    clock = FakeClock(NOW)
    _pins(engine, shop, [2] * 5)
    api = FakeAPI(clock, multi=False, rate_limit_after=3)
    result = MetricsService(engine, shop[0], api, clock).sweep()
    assert result.pins_fetched == 2 and result.pins_left == 3
    assert result.stopped and "budget is spent for now" in result.stopped
    assert result.next_sweep_at == NOW + timedelta(hours=1)
    assert len({r.pin_id for r in _rows(engine)}) == 2


def test_a_deleted_pin_is_skipped_not_fatal(engine: Engine, shop: tuple[int, int]) -> None:
    clock = FakeClock(NOW)
    _pins(engine, shop, [2, 2])
    api = FakeAPI(clock, multi=False, missing=["1000"])
    result = MetricsService(engine, shop[0], api, clock).sweep()
    assert result.pins_fetched == 2 and len(result.errors) == 1 and "not found" in result.errors[0]
    assert MetricsService(engine, shop[0], api, clock).sweep().calls_used == 0  # not retried today


def test_account_snapshot_once_a_day_and_since(engine: Engine, shop: tuple[int, int]) -> None:
    clock = FakeClock(NOW)
    _pins(engine, shop, [20])
    api = FakeAPI(clock, multi=True)
    MetricsService(engine, shop[0], api, clock).sweep()
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(AccountMetricDaily)).one() == mb.LOOKBACK_DAYS
    clock.advance(days=1)
    api2 = FakeAPI(clock, multi=True)
    MetricsService(engine, shop[0], api2, clock).sweep(since=TODAY - timedelta(days=15))
    account_calls = [c for c in api2.calls if c[0] == "account"]
    assert len(account_calls) == 1 and account_calls[0][2] == TODAY - timedelta(days=2)  # first unsettled day
    (call,) = api2.pin_calls()
    assert call[2] == TODAY - timedelta(days=15)


def test_experiment_pins_are_fetched_first_when_the_budget_is_short(engine: Engine, shop: tuple[int, int]) -> None:
    clock = FakeClock(NOW)
    states = [
        mb.PinState(1, "1", TODAY - timedelta(days=2), None, None, None),
        mb.PinState(2, "2", TODAY - timedelta(days=40), None, None, None, in_experiment=True),
        mb.PinState(3, "3", TODAY - timedelta(days=1), None, None, None),
    ]
    assert [d.state.pin_id for d in mb.select_due(states, TODAY)] == [2, 3, 1]
    assert clock.now() == NOW
