"""The Pinterest error family: every failure of a call, classified for the poster.

Each carries the HTTP status, Pinterest's own `code`, its message and the `x-pinterest-rid`
request id (support asks for it). None ever carries a token. The poster decides what to do from
the class alone (see docs/posting-exactly-once.md):
- `NotSent`: the request surely never reached Pinterest; safe to try again.
- `MaybeSent`: it may have been acted on (read timeout, reset, 5xx); reconcile before any retry.
- `RateLimited`: not acted on; wait `retry_after` seconds.
- `SpamBlocked`: a 429 that is a spam block, not a quota: stop posting for the account.
- `Unauthorized`: 401; `InvalidGrant`: the refresh token is dead (code 283), log in again.
- `InsufficientScope` (code 3), `TrialAppProduction` (code 29), `RequestRejected` (other 4xx).
- `FeatureUnavailable`: the app lacks a beta endpoint (multi-pin analytics).
"""

from __future__ import annotations

from pinbot.errors import PinbotError


class PinterestError(PinbotError):
    exit_code = 6
    # Seconds Pinterest suggested waiting (a Retry-After on a 5xx); None when it said nothing.
    retry_after_hint: float | None = None
    # Pinterest's own words (message and message_detail, redacted), without pinbot's advice around them.
    pinterest_message: str | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.api_message = message
        self.request_id = request_id
        super().__init__(self._render())

    def _render(self) -> str:
        bits = [self.api_message]
        meta = []
        if self.status is not None:
            meta.append(f"HTTP {self.status}")
        if self.code is not None:
            meta.append(f"code {self.code}")
        if self.request_id:
            meta.append(f"request id {self.request_id}")
        if meta:
            bits.append(f"({', '.join(meta)})")
        return "Pinterest: " + " ".join(bits)


class NotSent(PinterestError):
    """Connection refused, DNS failure, connect or pool timeout: nothing reached Pinterest."""


class MaybeSent(PinterestError):
    """The request may have been acted on: read timeout, connection reset after send, 5xx."""


class RateLimited(PinterestError):
    def __init__(self, message: str, *, retry_after: float, **kwargs: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class SpamBlocked(PinterestError):
    """Pinterest flagged the account's activity as spam. Never retried automatically."""


class Unauthorized(PinterestError):
    """401: the access token is missing, expired or revoked."""


class InvalidGrant(Unauthorized):
    """Code 283: the refresh token is invalid or expired; run `pinbot auth login` again."""


class InsufficientScope(Unauthorized):
    """Code 3: the token lacks a scope this call needs."""


class TrialAppProduction(PinterestError):
    """Code 29: a trial app tried to write to production; use the sandbox API base."""


class RequestRejected(PinterestError):
    """400/403/404/409 and other 4xx: Pinterest refused this request as it stands."""


class FeatureUnavailable(PinterestError):
    """The app has no access to a beta endpoint (e.g. multi-pin analytics)."""


class NotAuthenticated(PinterestError):
    """No token is stored for the account; run `pinbot auth login`."""


# Extensions (added with the client; the classes above are the contract).


class ImageFetchFailed(NotSent):
    """Code 1 on POST /pins with image_url: Pinterest could not fetch the image; no pin was made.

    Transient in practice (the same URL often works minutes later), so it is a `NotSent`."""


class BudgetExhausted(RateLimited):
    """pinbot's own per-category budget (or a Pinterest rate-limit hint) is spent: nothing was sent."""

    def __init__(self, message: str, *, retry_after: float, category: str) -> None:
        self.category = category
        super().__init__(message, retry_after=retry_after)


class ClaimExpired(NotSent):
    """The poster's claim is older than its lease by the time the request could leave (the worker
    was frozen, or waited too long for its turn): nothing was sent, reconcile owns the pin now."""
