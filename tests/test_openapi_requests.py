"""Every request the client can send, validated against Pinterest's own OpenAPI description.

The spec (`tests/data/pinterest/openapi.yaml`, 5.23.0) is loaded once per session. openapi-core
checks method, path, query and body; it does not check oauth2 security or body discriminators,
so this file adds both: each operation's Authorization header (Bearer for pinterest_oauth2,
Basic client_id:client_secret for `basic`) and the body against the schema its discriminator maps to.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest
import requests
import responses
from sqlalchemy import Engine

from pinbot.clock import FakeClock
from pinbot.pinterest.client import PinterestClient
from pinbot.pinterest.types import NewPin, PinImage
from tests.conftest import openapi_of
from tests.pinterest_helpers import APP_ID, APP_SECRET, SANDBOX, error, make_client, token_response

SPEC_SERVER = "https://api.pinterest.com"
# openapi-core cannot check oauth2 itself (it warns); SpecCheck._check_security does it instead.
pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")


class SpecCheck:
    def __init__(self, spec: dict[str, Any]) -> None:
        spec = copy.deepcopy(spec)
        # Spec defect: metric_types items are `oneOf` two enums that share IMPRESSION, SAVE, ...; a
        # shared value matches both branches, so no request with those metrics could ever be
        # valid. `anyOf` keeps the check that every value is in one of the enums.
        for items in (
            spec["components"]["parameters"]["query_pin_analytics_metric_types"]["schema"]["items"],
            next(p for p in spec["paths"]["/pins/analytics"]["get"]["parameters"] if p.get("name") == "metric_types")[
                "schema"
            ]["items"],
        ):
            items["anyOf"] = items.pop("oneOf")
        self.spec = spec
        self.openapi = openapi_of(spec)
        self.ops: list[tuple[str, str, re.Pattern[str], dict[str, Any]]] = []
        for path, item in spec["paths"].items():
            pattern = re.compile("^/v5" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
            for method, op in item.items():
                if isinstance(op, dict) and "responses" in op:
                    self.ops.append((method.upper(), path, pattern, op))

    def operation(self, method: str, path: str) -> dict[str, Any]:
        # Literal paths before templated ones (/pins/analytics is not /pins/{pin_id}).
        matches = [(tpl.count("{"), op) for m, tpl, pat, op in self.ops if m == method and pat.match(path)]
        assert matches, f"{method} {path}: no such operation in the spec"
        return min(matches, key=lambda m: m[0])[1]

    def check(self, prepared: requests.PreparedRequest) -> str:
        from openapi_core.contrib.requests import RequestsOpenAPIRequest

        parts = urlsplit(str(prepared.url))
        # The spec lists only the production server; sandbox and emulator share its paths.
        prepared = prepared.copy()
        prepared.url = urlunsplit(("https", "api.pinterest.com", parts.path, parts.query, ""))
        self.openapi.validate_request(RequestsOpenAPIRequest(prepared))
        op = self.operation(str(prepared.method), parts.path)
        self._check_security(op, prepared)
        self._check_discriminated_body(op, prepared)
        return str(op["operationId"])

    def _check_security(self, op: dict[str, Any], prepared: requests.PreparedRequest) -> None:
        schemes = {name for req in op.get("security", []) for name in req}
        auth = str(prepared.headers.get("Authorization", ""))
        if "basic" in schemes:
            expected = base64.b64encode(f"{APP_ID}:{APP_SECRET}".encode()).decode()
            assert auth == f"Basic {expected}", f"{op['operationId']}: needs HTTP Basic client_id:client_secret"
        elif "pinterest_oauth2" in schemes:
            assert re.fullmatch(r"Bearer \S+", auth), f"{op['operationId']}: needs a Bearer token"

    def _check_discriminated_body(self, op: dict[str, Any], prepared: requests.PreparedRequest) -> None:
        from openapi_schema_validator import OAS30Validator

        content = op.get("requestBody", {}).get("content", {})
        form = content.get("application/x-www-form-urlencoded")
        if not form:
            return
        name = form["schema"]["$ref"].rsplit("/", 1)[1]
        schema = self.spec["components"]["schemas"][name]
        raw = prepared.body.decode() if isinstance(prepared.body, bytes) else str(prepared.body or "")
        data = {k: v[0] for k, v in parse_qs(raw).items()}
        mapping = schema.get("discriminator", {}).get("mapping", {})
        target = mapping.get(data.get(schema.get("discriminator", {}).get("propertyName", "")), None)
        if target:
            root = {"$ref": target, "components": self.spec["components"]}
            errors = [e.message for e in OAS30Validator(root).iter_errors(data)]
            assert not errors, f"{op['operationId']}: {errors}"


@pytest.fixture(scope="session")
def spec_check(openapi_spec: dict[str, Any]) -> SpecCheck:
    return SpecCheck(openapi_spec)  # it fixes a copy


PIN = {"id": "813744226420795884", "board_id": "555"}
WINDOW = (date(2026, 1, 1), date(2026, 1, 4))


def scenario(client: PinterestClient, rsps: responses.RequestsMock) -> dict[str, Callable[[], object]]:
    """One call of every public client method (and the OAuth grants), with canned answers."""
    base = client.api_base
    page = {"items": [{"id": "1", "name": "A"}], "bookmark": None}
    rsps.get(f"{base}/user_account", json={"username": "u"})
    rsps.get(f"{base}/boards", json={"items": [{"id": "1", "name": "A"}], "bookmark": "next"})
    rsps.get(f"{base}/boards", json=page)
    rsps.post(f"{base}/boards", json={"id": "2", "name": "B"}, status=201)
    rsps.get(f"{base}/boards/555", json={"id": "555"})
    rsps.get(f"{base}/boards/555/sections", json=page)
    rsps.post(f"{base}/boards/555/sections", json={"id": "9", "name": "S"}, status=201)
    rsps.get(f"{base}/boards/555/pins", json=page)
    rsps.post(f"{base}/pins", json=PIN, status=201)
    rsps.get(f"{base}/pins/{PIN['id']}", json=PIN)
    rsps.delete(f"{base}/pins/{PIN['id']}", status=204)
    rsps.get(f"{base}/pins/{PIN['id']}/analytics", json={"all": {"daily_metrics": []}})
    rsps.get(f"{base}/pins/analytics", json={})
    rsps.get(f"{base}/user_account/analytics", json={"all": {"daily_metrics": []}})
    rsps.get(f"{base}/user_account/analytics/top_pins", json={"pins": []})
    rsps.get(f"{base}/user_account/websites", json={"items": [{"website": "shop.example"}], "bookmark": None})
    rsps.post(f"{base}/oauth/token", json=token_response(1))
    trend = {"keyword": "christmas gifts", "pct_growth_wow": 40, "time_series": {"2026-12-20": 100}}
    rsps.get(f"{base}/trends/keywords/US/top/seasonal", json={"trends": [trend]})
    image = PinImage(data=b"\x89PNG\r\n\x1a\n rendered", content_type="image/png")
    full = NewPin("555", "Title", "Description", "https://shop.example/?utm_content=pb-1", "Alt", image, "9")
    by_url = NewPin("555", "Title", "", "", "", PinImage(url="https://shop.example/a.jpg"))
    return {
        "get_user_account": client.get_user_account,
        "identify": client.identify,
        "list_boards": client.list_boards,
        "iter_boards": lambda: list(client.iter_boards(page_size=25, privacy="PUBLIC")),
        "create_board": lambda: client.create_board("B", "About B", "SECRET"),
        "get_board": lambda: client.get_board("555"),
        "list_board_sections": lambda: client.list_board_sections("555"),
        "create_board_section": lambda: client.create_board_section("555", "S"),
        "iter_board_pins": lambda: list(client.iter_board_pins("555")),
        "create_pin": lambda: (client.create_pin(full), client.create_pin(by_url)),
        "get_pin": lambda: client.get_pin(PIN["id"]),
        "delete_pin": lambda: client.delete_pin(PIN["id"]),
        "pin_analytics": lambda: client.pin_analytics(PIN["id"], *WINDOW),
        "multi_pin_analytics": lambda: client.multi_pin_analytics([PIN["id"], "813744226420795885"], *WINDOW),
        "account_analytics": lambda: client.account_analytics(*WINDOW),
        "top_pins": lambda: (
            client.top_pins("SAVE", *WINDOW, num_of_pins=10),
            client.top_pins("OUTBOUND_CLICK", *WINDOW, source="OTHER_PINS", claimed="CLAIMED"),
            client.top_pins("IMPRESSION", *WINDOW, source="OTHER_PINS", created_recently="30"),
        ),
        "account_analytics_earned": lambda: client.account_analytics(*WINDOW, source="OTHER_PINS", claimed="CLAIMED"),
        "list_websites": client.list_websites,
        "refresh_tokens": lambda: client.refresh_tokens(force=True),
        "trending_keywords": lambda: client.trending_keywords(
            "US", "seasonal", ["diy_and_crafts", "home_decor"], 25, ["gift", "mug"]
        ),
        "oauth.exchange_code": lambda: client.oauth.exchange_code("auth-code-1"),
    }


@pytest.mark.parametrize("api_base", ["https://api.pinterest.com/v5", SANDBOX])
def test_every_request_matches_the_spec(
    spec_check: SpecCheck, engine: Engine, clock: FakeClock, rsps: responses.RequestsMock, api_base: str
) -> None:
    client = make_client(engine, clock, PINTEREST_API_BASE=api_base)
    calls = scenario(client, rsps)
    public = {n for n in dir(PinterestClient) if not n.startswith("_") and callable(getattr(PinterestClient, n))}
    assert public <= set(calls), f"add these client methods to the scenario: {sorted(public - set(calls))}"
    for call in calls.values():
        call()
    operations = [spec_check.check(c.request) for c in rsps.calls]
    assert len(operations) == len(rsps.calls) >= 20
    assert {
        "user_account/get",
        "boards/list",
        "boards/create",
        "boards/get",
        "board_sections/list",
        "board_sections/create",
        "boards/list_pins",
        "pins/create",
        "pins/get",
        "pins/delete",
        "pins/analytics",
        "multi_pins/analytics",
        "user_account/analytics",
        "user_account/analytics/top_pins",
        "user_websites/get",
        "oauth/token",
        "trending_keywords/list",
    } <= set(operations)


def test_refresh_after_a_401_matches_the_spec(
    spec_check: SpecCheck, engine: Engine, clock: FakeClock, rsps: responses.RequestsMock
) -> None:
    client = make_client(engine, clock)
    rsps.get(f"{client.api_base}/user_account", status=401, json=error(2, "Authentication failed."))
    rsps.get(f"{client.api_base}/user_account", json={"username": "u"})
    rsps.post(f"{client.api_base}/oauth/token", json=token_response(1))
    client.get_user_account()
    assert [spec_check.check(c.request) for c in rsps.calls] == ["user_account/get", "oauth/token", "user_account/get"]


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "why"),
    [
        ("GET", "/boards", {"params": {"page_size": 300}}, "page_size"),
        ("GET", "/pins/analytics", {"params": {"pin_ids": "1,2", "start_date": "2026-01-01",
                                               "end_date": "2026-01-02", "metric_types": "SAVE"}}, "pin_ids"),
        ("POST", "/pins", {"json": {"board_id": "1", "media_source": {"source_type": "image_base64",
                                    "content_type": "image/gif", "data": "data:abc"}}}, "body"),
        ("GET", "/user_account", {"headers": {}}, "Bearer"),
        ("POST", "/oauth/token", {"data": {"grant_type": "refresh_token"}, "auth": (APP_ID, APP_SECRET)},
         "refresh_token"),
        ("POST", "/oauth/token", {"data": {"grant_type": "refresh_token", "refresh_token": "r"},
                                  "headers": {"Authorization": f"{APP_ID}:{APP_SECRET}"}}, "Basic"),
    ],
)  # fmt: skip
def test_the_spec_check_has_teeth(spec_check: SpecCheck, method: str, url: str, kwargs: dict, why: str) -> None:
    kwargs = dict(kwargs)
    headers = kwargs.pop("headers", {"Authorization": "Bearer pina_x"})
    prepared = requests.Request(method, f"{SPEC_SERVER}/v5{url}", headers=headers, **kwargs).prepare()
    with pytest.raises(Exception) as info:  # openapi-core's errors or our own AssertionError
        spec_check.check(prepared)
    assert why.lower() in f"{info.value} {getattr(info.value, '__cause__', '')}".lower()
