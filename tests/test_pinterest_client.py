"""PinterestClient against `responses`: every endpoint, pagination, retries, error mapping, auth."""

from __future__ import annotations

import base64
import json
import socket
import threading
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from sqlalchemy import Engine
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from pinbot.clock import FakeClock
from pinbot.errors import InvalidInput
from pinbot.pinterest.analytics import check_window
from pinbot.pinterest.client import PinterestClient
from pinbot.pinterest.errors import (
    FeatureUnavailable,
    ImageFetchFailed,
    InsufficientScope,
    InvalidGrant,
    MaybeSent,
    NotSent,
    PinterestError,
    RateLimited,
    RequestRejected,
    TrialAppProduction,
    Unauthorized,
)
from pinbot.pinterest.payloads import pin_body
from pinbot.pinterest.transport import parse_retry_after
from pinbot.pinterest.types import NewPin, PinImage
from pinbot.store.db import session_scope
from pinbot.store.models import Account, Token
from tests.pinterest_helpers import ACCESS, API, bearer, error, make_client, token_response

RID = {"x-pinterest-rid": "rid-abc-123"}


@pytest.fixture
def client(engine: Engine, clock: FakeClock) -> PinterestClient:
    return make_client(engine, clock)


def query(call: responses.Call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def body(call: responses.Call) -> dict:
    return json.loads(call.request.body)


def new_pin(**kw: object) -> NewPin:
    fields: dict = dict(
        board_id="555",
        title="Blue mug",
        description="Wheel-thrown",
        link="https://shop.example/mug?utm_content=pb-1",
        alt_text="A blue mug",
        image=PinImage(data=b"\xff\xd8\xff jpeg bytes", content_type="image/jpeg"),
    )
    fields.update(kw)
    return NewPin(**fields)


# --- endpoints ------------------------------------------------------------------------------


def test_user_account_sends_the_stored_bearer_token(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user_account", json={"username": "clayshop", "id": "42"}, headers=RID)
    assert client.get_user_account()["username"] == "clayshop"
    assert bearer(rsps.calls[0]) == f"Bearer {ACCESS}"


def test_list_boards_follows_bookmarks_until_null(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/boards", json={"items": [{"id": "1", "name": "A"}, {"id": "2", "name": "B"}], "bookmark": "p2"})
    rsps.get(f"{API}/boards", json={"items": [{"id": "3", "name": "C"}], "bookmark": "p3"})
    rsps.get(f"{API}/boards", json={"items": [{"id": "4", "name": "D"}], "bookmark": None})
    boards = client.list_boards()
    assert [b["id"] for b in boards] == ["1", "2", "3", "4"]
    assert [query(c).get("bookmark") for c in rsps.calls] == [None, ["p2"], ["p3"]]
    assert all(query(c)["page_size"] == ["250"] for c in rsps.calls)


def test_board_pins_paginate_and_page_size_is_checked(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/boards/77/pins", json={"items": [{"id": "p1"}], "bookmark": "b"})
    rsps.get(f"{API}/boards/77/pins", json={"items": [{"id": "p2"}], "bookmark": ""})
    assert [p["id"] for p in client.iter_board_pins("77", page_size=100)] == ["p1", "p2"]
    assert query(rsps.calls[0])["page_size"] == ["100"]
    for bad in (0, 251):
        with pytest.raises(InvalidInput, match="page_size"):
            list(client.iter_board_pins("77", page_size=bad))
    assert len(rsps.calls) == 2


def test_a_repeated_bookmark_stops_instead_of_looping(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/boards/77/pins", json={"items": [{"id": "p1"}], "bookmark": "same"})
    with pytest.raises(PinterestError, match="same page bookmark"):
        list(client.iter_board_pins("77"))
    assert len(rsps.calls) == 2


def test_path_ids_are_refused_when_they_could_change_the_path(client: PinterestClient) -> None:
    with pytest.raises(InvalidInput, match="pin_id"):
        client.get_pin("../boards")


def test_board_create_get_and_sections(client: PinterestClient, rsps: responses.RequestsMock, clock: FakeClock) -> None:
    rsps.post(f"{API}/boards", json={"id": "900", "name": "Mugs"}, status=201)
    rsps.get(f"{API}/boards/900", json={"id": "900", "name": "Mugs"})
    rsps.get(f"{API}/boards/900/sections", json={"items": [{"id": "s1", "name": "Blue"}], "bookmark": None})
    rsps.post(f"{API}/boards/900/sections", json=error(409, "could not get exclusive access"), status=409)
    rsps.post(f"{API}/boards/900/sections", json={"id": "s2", "name": "Green"}, status=201)
    assert client.create_board("Mugs", "Stoneware", "SECRET")["id"] == "900"
    assert body(rsps.calls[0]) == {"name": "Mugs", "description": "Stoneware", "privacy": "SECRET"}
    assert client.get_board("900")["name"] == "Mugs"
    assert client.list_board_sections("900") == [{"id": "s1", "name": "Blue"}]
    # 409 means Pinterest could not lock the board: nothing was created, so it is tried again.
    assert client.create_board_section("900", "Green")["id"] == "s2"
    assert [c.request.method for c in rsps.calls].count("POST") == 3
    assert clock.slept == [1.0]


def test_create_pin_from_rendered_bytes(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.post(f"{API}/pins", json={"id": "p100", "board_id": "555"}, status=201)
    pin = new_pin()
    assert client.create_pin(pin)["id"] == "p100"
    sent = body(rsps.calls[0])
    assert sent["board_id"] == "555"
    assert sent["media_source"]["source_type"] == "image_base64"
    assert sent["media_source"]["content_type"] == "image/jpeg"
    assert "\n" not in sent["media_source"]["data"]
    assert base64.b64decode(sent["media_source"]["data"], validate=True) == pin.image.data
    assert "note" not in sent  # removed from the spec in 5.20
    assert sent["link"] == pin.link and sent["alt_text"] == "A blue mug"


def test_create_pin_from_url_into_a_section(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.post(f"{API}/pins", json={"id": "p101"}, status=201)
    pin = new_pin(image=PinImage(url="https://shop.example/mug.jpg"), board_section_id="s9", description="")
    client.create_pin(pin)
    sent = body(rsps.calls[0])
    assert sent["media_source"] == {"source_type": "image_url", "url": "https://shop.example/mug.jpg"}
    assert sent["board_section_id"] == "s9"
    assert "description" not in sent  # empty optional fields are left out


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"image": PinImage()}, "image"),
        ({"image": PinImage(data=b"x", url="https://x/y.jpg")}, "image"),
        ({"image": PinImage(data=b"")}, "image"),
        ({"image": PinImage(data=b"x", content_type="image/gif")}, "image"),
        ({"title": "t" * 101}, "title"),
        ({"description": "d" * 801}, "description"),
        ({"alt_text": "a" * 501}, "alt_text"),
        ({"board_id": "5/../6"}, "board_id"),
    ],
)
def test_pin_body_rejects_bad_input(changes: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        pin_body(new_pin(**changes))
    assert info.value.field == field


def test_create_pin_rejects_bad_input_before_sending(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    with pytest.raises(InvalidInput, match="title"):
        client.create_pin(new_pin(title="t" * 101))
    assert not rsps.calls


def test_get_and_delete_pin(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/pins/p1", json={"id": "p1", "title": "Mug"})
    rsps.delete(f"{API}/pins/p1", status=204)
    assert client.get_pin("p1")["title"] == "Mug"
    assert client.delete_pin("p1") is None
    assert rsps.calls[1].request.method == "DELETE"


# --- POST /pins is never retried; the error says whether it was surely not created ------------


def _refused() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, f"{API}/pins", reason))  # type: ignore[arg-type]


def _reset() -> requests.ConnectionError:
    return requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")))


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (_refused(), NotSent),
        (requests.ConnectTimeout("connect timed out"), NotSent),
        (requests.ReadTimeout("read timed out"), MaybeSent),
        (_reset(), MaybeSent),
        (500, MaybeSent),
        (502, MaybeSent),
        (503, MaybeSent),
    ],
)
def test_create_pin_failure_says_whether_a_pin_may_exist(
    client: PinterestClient, rsps: responses.RequestsMock, outcome: object, expected: type
) -> None:
    if isinstance(outcome, int):
        rsps.post(f"{API}/pins", json=error(outcome, "Internal error"), status=outcome, headers=RID)
    else:
        rsps.post(f"{API}/pins", body=outcome)  # type: ignore[arg-type]
    with pytest.raises(PinterestError) as info:
        client.create_pin(new_pin())
    assert type(info.value) is expected
    assert len(rsps.calls) == 1  # never retried inside the client
    if isinstance(outcome, int):
        assert info.value.status == outcome and info.value.request_id == "rid-abc-123"


def test_real_connection_refused_is_not_sent(client: PinterestClient) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    client.api_base = f"http://127.0.0.1:{port}/v5"
    with pytest.raises(NotSent, match="never reached Pinterest"):
        client.create_pin(new_pin())


def test_real_connection_dropped_after_sending_is_maybe_sent(client: PinterestClient) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def accept_read_and_hang_up() -> None:
        conn, _ = server.accept()
        conn.recv(65536)  # the request arrived: Pinterest could have acted on it
        conn.close()

    thread = threading.Thread(target=accept_read_and_hang_up, daemon=True)
    thread.start()
    client.api_base = f"http://127.0.0.1:{server.getsockname()[1]}/v5"
    try:
        with pytest.raises(MaybeSent):
            client.create_pin(new_pin())
    finally:
        thread.join(5)
        server.close()


def test_image_fetch_failure_is_not_sent(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.post(f"{API}/pins", json=error(1, "Sorry we could not fetch the image."), status=400)
    with pytest.raises(ImageFetchFailed) as info:
        client.create_pin(new_pin(image=PinImage(url="https://shop.example/m.jpg")))
    assert isinstance(info.value, NotSent) and info.value.code == 1


# --- GET retries ----------------------------------------------------------------------------


def test_get_retries_5xx_and_connection_errors_with_capped_jittered_backoff(
    client: PinterestClient, rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    rsps.get(f"{API}/pins/p1", status=502)
    rsps.get(f"{API}/pins/p1", body=requests.ReadTimeout("slow"))
    rsps.get(f"{API}/pins/p1", body=_reset())
    rsps.get(f"{API}/pins/p1", json={"id": "p1"})
    assert client.get_pin("p1") == {"id": "p1"}
    assert len(rsps.calls) == 4
    assert len(clock.slept) == 3 and all(0 <= s <= 30 for s in clock.slept)


def test_get_gives_up_after_max_attempts(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/pins/p1", status=500, json=error(0, "boom"))
    with pytest.raises(MaybeSent):
        client.get_pin("p1")
    assert len(rsps.calls) == client.max_attempts


def test_get_honours_retry_after_on_503(
    client: PinterestClient, rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    rsps.get(f"{API}/pins/p1", status=503, headers={"Retry-After": "17"})
    rsps.get(f"{API}/pins/p1", json={"id": "p1"})
    client.get_pin("p1")
    assert clock.slept and clock.slept[0] >= 17


def test_get_does_not_retry_a_4xx(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/pins/p1", status=404, json=error(50, "Pin not found."), headers=RID)
    with pytest.raises(RequestRejected) as info:
        client.get_pin("p1")
    assert (info.value.status, info.value.code, info.value.request_id) == (404, 50, "rid-abc-123")
    assert "Pin not found." in str(info.value) and "rid-abc-123" in str(info.value)
    assert len(rsps.calls) == 1


# --- error codes ----------------------------------------------------------------------------


def test_code_29_tells_a_trial_app_to_use_the_sandbox(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.post(f"{API}/pins", status=403, json=error(29, "You have provided an invalid authorization"))
    with pytest.raises(TrialAppProduction) as info:
        client.create_pin(new_pin())
    assert "PINTEREST_API_BASE=https://api-sandbox.pinterest.com/v5" in str(info.value)
    assert "sandbox token" in str(info.value)


def test_code_3_names_the_missing_scope(client: PinterestClient, rsps: responses.RequestsMock, engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(Token(account_id=client.account_id, access_token=ACCESS, scopes="pins:read,user_accounts:read"))
    rsps.get(f"{API}/boards/77/pins", status=401, json=error(3, "Missing required scopes"))
    with pytest.raises(InsufficientScope) as info:
        list(client.iter_board_pins("77"))
    message = str(info.value)
    assert "boards:read" in message and "pins:read" not in message.split("scope(s)")[1].split(";")[0]
    assert "pinbot auth login" in message
    assert len(rsps.calls) == 1  # a refresh cannot add scopes: none was attempted


def test_401_refreshes_once_then_succeeds(
    client: PinterestClient, rsps: responses.RequestsMock, engine: Engine
) -> None:
    def committed_before_use(request: requests.PreparedRequest) -> tuple[int, dict, str]:
        # When the new access token is first used, the new refresh token is already committed.
        with session_scope(engine) as session:
            stored = session.get(Token, 1)
        assert stored is not None and stored.refresh_token == "pinr_rotated_refresh_0001"
        return 200, {}, json.dumps({"username": "clayshop"})

    rsps.get(f"{API}/user_account", status=401, json=error(2, "Authentication failed."))
    rsps.add_callback(responses.GET, f"{API}/user_account", callback=committed_before_use)
    rsps.post(f"{API}/oauth/token", json=token_response(1))
    assert client.get_user_account() == {"username": "clayshop"}
    assert [c.request.url.split("/v5")[1] for c in rsps.calls] == ["/user_account", "/oauth/token", "/user_account"]
    assert bearer(rsps.calls[2]) == "Bearer pina_rotated_access_0001"
    with session_scope(engine) as session:
        row = session.get(Token, 1)
        assert row is not None
        assert (row.access_token, row.refresh_token) == ("pina_rotated_access_0001", "pinr_rotated_refresh_0001")
        assert not row.seeded_from_env


def test_401_after_a_refresh_is_a_clear_error(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user_account", status=401, json=error(2, "Authentication failed."))
    rsps.post(f"{API}/oauth/token", json=token_response(1))
    with pytest.raises(Unauthorized, match="even after a refresh; run `pinbot auth login`"):
        client.get_user_account()
    assert [c.request.url.endswith("/oauth/token") for c in rsps.calls].count(True) == 1


def test_401_with_a_dead_refresh_token_says_log_in_again(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user_account", status=401, json=error(2, "Authentication failed."))
    rsps.post(f"{API}/oauth/token", status=400, json=error(283, "The authorization grant is invalid"))
    with pytest.raises(InvalidGrant, match="pinbot auth login"):
        client.get_user_account()


def test_token_close_to_expiry_is_refreshed_before_the_call(
    client: PinterestClient, rsps: responses.RequestsMock, engine: Engine, clock: FakeClock
) -> None:
    with session_scope(engine) as session:
        session.add(
            Token(
                account_id=client.account_id,
                access_token=ACCESS,
                refresh_token="pinr_old",
                access_expires_at=clock.now() + timedelta(hours=3),
            )
        )
    rsps.post(f"{API}/oauth/token", json=token_response(7))
    rsps.get(f"{API}/user_account", json={"username": "x"})
    client.get_user_account()
    assert rsps.calls[0].request.url.endswith("/oauth/token")
    assert bearer(rsps.calls[1]) == "Bearer pina_rotated_access_0007"


def test_early_refresh_failure_keeps_using_a_still_valid_token(
    client: PinterestClient, rsps: responses.RequestsMock, engine: Engine, clock: FakeClock
) -> None:
    with session_scope(engine) as session:
        session.add(
            Token(
                account_id=client.account_id,
                access_token=ACCESS,
                refresh_token="pinr_old",
                access_expires_at=clock.now() + timedelta(hours=3),
            )
        )
    rsps.post(f"{API}/oauth/token", status=503)
    rsps.get(f"{API}/user_account", json={"username": "x"})
    assert client.get_user_account() == {"username": "x"}
    assert bearer(rsps.calls[1]) == f"Bearer {ACCESS}"


def test_identify_remembers_the_username(client: PinterestClient, rsps: responses.RequestsMock, engine: Engine) -> None:
    rsps.get(f"{API}/user_account", json={"username": "clayshop", "id": "4242"})
    client.identify()
    with session_scope(engine) as session:
        account = session.get(Account, client.account_id)
        assert account is not None and (account.username, account.pinterest_user_id) == ("clayshop", "4242")


# --- analytics ------------------------------------------------------------------------------


def _analytics(days: list[tuple[str, str, int]]) -> dict:
    return {
        "all": {
            "daily_metrics": [
                {
                    "date": d,
                    "data_status": s,
                    "metrics": {"IMPRESSION": n, "SAVE": 2, "PIN_CLICK": 3, "OUTBOUND_CLICK": 1, "ENGAGEMENT": 6},
                }
                for d, s, n in days
            ],
            "summary_metrics": {"IMPRESSION": sum(n for _, _, n in days)},
            # Bogus on purpose: period numbers must never come from lifetime_metrics.
            "lifetime_metrics": {"IMPRESSION": 999999, "TOTAL_COMMENTS": 5},
        }
    }


def test_pin_analytics_reads_daily_metrics_with_status(
    client: PinterestClient, rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    rsps.get(f"{API}/pins/p1/analytics", json=_analytics([("2026-01-03", "ESTIMATE", 40), ("2026-01-02", "READY", 30)]))
    rows = client.pin_analytics("p1", date(2026, 1, 1), date(2026, 1, 4))
    assert [(r.day, r.data_status, r.impressions, r.saves) for r in rows] == [
        (date(2026, 1, 2), "READY", 30, 2),
        (date(2026, 1, 3), "ESTIMATE", 40, 2),
    ]
    assert rows[0].ready and not rows[1].ready
    q = query(rsps.calls[0])
    assert q["start_date"] == ["2026-01-01"] and q["end_date"] == ["2026-01-04"]
    assert q["metric_types"] == ["IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK"]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2025, 10, 1), date(2026, 1, 4), "date range"),  # 95 days
        (date(2025, 10, 1), date(2025, 10, 5), "start_date"),  # more than 90 days back
        (date(2026, 1, 4), date(2026, 1, 1), "end_date"),
    ],
)
def test_analytics_windows_rules(start: date, end: date, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        check_window(start, end, date(2026, 1, 5))
    assert info.value.field == field


def test_analytics_windows_are_checked_before_sending(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    start, end = date(2025, 10, 1), date(2026, 1, 4)  # 95 days
    for call in (
        lambda: client.pin_analytics("p1", start, end),
        lambda: client.account_analytics(start, end),
        lambda: client.multi_pin_analytics(["1"], start, end),
        lambda: client.top_pins("IMPRESSION", start, end),
    ):
        with pytest.raises(InvalidInput, match="at most 90"):
            call()
    assert not rsps.calls


def test_a_90_day_window_is_allowed(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user_account/analytics", json=_analytics([]))
    assert client.account_analytics(date(2025, 10, 7), date(2026, 1, 5)) == []


def test_multi_pin_analytics_and_its_fallback_signal(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/pins/analytics",
        json={"11": _analytics([("2026-01-02", "READY", 5)]), "12": _analytics([("2026-01-02", "READY", 9)])},
    )
    got = client.multi_pin_analytics(["11", "12", "13"], date(2026, 1, 1), date(2026, 1, 4))
    assert {k: [r.impressions for r in v] for k, v in got.items()} == {"11": [5], "12": [9]}
    assert query(rsps.calls[0])["pin_ids"] == ["11", "12", "13"]
    with pytest.raises(InvalidInput, match="1 to 100"):
        client.multi_pin_analytics([str(i) for i in range(101)], date(2026, 1, 1), date(2026, 1, 4))


@pytest.mark.parametrize("status", [403, 404])
def test_multi_pin_analytics_unavailable_is_remembered(
    client: PinterestClient, rsps: responses.RequestsMock, status: int
) -> None:
    rsps.get(f"{API}/pins/analytics", status=status, json=error(status, "Not enabled for this app"))
    for _ in range(2):
        with pytest.raises(FeatureUnavailable):
            client.multi_pin_analytics(["11"], date(2026, 1, 1), date(2026, 1, 4))
    assert len(rsps.calls) == 1  # the second call fails fast without spending budget


def test_account_analytics_and_top_pins(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user_account/analytics", json=_analytics([("2026-01-02", "READY", 300)]))
    rsps.get(
        f"{API}/user_account/analytics/top_pins",
        json={"pins": [{"pin_id": "9", "metrics": {"IMPRESSION": 50}, "data_status": {}}], "sort_by": "IMPRESSION"},
    )
    (row,) = client.account_analytics(date(2026, 1, 1), date(2026, 1, 4))
    assert (row.impressions, row.engagement, row.outbound_clicks) == (300, 6, 1)
    top = client.top_pins("IMPRESSION", date(2026, 1, 1), date(2026, 1, 4), num_of_pins=5)
    assert top[0]["pin_id"] == "9"
    q = query(rsps.calls[1])
    assert q["sort_by"] == ["IMPRESSION"] and q["num_of_pins"] == ["5"]
    with pytest.raises(InvalidInput, match="sort_by"):
        client.top_pins("VIEWS", date(2026, 1, 1), date(2026, 1, 4))


def test_repr_shows_no_secret(client: PinterestClient) -> None:
    text = repr(client) + repr(client.tokens) + repr(client.pacer) + repr(client.oauth) + repr(client.settings)
    assert ACCESS not in text and "app-secret" not in text


def test_each_error_status_maps_to_its_class(client: PinterestClient, rsps: responses.RequestsMock) -> None:
    expected = {
        400: RequestRejected,
        403: RequestRejected,
        404: RequestRejected,
        409: RequestRejected,
        429: RateLimited,
        500: MaybeSent,
    }
    for status, cls in expected.items():
        rsps.upsert(
            responses.DELETE, f"{API}/pins/p1", status=status, json=error(status, f"status {status}"), headers=RID
        )
        with pytest.raises(PinterestError) as info:
            client.delete_pin("p1")  # not retried, so one call per status
        assert type(info.value) is cls, status
        assert (info.value.status, info.value.code, info.value.request_id) == (status, status, "rid-abc-123")
        assert f"status {status}" in str(info.value)
        client.clock.advance(120)  # type: ignore[attr-defined]  # past the pause a 429 records
    assert len(rsps.calls) == len(expected)


def test_retry_after_forms() -> None:
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert parse_retry_after("12", now) == 12
    assert parse_retry_after("Mon, 05 Jan 2026 09:01:30 GMT", now) == 90
    assert parse_retry_after("Mon, 05 Jan 2026 08:00:00 GMT", now) == 0
    assert parse_retry_after("999999", now) == 24 * 3600
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None
