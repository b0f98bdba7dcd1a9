"""Canary secrets: planted in every secret setting (and in the tokens Pinterest hands back), then
the client and the CLI run through success and failure paths. No canary may appear in any log
record (captured raw, before any redaction), any output, or any exception text, repr or chain."""

from __future__ import annotations

import json
import logging
import socket
import traceback
from collections.abc import Callable, Iterator
from datetime import date

import pytest
import requests
import responses
from sqlalchemy import Engine
from urllib3.exceptions import ProtocolError

from pinbot.clock import FakeClock
from pinbot.logs import RedactingFilter, redact
from pinbot.pinterest.client import PinterestClient
from pinbot.pinterest.types import NewPin, PinImage
from tests.conftest import Cli
from tests.pinterest_helpers import API, error, settings

# Deliberately not shaped like Pinterest tokens, so the pattern-based redaction cannot hide a leak.
APP_SECRET = "CanaryAppSecret-9x7Q"
ACCESS = "CanaryAccess-55aa"
REFRESH = "CanaryRefresh-77bb"
ROTATED_ACCESS = "CanaryRotatedAccess-11cc"
ROTATED_REFRESH = "CanaryRotatedRefresh-22dd"
CANARIES = (APP_SECRET, ACCESS, REFRESH, ROTATED_ACCESS, ROTATED_REFRESH)
ENV = {
    "PINTEREST_API_BASE": API,
    "PINTEREST_APP_ID": "1484000",
    "PINTEREST_APP_SECRET": APP_SECRET,
    "PINTEREST_ACCESS_TOKEN": ACCESS,
    "PINTEREST_REFRESH_TOKEN": REFRESH,
    "PINBOT_LOG_LEVEL": "DEBUG",
}
ROTATED = {
    "access_token": ROTATED_ACCESS,
    "refresh_token": ROTATED_REFRESH,
    "token_type": "bearer",
    "expires_in": 2592000,
    "refresh_token_expires_in": 5184000,
    "refresh_token_expires_at": 1_900_000_000,
    "scope": "boards:read boards:write pins:read pins:write user_accounts:read",
}


