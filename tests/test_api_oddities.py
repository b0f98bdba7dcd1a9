"""Odd but possible Pinterest answers (issue 12): a listing page that does not parse, a 201 that is
not a pin, a refused multi-pin beta, and pin ids no pin can have. None may lose or double a pin,
and none may stop analytics for the whole account."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import responses
from sqlalchemy import Engine

from pinbot.clock import FakeClock
from pinbot.metrics.sweep import MetricsService
from pinbot.pinterest.client import PinterestClient
from pinbot.pinterest.errors import FeatureUnavailable, InsufficientScope, MaybeSent
from pinbot.pinterest.types import DailyMetrics, NewPin, PinImage
from tests.metrics_fakes import FakeAPI, add_board, add_posted_pin, make_account
from tests.pinterest_helpers import API, error, make_client

NOW = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client(engine: Engine, clock: FakeClock) -> PinterestClient:
    return make_client(engine, clock)


@pytest.mark.parametrize(
    "page",
    [{"items": {"id": "1"}}, {"items": ["1"]}, {"items": None}, {"bookmark": None}, [{"id": "1"}], "ok"],
)
def test_a_board_page_that_does_not_parse_is_an_api_failure(
    client: PinterestClient, rsps: responses.RequestsMock, page: Any
) -> None:
    rsps.get(f"{API}/boards/77/pins", json=page)
    with pytest.raises(MaybeSent, match="not a list of items"):
        list(client.iter_board_pins("77"))


def _new_pin() -> NewPin:
    return NewPin("77", "Mug", "", "https://shop.example/m", "", PinImage(data=b"\xff\xd8\xffdata"))


@pytest.mark.parametrize("answer", [[], [1, 2], "created", 7])
def test_a_created_answer_that_is_not_a_pin_is_ambiguous(
    client: PinterestClient, rsps: responses.RequestsMock, answer: Any
) -> None:
    rsps.post(f"{API}/pins", status=201, json=answer)
    with pytest.raises(MaybeSent, match="may have been created"):
        client.create_pin(_new_pin())


def _analytics(impressions: int) -> dict[str, Any]:
    day = {"date": "2026-01-02", "data_status": "READY", "metrics": {"IMPRESSION": impressions}}
    return {"all": {"daily_metrics": [day]}}


def test_multi_pin_refused_with_code_3_falls_back_to_one_pin_calls(
    client: PinterestClient, rsps: responses.RequestsMock
) -> None:
    # What a real app without the beta got: 403 with code 3, which reads like a missing scope.
    rsps.get(f"{API}/pins/analytics", status=403, json=error(3, "Not authorized to access this resource"))
    for _ in range(2):
        with pytest.raises(FeatureUnavailable):
            client.multi_pin_analytics(["11"], date(2026, 1, 1), date(2026, 1, 4))
    assert len(rsps.calls) == 1  # remembered: no second refused call
    rsps.get(f"{API}/pins/11/analytics", json=_analytics(5))
    (row,) = client.pin_analytics("11", date(2026, 1, 1), date(2026, 1, 4))
    assert row.impressions == 5


class _ScopeRefusedBeta(FakeAPI):
    """Multi-pin refused the way a missing scope looks; single-pin calls work (or not)."""

    single_refused = False

    def multi_pin_analytics(self, pin_ids: Any, start: date, end: date) -> dict[str, list[DailyMetrics]]:
        raise InsufficientScope("the token lacks the scope(s) pins:read", status=403, code=3)

    def pin_analytics(self, pin_id: str, start: date, end: date) -> list[DailyMetrics]:
        if self.single_refused:
            raise InsufficientScope("the token lacks the scope(s) pins:read", status=403, code=3)
        return super().pin_analytics(pin_id, start, end)


def _shop_with_pins(engine: Engine, remote_ids: list[str]) -> tuple[int, list[int]]:
    account_id = make_account(engine)
    board_id = add_board(engine, account_id, "mugs")
    pins = [add_posted_pin(engine, account_id, board_id, NOW - timedelta(days=2), r) for r in remote_ids]
    return account_id, pins


def test_a_refused_beta_does_not_stop_analytics(engine: Engine) -> None:
    clock = FakeClock(NOW)
    account_id, _ = _shop_with_pins(engine, ["1001", "1002"])
    api = _ScopeRefusedBeta(clock)
    result = MetricsService(engine, account_id, api, clock).sweep()
    assert result.pins_fetched == 2 and not result.multi_pin
    assert [c[0] for c in api.pin_calls()] == ["pin", "pin"]


def test_the_token_is_blamed_only_when_single_pin_calls_are_refused_too(engine: Engine) -> None:
    clock = FakeClock(NOW)
    account_id, _ = _shop_with_pins(engine, ["1001"])
    api = _ScopeRefusedBeta(clock)
    api.single_refused = True
    with pytest.raises(InsufficientScope):
        MetricsService(engine, account_id, api, clock).sweep()


@pytest.mark.parametrize("bad", ["None", "", "pin-7", "12 3"])
def test_a_bad_pin_id_is_skipped_not_fatal_for_the_account(engine: Engine, bad: str) -> None:
    clock = FakeClock(NOW)
    account_id, _ = _shop_with_pins(engine, ["1001", bad, "1002"])
    api = FakeAPI(clock)
    result = MetricsService(engine, account_id, api, clock).sweep()
    assert result.pins_fetched == 2
    assert all(bad not in c[1] for c in api.pin_calls())
