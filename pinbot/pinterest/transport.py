"""HTTP plumbing shared by the API client and the OAuth helpers: failures into typed errors.

Owns: the `requests.Session` defaults, timeouts, deciding whether a failed request surely never
reached Pinterest (`NotSent`: DNS failure, connection refused, connect or pool timeout) or may have
been acted on (`MaybeSent`: read timeout, reset after sending, 5xx), parsing `Retry-After`, and
mapping an error response (`{"code", "message"}` plus `x-pinterest-rid`) onto the error family
with a message that says what to do. Nothing here ever formats a header or a token.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, EmptyPoolError, LocationParseError, NewConnectionError

from pinbot.config import SANDBOX_API_BASE
from pinbot.logs import redact
from pinbot.pinterest.errors import (
    ImageFetchFailed,
    InsufficientScope,
    InvalidGrant,
    MaybeSent,
    NotSent,
    PinterestError,
    RateLimited,
    RequestRejected,
    SpamBlocked,
    TrialAppProduction,
    Unauthorized,
)

USER_AGENT = "pinbot (+https://github.com/pinbot; Pinterest API v5 client)"
TIMEOUT = (5.0, 30.0)  # (connect, read) seconds
POST_PIN_TIMEOUT = (5.0, 60.0)  # a base64 image body takes longer to upload and process
TOKEN_TIMEOUT = (3.05, 10.0)  # short: the refresh holds the token row lock meanwhile
DEFAULT_RETRY_AFTER = 60.0
MAX_RETRY_AFTER = 24 * 3600.0
REQUEST_ID_HEADER = "x-pinterest-rid"

_NOT_SENT_CAUSES = (NewConnectionError, ConnectTimeoutError, EmptyPoolError, LocationParseError)


def new_session() -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    return session


class BearerAuth(requests.auth.AuthBase):
    """`Authorization: Bearer …` as an auth object, so requests never swaps in ~/.netrc credentials."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(***)"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        cur = todo.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        yield cur
        todo.extend(a for a in cur.args if isinstance(a, BaseException))
        for attr in ("reason", "__cause__", "__context__"):
            nxt = getattr(cur, attr, None)
            if isinstance(nxt, BaseException):
                todo.append(nxt)


def surely_not_sent(exc: requests.RequestException) -> bool:
    """True when the request bytes cannot have left: nothing can have been created."""
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.InvalidURL):
        return True
    if isinstance(exc, requests.exceptions.MissingSchema | requests.exceptions.InvalidSchema):
        return True
    return any(isinstance(c, _NOT_SENT_CAUSES) for c in _causes(exc))


def transport_error(exc: requests.RequestException, what: str) -> PinterestError:
    """A failure without a response, classified. `what` is e.g. 'POST /pins'."""
    if surely_not_sent(exc):
        kind = "connect timeout" if isinstance(exc, requests.exceptions.ConnectTimeout) else "could not connect"
        return NotSent(f"{what}: {kind}; the request never reached Pinterest")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return MaybeSent(f"{what}: no answer in time; Pinterest may have acted on it")
    return MaybeSent(f"{what}: connection lost ({type(exc).__name__}); Pinterest may have acted on it")


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date), capped at a day."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (when - now).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _body(resp: requests.Response) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def sandbox_hint(api_base: str) -> str:
    return (
        f"a trial app may only create pins in the sandbox: set PINTEREST_API_BASE={SANDBOX_API_BASE} "
        f"and use a sandbox token (pins made there are visible only to you), or apply for Standard "
        f"access (PINTEREST_API_BASE is now {api_base})"
    )


def pinterest_text(resp: requests.Response) -> str:
    """Pinterest's own words: `message` (and `message_detail`), redacted."""
    body = _body(resp)
    message = str(body.get("message") or resp.reason or "error").strip()
    detail = str(body.get("message_detail") or "").strip()
    return redact(f"{message} ({detail})" if detail else message)


def error_from_response(
    resp: requests.Response,
    what: str,
    *,
    now: datetime,
    api_base: str,
    needed_scopes: str = "",
    granted_scopes: tuple[str, ...] = (),
) -> PinterestError:
    """Map an error response to the error family; every message says what to do next."""
    err = _classify(resp, what, now, api_base, needed_scopes, granted_scopes)
    err.pinterest_message = pinterest_text(resp)
    return err


def _classify(
    resp: requests.Response, what: str, now: datetime, api_base: str, needed: str, granted: tuple[str, ...]
) -> PinterestError:
    status = resp.status_code
    body = _body(resp)
    raw_code = body.get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    message = str(body.get("message") or resp.reason or "error").strip()
    detail = str(body.get("message_detail") or "").strip()
    text = pinterest_text(resp)
    rid = resp.headers.get(REQUEST_ID_HEADER)
    meta: dict[str, Any] = {"status": status, "code": code, "request_id": rid}
    if status == 429:
        if "spam" in f"{message} {detail}".lower():
            return SpamBlocked(
                f"{what}: Pinterest flagged this account's activity as spam: {text}. Posting is stopped "
                f"for this account; check it on pinterest.com before clearing the block "
                f"(`pinbot resume`)",
                **meta,
            )
        wait = parse_retry_after(resp.headers.get("Retry-After"), now)
        return RateLimited(
            f"{what}: rate limited by Pinterest: {text}",
            retry_after=DEFAULT_RETRY_AFTER if wait is None else wait,
            **meta,
        )
    if status >= 500:
        return MaybeSent(f"{what}: Pinterest server error: {text}; it may have acted on the request", **meta)
    if code == 3:
        missing = [s for s in needed.split(",") if s and s not in granted] or needed.split(",")
        return InsufficientScope(
            f"{what}: the token lacks the scope(s) {', '.join(s for s in missing if s)}; "
            f"run `pinbot auth login` to grant them",
            **meta,
        )
    if code == 283:
        return InvalidGrant(
            f"{what}: the authorization grant is invalid or expired; run `pinbot auth login` again", **meta
        )
    if code == 29:
        return TrialAppProduction(f"{what}: {text}: {sandbox_hint(api_base)}", **meta)
    if status == 401:
        return Unauthorized(f"{what}: Pinterest rejected the access token: {text}", **meta)
    if code == 1 and "image" in message.lower():
        return ImageFetchFailed(
            f"{what}: {text}: Pinterest could not fetch the image_url; no pin was made, try again later",
            **meta,
        )
    return RequestRejected(f"{what}: {text}", **meta)
