"""Every kind of answer the emulator gives, checked against Pinterest's official OpenAPI description."""

from __future__ import annotations

import base64
import io
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from PIL import Image

from pinbot.clock import FakeClock
from pinbot.emulator import Emulator
from pinbot.emulator.earned import EarnedSettings
from pinbot.links import marker_for, tagged_link
from tests.conftest import openapi_of

APP_ID, APP_SECRET = "5551", "openapi-secret"


@pytest.fixture(scope="session")
def openapi(openapi_spec: dict[str, Any]) -> Any:
    """The 1.5 MB spec (parsed and checked once per session, tests/conftest.py)."""
    return openapi_of(openapi_spec)


class Recorder:
    """Sends real requests to the emulator and keeps each (request, response) pair for validation."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.session = requests.Session()
        self.token = emu.mint_tokens()["access_token"]
        self.calls: list[tuple[str, str, dict[str, Any], requests.Response]] = []

    def call(self, method: str, path: str, *, auth: bool = True, **kw: Any) -> requests.Response:
        headers = dict(kw.pop("headers", {}))
        if auth:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        response = self.session.request(method, self.emu.base_url + path, headers=headers, timeout=5, **kw)
        query = {k: v[-1] for k, v in parse_qs(urlsplit(response.request.url or "").query).items()}
        self.calls.append((method, path, query, response))
        return response


def validate(openapi: Any, method: str, path: str, query: dict[str, Any], response: requests.Response) -> None:
    from openapi_core.testing import MockRequest, MockResponse

    request = MockRequest("https://api.pinterest.com", method.lower(), "/v5" + path, args=query)
    content_type = response.headers.get("Content-Type") if response.content else None
    mock = MockResponse(response.content, status_code=response.status_code, content_type=content_type)
    openapi.validate_response(request, mock)


def _jpeg() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (20, 30), (0, 128, 0)).save(buf, "JPEG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


@pytest.fixture
def emu() -> Iterator[Emulator]:
    earned = EarnedSettings(others_per_day=2.0, viral_rate=0.3)
    with Emulator(
        APP_ID, APP_SECRET, tier="standard", clock=FakeClock(), seed=2, limits={"org_write": 16}, earned=earned
    ) as e:
        yield e


def test_emulator_responses_match_the_official_spec(openapi: Any, emu: Emulator) -> None:
    rec = Recorder(emu)
    clock = emu.clock
    assert isinstance(clock, FakeClock)
    jpeg = _jpeg()

    def pin(board: str, **extra: Any) -> dict[str, Any]:
        link = tagged_link("https://shop.example/p", marker=marker_for(uuid.uuid4().hex), campaign="c", design="d")
        body = {"board_id": board, "title": "Mug", "description": "Blue", "link": link, "alt_text": "A mug"}
        body["media_source"] = {"source_type": "image_base64", "content_type": "image/jpeg", "data": jpeg}
        body.update(extra)
        return body

    # Accounts, boards, sections.
    rec.call("GET", "/user_account")
    board = rec.call("POST", "/boards", json={"name": "Mugs", "description": "d"}).json()["id"]
    rec.call("POST", "/boards", json={"name": "mugs"})  # 409
    rec.call("POST", "/boards", json={})  # 400
    rec.call("GET", "/boards")
    rec.call("GET", f"/boards/{board}")
    rec.call("GET", "/boards/42")  # 404
    section = rec.call("POST", f"/boards/{board}/sections", json={"name": "Blue"}).json()["id"]
    rec.call("POST", f"/boards/{board}/sections", json={"name": ""})  # 400
    rec.call("GET", f"/boards/{board}/sections")

    # Pins, with every error pinbot can meet on create.
    pins = [rec.call("POST", "/pins", json=pin(board)).json()["id"] for _ in range(3)]
    rec.call("POST", "/pins", json=pin(board, board_section_id=section))
    rec.call("DELETE", f"/pins/{pins[2]}")
    rec.call("POST", "/pins", json=pin(board, title="x" * 101))  # 400
    rec.call("POST", "/pins", json=pin("77"))  # 404
    rec.call("POST", "/pins", json=pin(board), auth=False)  # 401 code 2
    emu.inject("trial_29")
    rec.call("POST", "/pins", json=pin(board))
    emu.inject("spam_429")
    rec.call("POST", "/pins", json=pin(board))
    emu.inject("http_500_after_create")
    rec.call("POST", "/pins", json=pin(board))
    emu.inject("expired_token", path="/pins/*")
    rec.call("GET", f"/pins/{pins[0]}")
    rec.token = emu.mint_tokens()["access_token"]
    reader = emu.mint_tokens("boards:read pins:read")["access_token"]
    rec.call("POST", "/pins", json=pin(board), headers={"Authorization": f"Bearer {reader}"})  # 401 code 3
    for _ in range(6):
        rec.call("POST", "/pins", json=pin(board))  # runs into the org_write quota: 429 code 8
    assert rec.calls[-1][3].status_code == 429
    rec.call("GET", f"/pins/{pins[0]}", params={"pin_metrics": "true"})
    rec.call("GET", "/pins/123")  # 404 code 50
    rec.call("GET", "/pins", params={"page_size": 2})
    rec.call("GET", f"/boards/{board}/pins", params={"page_size": 2, "pin_metrics": "true"})
    rec.call("GET", "/boards/42/pins")

    # Trending searches: every type, the filters, and a bad region (400).
    for trend_type in ("growing", "monthly", "yearly", "seasonal"):
        rec.call("GET", f"/trends/keywords/US/top/{trend_type}", params={"limit": 5})
    filters = {"interests": ["diy_and_crafts", "home_decor"], "include_keywords": ["christmas", "mug"], "limit": 10}
    rec.call("GET", "/trends/keywords/GB+IE/top/seasonal", params=filters)
    rec.call("GET", "/trends/keywords/XX/top/growing")  # 400

    # Analytics, after some simulated days.
    clock.advance(days=6)
    rec.token = emu.mint_tokens()["access_token"]
    today = clock.now().date()
    window = {"start_date": str(today - timedelta(days=7)), "end_date": str(today)}
    metrics = {"metric_types": "IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK,SAVE_RATE"}
    rec.call("GET", f"/pins/{pins[0]}/analytics", params={**window, **metrics})
    rec.call("GET", f"/pins/{pins[0]}/analytics", params={**window, "metric_types": "TOTAL_COMMENTS"})
    rec.call(
        "GET", f"/pins/{pins[0]}/analytics", params={"start_date": "2020-01-01", "end_date": str(today), **metrics}
    )
    rec.call("GET", "/pins/analytics", params={"pin_ids": ",".join(pins[:2]), **window, **metrics})
    rec.call("GET", "/pins/analytics", params={"pin_ids": "1", **window, **metrics})  # 404
    rec.call("GET", "/user_account/analytics", params=window)
    rec.call("GET", "/user_account/analytics", params={**window, "metric_types": "IMPRESSION,OUTBOUND_CLICK_RATE"})
    rec.call("GET", "/user_account/analytics", params={"start_date": str(today), "end_date": "2020-01-01"})  # 400
    earned = {"source": "OTHER_PINS", "from_claimed_content": "CLAIMED", "content_type": "ORGANIC"}
    rec.call("GET", "/user_account/analytics", params={**window, **earned, "pin_format": "ORGANIC_IMAGE"})
    rec.call("GET", "/user_account/analytics", params={**window, "source": "YOUR_PINS", "app_types": "ALL"})
    rec.call("GET", "/user_account/analytics", params={**window, "source": "THEIR_PINS"})  # 400
    for sort in ("SAVE", "OUTBOUND_CLICK"):
        top = rec.call("GET", "/user_account/analytics/top_pins", params={**window, **earned, "sort_by": sort})
        assert top.json()["pins"], "others' pins of the claimed website are listed"
    rec.call(
        "GET",
        "/user_account/analytics/top_pins",
        params={**window, "sort_by": "IMPRESSION", "num_of_pins": 50, "created_in_last_n_days": 30},
    )
    rec.call("GET", "/user_account/analytics/top_pins", params={**window, "sort_by": "SAVE", "num_of_pins": 51})  # 400
    assert rec.call("GET", "/user_account/websites").json()["items"][0]["website"] == "shop.example"
    emu.analytics.multi_pin = False
    rec.call("GET", "/pins/analytics", params={"pin_ids": pins[0], **window, **metrics})  # 403 beta

    # OAuth token endpoint: code grant, refresh grant, bad grant, bad client.
    redirect = "http://127.0.0.1:8085/callback"
    query = {"client_id": APP_ID, "redirect_uri": redirect, "response_type": "code", "scope": "pins:read"}
    page = requests.get(emu.authorize_url, params=query, allow_redirects=False, timeout=5)
    code = parse_qs(urlsplit(page.headers["Location"]).query)["code"][0]
    basic = {"Authorization": "Basic " + base64.b64encode(f"{APP_ID}:{APP_SECRET}".encode()).decode()}
    grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
    tokens = rec.call("POST", "/oauth/token", auth=False, data=grant, headers=basic).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "continuous_refresh": "true"}
    rec.call("POST", "/oauth/token", auth=False, data=refresh, headers=basic)
    rec.call("POST", "/oauth/token", auth=False, data=refresh, headers=basic)  # rotated: 283
    rec.call("POST", "/oauth/token", auth=False, data=refresh)  # no Basic auth: 401

    statuses = {r.status_code for *_, r in rec.calls}
    assert {200, 201, 204, 400, 401, 403, 404, 409, 429, 500} <= statuses
    failures = []
    for method, path, query_args, response in rec.calls:
        try:
            validate(openapi, method, path, query_args, response)
        except Exception as exc:
            failures.append(f"{method} {path} -> {response.status_code}: {type(exc).__name__}: {exc}"[:600])
    assert not failures, "\n".join(failures)


def test_the_validator_does_catch_a_malformed_answer(openapi: Any, emu: Emulator) -> None:
    """A guard against a toothless check: a Pin with a non-numeric id must be refused."""
    rec = Recorder(emu)
    board = rec.call("POST", "/boards", json={"name": "Mugs"}).json()["id"]
    good = rec.call("GET", f"/boards/{board}")
    validate(openapi, "GET", f"/boards/{board}", {}, good)
    broken = requests.Response()
    broken.status_code = 200
    broken.headers["Content-Type"] = "application/json"
    broken._content = json.dumps({**good.json(), "id": "not-a-number"}).encode()
    with pytest.raises(Exception, match="does not match"):
        validate(openapi, "GET", f"/boards/{board}", {}, broken)
