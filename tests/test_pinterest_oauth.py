"""OAuth helpers: authorize URL, state checks, the one-shot 127.0.0.1 callback, token grants."""

from __future__ import annotations

import base64
import socket
import threading
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from pinbot.clock import FakeClock
from pinbot.config import SCOPES
from pinbot.errors import ConfigError, InvalidInput
from pinbot.pinterest.errors import InvalidGrant, PinterestError, Unauthorized
from pinbot.pinterest.oauth import (
    CallbackListener,
    OAuthApp,
    authorize_base,
    build_authorize_url,
    code_from_redirect,
    local_login,
    new_state,
)
from tests.pinterest_helpers import API, APP_ID, APP_SECRET, REFRESH, error, settings, token_response

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> int:
    try:
        with NO_PROXY.open(url, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@pytest.mark.parametrize(
    ("api_base", "expected"),
    [
        ("https://api.pinterest.com/v5", "https://www.pinterest.com/oauth/"),
        ("https://api-sandbox.pinterest.com/v5", "https://www.pinterest.com/oauth/"),
        ("http://127.0.0.1:8099/v5", "http://127.0.0.1:8099/oauth/"),
        ("http://localhost:7000/v5", "http://localhost:7000/oauth/"),
    ],
)
def test_authorize_base_follows_the_api_base(api_base: str, expected: str) -> None:
    assert authorize_base(api_base) == expected


def test_authorize_url_carries_the_scopes_and_a_random_state() -> None:
    state = new_state()
    assert len(state) >= 30 and state != new_state()
    url = build_authorize_url(settings(), state)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.pinterest.com/oauth/"
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert q == {
        "client_id": APP_ID,
        "redirect_uri": "http://127.0.0.1:8085/callback",
        "response_type": "code",
        "scope": SCOPES,
        "state": state,
    }
    assert SCOPES == "user_accounts:read,boards:read,boards:write,pins:read,pins:write"


def test_authorize_url_needs_the_app_credentials() -> None:
    with pytest.raises(ConfigError, match="PINTEREST_APP_ID"):
        build_authorize_url(settings(PINTEREST_APP_ID=""), "s")


def test_code_from_redirect_checks_state() -> None:
    url = "http://127.0.0.1:8085/callback?code=abc&state=s1"
    assert code_from_redirect(url, "s1") == "abc"
    assert code_from_redirect(url, None) == "abc"
    with pytest.raises(InvalidInput, match="state"):
        code_from_redirect(url, "other")
    with pytest.raises(InvalidInput, match="no `code`"):
        code_from_redirect("http://127.0.0.1:8085/callback?state=s1", "s1")
    with pytest.raises(PinterestError, match="not granted: access_denied"):
        code_from_redirect("http://127.0.0.1:8085/callback?error=access_denied&state=s1", "s1")


def test_code_exchange_uses_basic_auth_and_a_form_body(rsps: responses.RequestsMock) -> None:
    rsps.post(f"{API}/oauth/token", json=token_response(1))
    payload = OAuthApp(settings(), FakeClock()).exchange_code("the-code")
    assert payload["access_token"] == "pina_rotated_access_0001"
    request = rsps.calls[0].request
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{APP_ID}:{APP_SECRET}".encode()).decode()
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body) == {
        "grant_type": ["authorization_code"],
        "code": ["the-code"],
        "redirect_uri": ["http://127.0.0.1:8085/callback"],
    }


@pytest.mark.parametrize(("flag", "sent"), [("true", True), ("false", False)])
def test_refresh_asks_for_continuous_refresh(rsps: responses.RequestsMock, flag: str, sent: bool) -> None:
    rsps.post(f"{API}/oauth/token", json=token_response(1))
    OAuthApp(settings(PINTEREST_CONTINUOUS_REFRESH=flag), FakeClock()).refresh(REFRESH)
    form = parse_qs(rsps.calls[0].request.body)
    assert form["grant_type"] == ["refresh_token"] and form["refresh_token"] == [REFRESH]
    assert ("continuous_refresh" in form) is sent
    if sent:
        assert form["continuous_refresh"] == ["true"]


def test_token_endpoint_errors_are_actionable(rsps: responses.RequestsMock) -> None:
    app = OAuthApp(settings(), FakeClock())
    rsps.post(f"{API}/oauth/token", status=400, json=error(283, "The authorization grant is invalid"))
    rsps.post(f"{API}/oauth/token", status=401, json=error(2, "Authentication failed."))
    with pytest.raises(InvalidGrant, match="run `pinbot auth login` again"):
        app.refresh(REFRESH)
    with pytest.raises(Unauthorized, match="PINTEREST_APP_ID and PINTEREST_APP_SECRET"):
        app.exchange_code("c")


def test_callback_listener_takes_one_callback_and_ignores_other_paths() -> None:
    port = free_port()
    statuses: list[int] = []
    with CallbackListener(f"http://127.0.0.1:{port}/callback") as listener:

        def browser() -> None:
            statuses.append(get(f"http://127.0.0.1:{port}/favicon.ico"))
            statuses.append(get(f"http://127.0.0.1:{port}/callback?code=c0de&state=st"))

        thread = threading.Thread(target=browser)
        thread.start()
        assert listener.wait("st", timeout=10) == "c0de"
        thread.join(5)
    assert statuses == [404, 200]


def test_callback_with_a_wrong_state_is_refused() -> None:
    port = free_port()
    with CallbackListener(f"http://127.0.0.1:{port}/callback") as listener:
        thread = threading.Thread(target=get, args=(f"http://127.0.0.1:{port}/callback?code=c&state=forged",))
        thread.start()
        with pytest.raises(InvalidInput, match="state"):
            listener.wait("st", timeout=10)
        thread.join(5)


def test_callback_listener_times_out() -> None:
    ticks = iter([0.0, 0.99, 99.0])  # one 10 ms poll, then past the deadline
    with (
        CallbackListener(f"http://127.0.0.1:{free_port()}/callback") as listener,
        pytest.raises(PinterestError, match="no OAuth callback arrived within 1 s"),
    ):
        listener.wait("st", timeout=1, monotonic=lambda: next(ticks))


def test_callback_listener_refuses_remote_redirects_and_busy_ports() -> None:
    with pytest.raises(ConfigError, match="--paste"):
        CallbackListener("https://shop.example/callback")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match="cannot listen"), CallbackListener(f"http://127.0.0.1:{port}/cb"):
            pass


def test_local_login_runs_the_whole_browser_flow(rsps: responses.RequestsMock) -> None:
    port = free_port()
    rsps.post(f"{API}/oauth/token", json=token_response(3))
    s = settings(PINTEREST_REDIRECT_URI=f"http://127.0.0.1:{port}/callback")
    threads: list[threading.Thread] = []

    def consent_page(url: str) -> None:
        # What Pinterest does after the user approves: redirect to redirect_uri with code and state.
        q = parse_qs(urlsplit(url).query)
        target = f"{q['redirect_uri'][0]}?code=granted-code&state={q['state'][0]}"
        threads.append(threading.Thread(target=get, args=(target,)))
        threads[-1].start()

    payload = local_login(s, OAuthApp(s, FakeClock()), consent_page, timeout=10)
    threads[0].join(5)
    assert payload["access_token"] == "pina_rotated_access_0003"
    assert parse_qs(rsps.calls[0].request.body)["code"] == ["granted-code"]
