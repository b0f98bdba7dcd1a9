"""OAuth 2.0 for the Pinterest app: authorize URL, one-shot local callback, token endpoint calls.

Owns: deriving the consent-page URL from PINTEREST_API_BASE, the random `state`, a listener on
127.0.0.1 that accepts exactly one callback (checks `state`, times out), parsing a pasted redirect
URL (headless servers), and the two token-endpoint grants (authorization code; refresh with
`continuous_refresh=true`), both with HTTP Basic client authentication and a form body.
Storing the tokens is `tokens.TokenStore`'s job.
"""

from __future__ import annotations

import html
import logging
import re
import secrets
import socket
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from requests.auth import HTTPBasicAuth

from pinbot.clock import Clock
from pinbot.config import SCOPES, Settings
from pinbot.errors import ConfigError, InvalidInput
from pinbot.logs import register_secrets
from pinbot.pinterest.errors import PinterestError
from pinbot.pinterest.transport import TOKEN_TIMEOUT, error_from_response, new_session, transport_error

log = logging.getLogger(__name__)

PINTEREST_AUTHORIZE_URL = "https://www.pinterest.com/oauth/"
PINTEREST_API_HOSTS = ("api.pinterest.com", "api-sandbox.pinterest.com")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def authorize_base(api_base: str) -> str:
    """Where the consent page lives for an API base.

    Production and the sandbox share Pinterest's page, https://www.pinterest.com/oauth/ (the
    sandbox only differs in the token you end up with). Any other base is a local emulator
    (e.g. http://127.0.0.1:8099/v5), which serves its own consent page at the same scheme, host
    and port: http://127.0.0.1:8099/oauth/.
    """
    parts = urlsplit(api_base)
    if parts.hostname in PINTEREST_API_HOSTS:
        return PINTEREST_AUTHORIZE_URL
    return f"{parts.scheme}://{parts.netloc}/oauth/"


def token_url(api_base: str) -> str:
    return api_base.rstrip("/") + "/oauth/token"


def new_state() -> str:
    return secrets.token_urlsafe(24)


def _require_app(settings: Settings) -> None:
    if not settings.app_id or not settings.app_secret:
        raise ConfigError(
            "PINTEREST_APP_ID and PINTEREST_APP_SECRET: both are needed for OAuth (developers.pinterest.com > My apps)"
        )


def build_authorize_url(settings: Settings, state: str) -> str:
    _require_app(settings)
    query = urlencode(
        {
            "client_id": settings.app_id,
            "redirect_uri": settings.redirect_uri,
            "response_type": "code",
            "scope": SCOPES,
            "state": state,
        }
    )
    return f"{authorize_base(settings.api_base)}?{query}"


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]+")


