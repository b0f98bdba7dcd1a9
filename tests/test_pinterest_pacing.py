"""Pacing by rate-limit category (persisted budgets, server hints) and the spam/quota split."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import responses
from sqlalchemy import Engine

from pinbot.clock import FakeClock
from pinbot.pinterest.client import PinterestClient
from pinbot.pinterest.errors import BudgetExhausted, RateLimited, SpamBlocked
from pinbot.pinterest.pacing import BUDGETS, Pacer
from pinbot.pinterest.types import NewPin, PinImage
from pinbot.store.state import posting_gate, record_spam_block, spam_block
from tests.pinterest_helpers import API, account_id, error, make_client


def pin() -> NewPin:
    return NewPin("555", "Mug", "", "https://shop.example/?utm_content=pb-1", "", PinImage(data=b"jpeg"))


def test_budgets_follow_the_documented_tiers() -> None:
    trial_window, trial = BUDGETS["trial"]
    standard_window, standard = BUDGETS["standard"]
    assert trial_window.total_seconds() == 86400 and standard_window.total_seconds() == 60
    assert trial == {"org_read": 1000, "org_write": 300, "org_analytics": 1000, "all": 1000}
    assert standard == {"org_read": 1000, "org_write": 100, "org_analytics": 60}


def test_trial_day_budget_is_spent_then_refuses_until_utc_midnight_and_survives_restarts(
    engine: Engine, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 1, 5, 21, 0, tzinfo=UTC))
    aid = account_id(engine)
    pacer = Pacer(engine, aid, "trial", clock, budgets={"org_write": 3, "org_read": 100, "all": 100})
    for _ in range(3):
        pacer.acquire("org_write")
    with pytest.raises(BudgetExhausted) as info:
        pacer.acquire("org_write")
    assert info.value.retry_after == 3 * 3600 and info.value.category == "org_write"
    assert "300" not in str(info.value) and "3 calls per day" in str(info.value)
    assert clock.slept == []  # never sleeps for hours
    pacer.acquire("org_read")  # other categories have their own budget
    restarted = Pacer(engine, aid, "trial", clock, budgets={"org_write": 3, "org_read": 100, "all": 100})
    with pytest.raises(BudgetExhausted):
        restarted.acquire("org_write")
    assert restarted.usage()["org_write"] == (3, 3)
    clock.advance(hours=3)
    restarted.acquire("org_write")  # a new UTC day


def test_trial_universal_budget_counts_every_category(engine: Engine, clock: FakeClock) -> None:
    pacer = Pacer(engine, account_id(engine), "trial", clock, budgets={"org_read": 10, "org_analytics": 10, "all": 3})
    pacer.acquire("org_read")
    pacer.acquire("org_analytics")
    pacer.acquire("org_read")
    with pytest.raises(BudgetExhausted, match="all budget"):
        pacer.acquire("org_analytics")
    # The refused call spent nothing: the rollback covers the category counter too.
    assert pacer.usage()["org_analytics"] == (1, 10)


def test_standard_minute_budget_waits_through_the_injected_clock(engine: Engine, clock: FakeClock) -> None:
    clock.set(datetime(2026, 1, 5, 9, 0, 45, tzinfo=UTC))
    pacer = Pacer(engine, account_id(engine), "standard", clock, budgets={"org_write": 2})
    pacer.acquire("org_write")
    pacer.acquire("org_write")
    pacer.acquire("org_write")  # waits for the next minute instead of failing
    assert clock.slept == [15.0]
    assert clock.now() == datetime(2026, 1, 5, 9, 1, tzinfo=UTC)


def test_client_side_budget_stops_a_post_before_sending(
    engine: Engine, clock: FakeClock, rsps: responses.RequestsMock
) -> None:
    client = make_client(engine, clock, PINTEREST_ACCESS_TIER="trial")
    client.pacer.budgets["org_write"] = 0
    with pytest.raises(BudgetExhausted):
        client.create_pin(pin())
    assert not rsps.calls


def test_429_quota_on_a_get_waits_retry_after_then_succeeds(
    engine: Engine, clock: FakeClock, rsps: responses.RequestsMock
) -> None:
    client = make_client(engine, clock)
    rsps.get(f"{API}/pins/1", status=429, json=error(8, "Rate limit exceeded"), headers={"Retry-After": "30"})
    rsps.get(f"{API}/pins/1", json={"id": "1"})
    assert client.get_pin("1") == {"id": "1"}
    assert clock.slept == [30.0]


def test_long_retry_after_is_not_slept_and_pauses_the_category(
    engine: Engine, clock: FakeClock, rsps: responses.RequestsMock
) -> None:
    client = make_client(engine, clock)
    rsps.get(f"{API}/pins/1", status=429, json=error(8, "Rate limit exceeded"), headers={"Retry-After": "7200"})
    rsps.get(f"{API}/pins/1", json={"id": "1"})
    with pytest.raises(RateLimited) as first:
        client.get_pin("1")
    assert first.value.retry_after == 7200 and first.value.status == 429
    # Another client (another process) honours the pause without calling Pinterest.
    other = make_client(engine, clock)
    with pytest.raises(BudgetExhausted) as second:
        other.get_pin("1")
    assert second.value.retry_after == pytest.approx(7200)
    assert len(rsps.calls) == 1 and clock.slept == []
    clock.advance(7200)
    assert other.get_pin("1") == {"id": "1"}


def test_429_on_post_pins_is_rate_limited_and_not_retried(
    engine: Engine, clock: FakeClock, rsps: responses.RequestsMock
) -> None:
    client = make_client(engine, clock)
    rsps.post(f"{API}/pins", status=429, json=error(8, "Too many requests"), headers={"Retry-After": "20"})
    with pytest.raises(RateLimited) as info:
        client.create_pin(pin())
    assert type(info.value) is RateLimited and info.value.retry_after == 20
    assert len(rsps.calls) == 1
    assert spam_block(engine, client.account_id) is None


@pytest.mark.parametrize(
    "payload",
    [
        {"code": 8, "message": "Your request was blocked because it looks like spam"},
        {"code": 8, "message": "Rate limited", "message_detail": "Detected SPAM activity"},
    ],
)
def test_spam_429_is_a_block_that_stops_posting_for_the_account(
    engine: Engine, clock: FakeClock, rsps: responses.RequestsMock, payload: dict
) -> None:
    client = make_client(engine, clock)
    rsps.post(f"{API}/pins", status=429, json=payload, headers={"Retry-After": "1"})
    rsps.get(f"{API}/pins/1", json={"id": "1"})
    with pytest.raises(SpamBlocked, match="pinbot resume"):
        client.create_pin(pin())
    blocked = spam_block(engine, client.account_id)
    assert blocked is not None and blocked[0] == clock.now()
    # A later post from any process is refused without asking Pinterest; reads still work.
    with pytest.raises(SpamBlocked, match="posting is stopped"):
        make_client(engine, clock).create_pin(pin())
    assert client.get_pin("1") == {"id": "1"}
    assert [c.request.method for c in rsps.calls] == ["POST", "GET"]


def test_spam_429_on_a_get_is_not_retried(engine: Engine, clock: FakeClock, rsps: responses.RequestsMock) -> None:
    client = make_client(engine, clock)
    rsps.get(f"{API}/pins/1", status=429, json={"code": 8, "message": "spam"})
    with pytest.raises(SpamBlocked):
        client.get_pin("1")
    assert len(rsps.calls) == 1 and clock.slept == []


def test_spam_block_is_one_stored_value_the_posting_gate_obeys(engine: Engine, clock: FakeClock) -> None:
    aid = account_id(engine)
    record_spam_block(engine, aid, "flagged", clock.now())
    assert spam_block(engine, aid) == (clock.now(), "flagged")
    assert "flagged" in (posting_gate(engine, aid).blocked(clock.now()) or "")


@pytest.mark.parametrize("reset", ["120", str(int(datetime(2026, 1, 5, 9, 2, tzinfo=UTC).timestamp()))])
def test_ratelimit_headers_with_nothing_remaining_pause_the_category(
    engine: Engine, clock: FakeClock, rsps: responses.RequestsMock, reset: str
) -> None:
    client = make_client(engine, clock)
    headers = {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    rsps.get(f"{API}/pins/1", json={"id": "1"}, headers=headers)
    rsps.get(f"{API}/boards/2", json={"id": "2"})
    client.get_pin("1")
    with pytest.raises(BudgetExhausted) as info:
        client.get_board("2")  # same category: org_read
    assert info.value.retry_after == pytest.approx(120)
    assert len(rsps.calls) == 1


def test_ratelimit_headers_with_calls_remaining_change_nothing(
    engine: Engine, clock: FakeClock, rsps: responses.RequestsMock
) -> None:
    client = make_client(engine, clock)
    rsps.get(f"{API}/pins/1", json={"id": "1"}, headers={"X-RateLimit-Remaining": "12", "X-RateLimit-Reset": "60"})
    client.get_pin("1")
    client.get_pin("1")
    assert len(rsps.calls) == 2 and clock.slept == []


def test_each_call_spends_its_own_category(engine: Engine, clock: FakeClock, rsps: responses.RequestsMock) -> None:
    client: PinterestClient = make_client(engine, clock)
    rsps.get(f"{API}/pins/1", json={"id": "1"})
    rsps.post(f"{API}/pins", json={"id": "2"}, status=201)
    rsps.get(f"{API}/user_account/analytics", json={})
    client.get_pin("1")
    client.create_pin(pin())
    client.account_analytics(clock.now().date(), clock.now().date())
    usage = client.pacer.usage()
    assert (usage["org_read"][0], usage["org_write"][0], usage["org_analytics"][0]) == (1, 1, 1)


def test_the_stored_spam_block_keeps_pinterest_words_only(
    engine: Engine, clock: FakeClock, rsps: responses.RequestsMock
) -> None:
    client = make_client(engine, clock)
    rsps.post(f"{API}/pins", status=429, json={"code": 8, "message": "Blocked as spam"})
    with pytest.raises(SpamBlocked) as info:
        client.create_pin(pin())
    assert info.value.pinterest_message == "Blocked as spam"
    assert spam_block(engine, client.account_id) == (clock.now(), "Blocked as spam")