class Capture(logging.Handler):
    """Every record at DEBUG, formatted with its traceback, and no redaction of its own."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record) + (record.exc_text or ""))


@pytest.fixture
def captured() -> Iterator[Capture]:
    handler = Capture()
    names = ("", "pinbot", "urllib3", "requests", "tenacity")
    saved = {n: logging.getLogger(n).level for n in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    logging.getLogger("pinbot").addHandler(handler)  # the CLI turns propagation off for "pinbot"
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger("pinbot").removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def exception_texts(exc: BaseException) -> list[str]:
    texts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:  # the suppressed context too: it is still reachable
        seen.add(id(cur))
        texts += [str(cur), repr(cur), repr(cur.args)]
        cur = cur.__cause__ or cur.__context__
    return texts


def run_all(steps: list[Callable[[], object]]) -> tuple[list[str], int]:
    texts: list[str] = []
    failures = 0
    for step in steps:
        try:
            texts.append(repr(step()))
        except Exception as exc:
            failures += 1
            texts += exception_texts(exc)
    return texts, failures


def assert_clean(texts: list[str]) -> None:
    blob = "\n".join(texts)
    leaked = [c for c in CANARIES if c in blob]
    assert not leaked, f"secrets leaked: {leaked}"


def pin() -> NewPin:
    return NewPin("555", "Mug", "", "", "", PinImage(data=b"jpeg"))


def test_client_success_and_failure_paths_leak_nothing(
    engine: Engine, clock: FakeClock, rsps: responses.RequestsMock, captured: Capture
) -> None:
    from tests.pinterest_helpers import account_id

    s = settings(**{k: v for k, v in ENV.items() if k != "PINBOT_LOG_LEVEL"})
    client = PinterestClient(s, engine, account_id(engine), clock)
    token = f"{API}/oauth/token"
    rsps.get(f"{API}/user_account", json={"username": "u"})
    rsps.get(f"{API}/user_account", status=401, json=error(2, "Authentication failed."))
    rsps.post(token, json=ROTATED)
    rsps.get(f"{API}/user_account", json={"username": "u"})
    rsps.post(f"{API}/pins", status=500, json=error(0, "Internal error"))
    rsps.post(f"{API}/pins", body=requests.ConnectionError(ProtocolError("aborted", ConnectionResetError())))
    rsps.post(f"{API}/pins", status=429, json=error(8, "spam detected"))
    rsps.get(f"{API}/boards", status=401, json=error(3, "Missing scopes"))
    rsps.post(f"{API}/boards", status=403, json=error(29, "Use the sandbox"))
    # Pinterest echoing a token back in its message must still not leak it.
    rsps.get(f"{API}/pins/1", status=400, json=error(400, f"bad token {ROTATED_ACCESS} for {APP_SECRET}"))
    rsps.get(f"{API}/pins/2", status=401, json=error(2, "Authentication failed."))
    rsps.post(token, status=400, json=error(283, "The authorization grant is invalid"))
    rsps.get(f"{API}/pins/3", body=requests.ReadTimeout("read timed out"))
    steps: list[Callable[[], object]] = [
        client.get_user_account,
        client.get_user_account,  # 401 -> refresh -> rotated tokens -> retry
        lambda: client.create_pin(pin()),  # 500: MaybeSent
        lambda: client.create_pin(pin()),  # reset: MaybeSent
        lambda: client.create_pin(pin()),  # spam
        client.list_boards,  # code 3
        lambda: client.create_board("B"),  # code 29
        lambda: client.get_pin("1"),  # echoed secret
        lambda: client.get_pin("2"),  # 401 -> refresh fails with 283
        lambda: client.get_pin("3"),  # read timeouts until retries run out
        lambda: client.pin_analytics("1", date(2020, 1, 1), date(2020, 1, 2)),  # refused before sending
        lambda: client.oauth.exchange_code("code"),  # token endpoint mock used up: connection refused by responses
        lambda: client.tokens.load(),
        lambda: (client, client.tokens, client.pacer, client.oauth, client.settings, client.settings.describe()),
    ]
    texts, failures = run_all(steps)
    # A closed local port: a real connection error, with the Authorization header prepared.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client.api_base = f"http://127.0.0.1:{port}/v5"
    more, more_failures = run_all([lambda: client.create_pin(pin())])
    assert failures >= 10 and more_failures == 1  # the failure paths really ran
    assert any("refresh" in t for t in captured.texts) and len(captured.texts) >= 10
    assert_clean(texts + more + captured.texts)
    assert client.tokens.require().access_token.get() == ROTATED_ACCESS  # rotation did happen
    assert redact(f"x {ROTATED_REFRESH} y") == "x *** y"  # learnt tokens are registered for redaction


def test_cli_paths_leak_nothing(
    initialised_cli: Cli, rsps: responses.RequestsMock, captured: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = initialised_cli
    token = f"{API}/oauth/token"
    rsps.post(token, json=ROTATED)
    rsps.get(f"{API}/user_account", json={"username": "clayshop", "id": "1"})
    rsps.get(f"{API}/boards", json={"items": [], "bookmark": None})
    rsps.post(f"{API}/boards", status=401, json=error(3, "Missing scopes"))
    outputs: list[str] = []
    for args in (
        ("auth", "status"),
        ("auth", "status", "--json"),
        ("auth", "refresh", "--json"),
        ("auth", "status", "--check"),
        ("boards", "sync", "--dry-run"),
        ("boards", "sync", "--yes"),
        ("auth", "login", "--code", "c0de"),
        ("doctor", "--json"),
    ):
        result = cli(*args, **ENV)
        outputs.append(f"{args} -> {result.exit_code}\n{result.output}")
    rsps.replace(responses.POST, token, status=400, json=error(283, f"grant {ROTATED_REFRESH} is invalid"))
    failed = cli("auth", "refresh", **ENV)
    outputs.append(failed.output)
    assert failed.exit_code == 6 and "pinbot auth login" in failed.output
    assert any('"authenticated": true' in o for o in outputs)
    assert_clean(outputs + captured.texts)


def test_the_cli_log_filter_redacts_known_secrets() -> None:
    from pinbot.logs import register_secrets

    register_secrets([APP_SECRET])
    record = logging.LogRecord("pinbot.x", logging.INFO, __file__, 1, "secret is %s", (APP_SECRET,), None)
    assert RedactingFilter().filter(record)
    assert APP_SECRET not in record.getMessage() and "***" in record.getMessage()


def test_status_json_shape_has_no_token_fields(initialised_cli: Cli) -> None:
    data = json.loads(initialised_cli.ok("auth", "status", "--json", **ENV).stdout)
    assert not {k for k in data if "token" in k and k != "has_refresh_token"}