def plain_text(value: str, limit: int = 200) -> str:
    """Text from outside (a callback's error_description) made safe to print: no terminal escape
    sequences, control or text-direction characters, one line, at most `limit` characters."""
    text = " ".join(_UNSAFE.sub(" ", value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def code_from_redirect(url: str, expected_state: str | None) -> str:
    """The `code` of a redirect URL (pasted or received), after checking `state` when we know it."""
    query = parse_qs(urlsplit(url.strip()).query)
    if "error" in query:
        reason = plain_text(query.get("error_description", query["error"])[0]) or "no reason given"
        raise PinterestError(f"authorization was not granted: {reason}")
    code = (query.get("code") or [""])[0]
    if not code:
        raise InvalidInput("redirect URL", "has no `code` parameter; paste the whole URL the browser ended on")
    if expected_state is not None and not secrets.compare_digest((query.get("state") or [""])[0], expected_state):
        raise InvalidInput("state", "does not match this login attempt; start `pinbot auth login` again")
    return code


class OAuthApp:
    """The app's side of the token endpoint (client id + secret)."""

    def __init__(self, settings: Settings, clock: Clock, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.session = session or new_session()
        register_secrets(settings.secrets)

    def __repr__(self) -> str:
        return f"OAuthApp(app_id={self.settings.app_id!r}, api_base={self.settings.api_base!r})"

    def exchange_code(self, code: str) -> dict[str, Any]:
        """grant_type=authorization_code; `redirect_uri` must equal the one used to authorize."""
        return self._post(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": self.settings.redirect_uri},
            "exchanging the authorization code",
        )

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if self.settings.continuous_refresh:
            data["continuous_refresh"] = "true"
        return self._post(data, "refreshing the token")

    def _post(self, data: Mapping[str, str], what: str) -> dict[str, Any]:
        _require_app(self.settings)
        auth = HTTPBasicAuth(self.settings.app_id, self.settings.app_secret.get())
        where = f"POST /oauth/token ({what})"
        try:
            resp = self.session.post(token_url(self.settings.api_base), data=data, auth=auth, timeout=TOKEN_TIMEOUT)
        except requests.RequestException as exc:
            raise transport_error(exc, where) from None
        if resp.status_code == 200:
            try:
                payload = resp.json()
            except ValueError:
                payload = None
            if isinstance(payload, dict):
                return payload
            raise PinterestError(f"{where}: the answer was not a JSON object", status=200)
        err = error_from_response(resp, where, now=self.clock.now(), api_base=self.settings.api_base)
        if resp.status_code == 401 and err.code not in (3, 283):
            err = type(err)(
                f"{where}: Pinterest rejected the app credentials: check PINTEREST_APP_ID and PINTEREST_APP_SECRET",
                status=err.status,
                code=err.code,
                request_id=err.request_id,
            )
        raise err


class CallbackListener:
    """Listens on the redirect URI's loopback port for exactly one OAuth callback.

    Bind first (`with CallbackListener(uri) as cb:`), then send the user to the consent page, then
    `cb.wait(state, timeout)`: requests to other paths (a browser's /favicon.ico) get a 404 and
    are ignored; the first request to the callback path decides.
    """

    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
            raise ConfigError(
                f"PINTEREST_REDIRECT_URI: pinbot can only listen on http://127.0.0.1:PORT/..., got "
                f"{redirect_uri!r}; on a headless server use `pinbot auth login --paste`"
            )
        self.host = "127.0.0.1" if parts.hostname in ("localhost", "127.0.0.1") else "::1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.server: HTTPServer | None = None
        self._hits: list[str] = []
        self.expected_state: str | None = None  # set by wait(): the page tells the truth about it

    def __enter__(self) -> CallbackListener:
        hits = self._hits
        path = self.path
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if urlsplit(self.path).path != path:
                    self.send_error(404)
                    return
                hits.append(self.path)
                try:
                    code_from_redirect(f"http://127.0.0.1{self.path}", listener.expected_state)
                    ok, reason = True, ""
                except (PinterestError, InvalidInput) as exc:
                    ok, reason = False, plain_text(str(exc))
                body = (
                    "<h1>pinbot received the authorization</h1><p>You can close this tab; the terminal "
                    "says when the login is complete.</p>"
                    if ok
                    else f"<h1>pinbot: login failed</h1><p>{html.escape(reason)}</p>"
                    "<p>Nothing was connected. Run <code>pinbot auth login</code> again.</p>"
                )
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, format: str, *args: Any) -> None:
                # The default handler prints the request line (with the code) to stderr.
                return None

        server_cls = HTTPServer
        if self.host == "::1":

            class V6Server(HTTPServer):
                address_family = socket.AF_INET6

            server_cls = V6Server
        try:
            self.server = server_cls((self.host, self.port), Handler)
        except OSError as exc:
            raise ConfigError(
                f"PINTEREST_REDIRECT_URI: cannot listen on {self.host}:{self.port} ({exc.strerror}); "
                f"free the port or use `pinbot auth login --paste`"
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.server_close()
            self.server = None

    def wait(self, state: str, timeout: float, *, monotonic: Callable[[], float] = time.monotonic) -> str:
        """The authorization code of the one callback, or an error after `timeout` seconds."""
        assert self.server is not None, "use CallbackListener as a context manager"
        self.expected_state = state
        deadline = monotonic() + timeout
        while not self._hits:
            left = deadline - monotonic()
            if left <= 0:
                raise PinterestError(
                    f"no OAuth callback arrived within {timeout:.0f} s; run `pinbot auth login` again "
                    f"(or `pinbot auth login --paste` on a server without a browser)"
                )
            self.server.timeout = min(left, 0.5)
            self.server.handle_request()
        return code_from_redirect(f"http://{self.host}{self._hits[0]}", state)


def local_login(
    settings: Settings,
    app: OAuthApp,
    open_url: Callable[[str], object],
    *,
    timeout: float = 300.0,
) -> dict[str, Any]:
    """The whole browser flow: listen, send the user to the consent page, take one callback,
    exchange the code. Returns the token response for `TokenStore.save_grant`.
    `open_url` shows or opens the URL (the CLI prints it and starts a browser; the demo follows
    it with an HTTP client)."""
    state = new_state()
    url = build_authorize_url(settings, state)
    with CallbackListener(settings.redirect_uri) as listener:
        open_url(url)
        code = listener.wait(state, timeout)
    return app.exchange_code(code)
