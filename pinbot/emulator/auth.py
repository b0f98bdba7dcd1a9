"""OAuth as Pinterest does it (docs/pinterest-api.md): the authorize page, POST /v5/oauth/token, Bearer checks.

- `GET /oauth/?client_id&redirect_uri&response_type=code&scope&state` consents at once and
  redirects (302) to `redirect_uri?code=...&state=...` (`consent=deny` redirects with
  `error=access_denied`). Codes are single-use, bound to the redirect URI, valid 10 minutes.
- The token endpoint needs HTTP Basic `app_id:app_secret` (401 code 2 otherwise) and a form body:
  `authorization_code` (code + the same redirect_uri), `refresh_token` (rotating: every refresh
  returns a new refresh token and the old one dies; `continuous_refresh`/`refresh_on` accepted) or
  `client_credentials`. A bad, used, rotated or expired grant is 400 code 283 "The authorization
  grant is invalid". Access tokens (`pina_...`) live 30 days, refresh tokens (`pinr_...`) 60 days
  from their issue, on the emulator's clock.
- Bearer failures are 401: code 2 "Authentication failed." (missing, unknown, expired) or code 3
  (a scope the endpoint needs is missing). Messages never contain a token.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape
from urllib.parse import urlencode, urlsplit

from pinbot.emulator.protocol import ApiError, Request, Response
from pinbot.emulator.state import AuthCode, Store, Token

ACCESS_TTL = 30 * 86400
REFRESH_TTL = 60 * 86400
CODE_TTL = 600
DEFAULT_SCOPE = "user_accounts:read boards:read boards:write pins:read pins:write"
KNOWN_SCOPES = frozenset(
    [
        "ads:read",
        "ads:write",
        "billing:read",
        "billing:write",
        "biz_access:read",
        "biz_access:write",
        "boards:read",
        "boards:read_secret",
        "boards:write",
        "boards:write_secret",
        "catalogs:read",
        "catalogs:write",
        "pins:read",
        "pins:read_secret",
        "pins:write",
        "pins:write_secret",
        "user_accounts:read",
        "user_accounts:write",
    ]
)
INVALID_GRANT = "The authorization grant is invalid"


def normalise_scope(raw: str) -> str:
    parts = [p for p in raw.replace(",", " ").split() if p]
    unknown = [p for p in parts if p not in KNOWN_SCOPES]
    if unknown:
        raise ApiError(400, 400, f"Invalid scope: {', '.join(unknown)}")
    return " ".join(dict.fromkeys(parts))


class Auth:
    def __init__(
        self,
        store: Store,
        app_id: str,
        app_secret: str,
        now: Callable[[], datetime],
        *,
        access_ttl: int = ACCESS_TTL,
        refresh_ttl: int = REFRESH_TTL,
    ) -> None:
        self.store = store
        self.app_id = app_id
        self._app_secret = app_secret
        self.now = now
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"Auth(app_id={self.app_id!r}, app_secret='***')"

    # -- the authorize page -------------------------------------------------------------------
    def authorize(self, req: Request) -> Response:
        client_id = req.arg("client_id", "")
        redirect_uri = req.arg("redirect_uri", "") or ""
        if client_id != self.app_id:
            return _page(400, "Unknown client_id: this app is not registered with the emulator.")
        if urlsplit(redirect_uri).scheme not in ("http", "https"):
            return _page(400, "redirect_uri is missing or not an http(s) URL.")
        if req.arg("response_type") != "code":
            return _page(400, "response_type must be code.")
        try:
            scope = normalise_scope(req.arg("scope", "") or "")
        except ApiError as exc:
            return _page(400, exc.message)
        params: dict[str, str] = {}
        if req.arg("consent") == "deny":
            params["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(24)
            expires = self.now() + timedelta(seconds=CODE_TTL)
            self.store.codes[code] = AuthCode(code, redirect_uri, scope or DEFAULT_SCOPE, expires)
            self.store.save()
            params["code"] = code
        state = req.arg("state")
        if state is not None:
            params["state"] = state
        sep = "&" if urlsplit(redirect_uri).query else "?"
        return Response(302, headers={"Location": redirect_uri + sep + urlencode(params)})

    # -- POST /v5/oauth/token -------------------------------------------------------------------
    def token(self, req: Request) -> Response:
        self._check_basic(req.headers.get("authorization", ""))
        form = req.form()
        grant = form.get("grant_type", "")
        if grant == "authorization_code":
            body = self._code_grant(form)
        elif grant == "refresh_token":
            body = self._refresh_grant(form)
        elif grant == "client_credentials":
            scope = normalise_scope(form.get("scope", ""))
            if not scope:
                raise ApiError(400, 400, "Invalid parameters: scope is required for client_credentials.")
            access = self._issue("access", scope, self.access_ttl)
            body = {**self._access_fields(access), "response_type": "client_credentials"}
        else:
            raise ApiError(400, 400, "Invalid parameters: grant_type must be authorization_code or refresh_token.")
        self.store.save()
        return Response(200, body)

    def _check_basic(self, header: str) -> None:
        scheme, _, encoded = header.partition(" ")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        client_id, _, client_secret = decoded.partition(":")
        ok = (
            scheme.lower() == "basic"
            and hmac.compare_digest(client_id.encode(), self.app_id.encode())
            and hmac.compare_digest(client_secret.encode(), self._app_secret.encode())
        )
        if not ok:
            raise ApiError(401, 2, "Authentication failed: HTTP Basic client credentials are missing or wrong.")

    def _code_grant(self, form: dict[str, str]) -> dict[str, object]:
        code = self.store.codes.get(form.get("code", ""))
        now = self.now()
        if code is None or code.used or code.expires_at <= now or code.redirect_uri != form.get("redirect_uri"):
            raise ApiError(400, 283, INVALID_GRANT)
        code.used = True
        return self._pair(code.scope, "authorization_code")

    def _refresh_grant(self, form: dict[str, str]) -> dict[str, object]:
        old = self.store.tokens.get(form.get("refresh_token", ""))
        if old is None or old.kind != "refresh" or old.revoked or old.expires_at <= self.now():
            raise ApiError(400, 283, INVALID_GRANT)
        scope = old.scope
        if form.get("scope"):
            wanted = normalise_scope(form["scope"])
            if not set(wanted.split()) <= set(old.scope.split()):
                raise ApiError(400, 283, INVALID_GRANT)
            scope = wanted
        old.revoked = True  # rotation: the old refresh token is dead from now on
        self.refreshes += 1
        return self._pair(scope, "refresh_token")

    def _pair(self, scope: str, response_type: str) -> dict[str, object]:
        access = self._issue("access", scope, self.access_ttl)
        refresh = self._issue("refresh", scope, self.refresh_ttl)
        return {
            **self._access_fields(access),
            "response_type": response_type,
            "refresh_token": refresh.value,
            "refresh_token_expires_in": self.refresh_ttl,
            "refresh_token_expires_at": int(refresh.expires_at.timestamp()),
        }

    def _access_fields(self, access: Token) -> dict[str, object]:
        return {
            "access_token": access.value,
            "token_type": "bearer",
            "expires_in": self.access_ttl,
            "scope": access.scope,
        }

    def _issue(self, kind: str, scope: str, ttl: int) -> Token:
        prefix = "pina_" if kind == "access" else "pinr_"
        token = Token(prefix + secrets.token_urlsafe(32), kind, scope, self.now() + timedelta(seconds=ttl))
        self.store.tokens[token.value] = token
        return token

    def mint(self, scope: str = DEFAULT_SCOPE, *, access_ttl: int | None = None) -> dict[str, object]:
        """A fresh access + refresh pair without the browser dance (tests, demo, control endpoint)."""
        body = self._pair(normalise_scope(scope), "authorization_code")
        if access_ttl is not None:
            access = self.store.tokens[str(body["access_token"])]
            access.expires_at = self.now() + timedelta(seconds=access_ttl)
            body["expires_in"] = access_ttl
        self.store.save()
        return body

    # -- Bearer checks ---------------------------------------------------------------------------
    def bearer_value(self, req: Request) -> str:
        scheme, _, value = req.headers.get("authorization", "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" else ""

    def check_bearer(self, req: Request, scopes: tuple[str, ...]) -> Token:
        token = self.store.tokens.get(self.bearer_value(req))
        if token is None or token.kind != "access":
            raise ApiError(401, 2, "Authentication failed.")
        if token.revoked or token.expires_at <= self.now():
            raise ApiError(401, 2, "Authentication failed: the access token has expired.")
        missing = [s for s in scopes if s not in token.scope.split()]
        if missing:
            raise ApiError(401, 3, f"Authentication failed: the token lacks required scopes: {', '.join(missing)}.")
        return token

    def expire(self, req: Request) -> None:
        """Expire the presented access token now (the `expired_token` fault)."""
        token = self.store.tokens.get(self.bearer_value(req))
        if token is not None and token.kind == "access":
            token.revoked = True
            self.store.save()


def _page(status: int, message: str) -> Response:
    html = f"<!doctype html><title>Pinterest emulator</title><p>{escape(message)}</p>"
    return Response(status, content_type="text/html; charset=utf-8", raw=html.encode("utf-8"))
