"""`PinterestClient`: the one way pinbot talks to the Pinterest API v5 (it satisfies `PinterestAPI`).

Owns: the endpoints pinbot uses (user account, boards and sections, pins, board pins with bookmark
pagination, pin/multi-pin/account analytics, top pins), authentication (stored tokens, proactive
refresh, one refresh after a 401), pacing by rate-limit category before every request, and
retries: GETs retry on 5xx, timeouts, connection errors and short rate-limit pauses with capped,
jittered exponential backoff (tenacity, sleeping through the injected clock); POST /pins is never
retried here, it raises `NotSent` or `MaybeSent` so the poster can reconcile.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

import requests
from sqlalchemy import Engine
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from pinbot.clock import Clock
from pinbot.config import Settings
from pinbot.errors import InvalidInput
from pinbot.logs import register_secrets
from pinbot.pinterest import analytics as an
from pinbot.pinterest import payloads as req
from pinbot.pinterest.errors import (
    BudgetExhausted,
    FeatureUnavailable,
    InsufficientScope,
    InvalidGrant,
    MaybeSent,
    NotSent,
    PinterestError,
    RateLimited,
    RequestRejected,
    SpamBlocked,
    Unauthorized,
)
from pinbot.pinterest.oauth import OAuthApp
from pinbot.pinterest.pacing import Pacer
from pinbot.pinterest.payloads import object_id as _id
from pinbot.pinterest.payloads import pin_body
from pinbot.pinterest.reach import ReachCalls
from pinbot.pinterest.tokens import TokenState, TokenStore
from pinbot.pinterest.transport import (
    REQUEST_ID_HEADER,
    TIMEOUT,
    BearerAuth,
    error_from_response,
    new_session,
    parse_retry_after,
    transport_error,
)
from pinbot.pinterest.trends import TrendsCalls
from pinbot.pinterest.types import DailyMetrics, NewPin
from pinbot.store.db import session_scope
from pinbot.store.models import Account
from pinbot.store.state import record_spam_block, spam_block

log = logging.getLogger(__name__)


class PinterestClient(TrendsCalls, ReachCalls):
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        account_id: int,
        clock: Clock,
        session: requests.Session | None = None,
        sleep: Callable[[float], object] | None = None,
        *,
        max_attempts: int = 4,
        max_backoff: float = 30.0,
        max_wait: float = 60.0,
    ) -> None:
        self.settings = settings
        # Library users (daemon, demo) may never configure logging: know the secrets regardless,
        # so an error message that echoes one is redacted too.
        register_secrets(settings.secrets)
        self.api_base = settings.api_base.rstrip("/")
        self.engine = engine
        self.account_id = account_id
        self.clock = clock
        self.session = session or new_session()
        self.sleep = sleep or clock.sleep
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self._backoff = wait_random_exponential(multiplier=0.5, max=max_backoff)
        self.tokens = TokenStore(
            engine, account_id, clock, seed_access=settings.access_token, seed_refresh=settings.refresh_token
        )
        self.pacer = Pacer(engine, account_id, settings.access_tier, clock, self.sleep, max_wait=max_wait)
        self.oauth = OAuthApp(settings, clock, self.session)
        self._state: TokenState | None = None
        self._multi_unavailable: str | None = None

    def __repr__(self) -> str:
        return f"PinterestClient(api_base={self.api_base!r}, account_id={self.account_id})"

    # --- authentication -------------------------------------------------------------------

    def _token(self) -> TokenState:
        if self._state is None:
            self._state = self.tokens.require()
        now = self.clock.now()
        if self._state.needs_refresh(now):
            try:
                self._state, _ = self.tokens.rotate(self.oauth.refresh)
            except PinterestError as exc:
                expires = self._state.access_expires_at
                if expires is not None and expires <= now:
                    raise
                # Refreshing ahead of time failed, but the access token still works: go on with it.
                log.warning("token refresh ahead of expiry failed (%s); using the current access token", exc)
        return self._state

    def refresh_tokens(self, *, force: bool = False) -> tuple[TokenState, bool]:
        """Refresh now (force) or only if due; single-flight across processes."""
        self._state, refreshed = self.tokens.rotate(self.oauth.refresh, force=force)
        return self._state, refreshed

    def identify(self) -> dict[str, Any]:
        """GET /user_account and remember the account's Pinterest id and username."""
        user = self.get_user_account()
        with session_scope(self.engine) as session:
            account = session.get(Account, self.account_id)
            if account is not None:
                account.pinterest_user_id = str(user.get("id") or "") or account.pinterest_user_id
                account.username = str(user.get("username") or "") or account.username
                session.add(account)
        return user

    # --- the request pipeline -------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        category: str,
        scopes: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        ok: tuple[int, ...] = (200,),
        retry: bool | None = None,
        timeout: tuple[float, float] | req.Deadline = TIMEOUT,
    ) -> Any:
        retry = method == "GET" if retry is None else retry
        state = self._token()
        refreshed = False
        while True:
            try:
                send = functools.partial(self._send, method, path, category, scopes, state, params, body, ok, timeout)
                return self._with_retries(retry, send)
            except Unauthorized as exc:
                # One refresh, then a clear error. A scope or grant problem is not cured by refreshing.
                if isinstance(exc, InsufficientScope | InvalidGrant):
                    raise
                if refreshed:
                    raise Unauthorized(
                        f"{method} {path}: Pinterest rejected the access token even after a refresh; "
                        f"run `pinbot auth login`",
                        status=exc.status,
                        code=exc.code,
                        request_id=exc.request_id,
                    ) from None
                log.info("%s %s: 401, refreshing the token once", method, path)
                state, _ = self.tokens.rotate(self.oauth.refresh, stale_access=state.access_token.get())
                self._state = state
                refreshed = True

    def _with_retries(self, retry: bool, attempt: Callable[[], Any]) -> Any:
        if not retry:
            return attempt()
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(self._retryable),
            sleep=self._pause,
            reraise=True,
            before_sleep=lambda rs: log.info(  # the caller reports a call that fails for good
                "retrying after %s (attempt %d)", rs.outcome.exception() if rs.outcome else "?", rs.attempt_number
            ),
        )
        return retrying(attempt)

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)

    def _retryable(self, exc: BaseException) -> bool:
        if isinstance(exc, BudgetExhausted):
            return False  # a spent budget resets later than we are willing to wait
        if isinstance(exc, RateLimited):
            return exc.retry_after <= self.max_wait  # the pacer sleeps out Pinterest's pause
        return isinstance(exc, NotSent | MaybeSent)

    def _wait(self, rs: RetryCallState) -> float:
        exc = rs.outcome.exception() if rs.outcome else None
        if isinstance(exc, RateLimited):
            return 0.0  # the Retry-After pause is recorded with the pacer, which waits it out
        backoff = float(self._backoff(rs))
        hint = exc.retry_after_hint if isinstance(exc, PinterestError) else None
        return backoff if hint is None else max(backoff, min(hint, self.max_wait))

    def _send(
        self,
        method: str,
        path: str,
        category: str,
        scopes: str,
        state: TokenState,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        ok: tuple[int, ...],
        timeout: tuple[float, float] | req.Deadline,
    ) -> Any:
        what = f"{method} {path}"
        self.pacer.acquire(category)
        timeout = req.fit(timeout, self.clock.now(), what)  # a claim past its lease is never sent
        try:
            resp = self.session.request(
                method,
                self.api_base + path,
                params=params,
                json=body,
                auth=BearerAuth(state.access_token.get()),
                timeout=timeout,
            )
        except requests.RequestException as exc:
            err = transport_error(exc, what)
            log.info("%s", err)  # raised: whoever called says what it means (one line, not two)
            raise err from None
        rid = resp.headers.get(REQUEST_ID_HEADER)
        log.debug("%s -> HTTP %s (request id %s)", what, resp.status_code, rid)
        self.pacer.observe(category, resp.headers)
        if resp.status_code in ok:
            if resp.status_code == 204 or not resp.content:
                return None
            try:
                return resp.json()
            except ValueError:
                raise MaybeSent(f"{what}: the answer was not JSON", status=resp.status_code, request_id=rid) from None
        err = error_from_response(
            resp,
            what,
            now=self.clock.now(),
            api_base=self.api_base,
            needed_scopes=scopes,
            granted_scopes=state.scopes,
        )
        log.info("%s", err)  # raised: whoever called says what it means (one line, not two)
        if isinstance(err, SpamBlocked):
            record_spam_block(self.engine, self.account_id, err.pinterest_message or "spam", self.clock.now())
        elif isinstance(err, RateLimited):
            self.pacer.block(category, err.retry_after)
        elif resp.status_code >= 500:
            err.retry_after_hint = parse_retry_after(resp.headers.get("Retry-After"), self.clock.now())
        raise err

    def _paginate(
        self, path: str, scopes: str, page_size: int, params: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        if not 1 <= page_size <= req.MAX_PAGE_SIZE:
            raise InvalidInput("page_size", f"must be 1 to {req.MAX_PAGE_SIZE}, got {page_size}")
        query: dict[str, Any] = {**(params or {}), "page_size": page_size}
        seen: set[str] = set()
        while True:
            data = self._call("GET", path, req.READ, scopes, params=query)
            yield from req.page_items(data, f"GET {path}")
            bookmark = data.get("bookmark")
            if not bookmark:
                return
            if bookmark in seen:
                raise PinterestError(f"GET {path}: Pinterest returned the same page bookmark twice; stopping")
            seen.add(bookmark)
            query["bookmark"] = bookmark

    # --- account and boards ---------------------------------------------------------------

    def get_user_account(self) -> dict[str, Any]:
        return dict(self._call("GET", "/user_account", req.READ, req.S_USER) or {})

    def iter_boards(self, page_size: int = req.MAX_PAGE_SIZE, privacy: str | None = None) -> Iterator[dict[str, Any]]:
        return self._paginate("/boards", req.S_BOARDS_READ, page_size, {"privacy": privacy} if privacy else None)

    def list_boards(self, privacy: str | None = None) -> list[dict[str, Any]]:
        return list(self.iter_boards(privacy=privacy))

    def get_board(self, board_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/boards/{_id(board_id, 'board_id')}", req.READ, req.S_BOARDS_READ) or {})

    def create_board(self, name: str, description: str = "", privacy: str = "PUBLIC") -> dict[str, Any]:
        if not name.strip() or len(name) > 180:
            raise InvalidInput("name", "a board name needs 1 to 180 characters")
        body: dict[str, Any] = {"name": name, "privacy": privacy}
        if description:
            body["description"] = description
        return dict(self._call("POST", "/boards", req.WRITE, req.S_BOARDS_WRITE, body=body, ok=(200, 201)) or {})

    def list_board_sections(self, board_id: str, page_size: int = req.MAX_PAGE_SIZE) -> list[dict[str, Any]]:
        return list(self._paginate(f"/boards/{_id(board_id, 'board_id')}/sections", req.S_BOARDS_READ, page_size))

    def create_board_section(self, board_id: str, name: str) -> dict[str, Any]:
        if not 1 <= len(name) <= 180:
            raise InvalidInput("section", "a section name needs 1 to 180 characters")
        path = f"/boards/{_id(board_id, 'board_id')}/sections"
        for attempt in range(self.max_attempts):
            try:
                made = self._call("POST", path, req.WRITE, req.S_BOARDS_WRITE, body={"name": name}, ok=(200, 201))
                return dict(made or {})
            except RequestRejected as exc:
                # 409: Pinterest could not lock the board; nothing was created, so trying again is safe.
                if exc.status != 409 or attempt + 1 == self.max_attempts:
                    raise
                self.sleep(1.0 + attempt)
        raise AssertionError("unreachable")

    # --- pins -----------------------------------------------------------------------------

    def create_pin(self, pin: NewPin) -> dict[str, Any]:
        """POST /pins once. NotSent: surely not created; MaybeSent: maybe created (reconcile)."""
        blocked = spam_block(self.engine, self.account_id)
        if blocked is not None:
            since, message = blocked
            raise SpamBlocked(
                f"posting is stopped for this account since {since:%Y-%m-%d %H:%M} UTC: Pinterest flagged "
                f"it as spam ({message}); check the account, then run `pinbot resume`"
            )
        made = self._call(
            "POST", "/pins", req.WRITE, req.S_PINS_WRITE, body=pin_body(pin), ok=(200, 201), timeout=req.limits(pin)
        )
        return req.created_pin(made)

    def get_pin(self, pin_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/pins/{_id(pin_id, 'pin_id')}", req.READ, req.S_PINS_READ) or {})

    def delete_pin(self, pin_id: str) -> None:
        self._call("DELETE", f"/pins/{_id(pin_id, 'pin_id')}", req.WRITE, req.S_PINS_WRITE, ok=(200, 204))

    def iter_board_pins(self, board_id: str, page_size: int = req.MAX_PAGE_SIZE) -> Iterator[dict[str, Any]]:
        return self._paginate(f"/boards/{_id(board_id, 'board_id')}/pins", req.S_PINS_READ, page_size)

    # --- analytics ------------------------------------------------------------------------

    def _today(self) -> date:
        return self.clock.now().date()

    def pin_analytics(self, pin_id: str, start: date, end: date) -> list[DailyMetrics]:
        an.check_window(start, end, self._today())
        params = {**an.date_params(start, end), "metric_types": an.pin_metric_types(), "app_types": "ALL"}
        path = f"/pins/{_id(pin_id, 'pin_id')}/analytics"
        data = self._call("GET", path, req.ANALYTICS, req.S_PINS_READ, params=params)
        return an.parse_daily(data)

    def multi_pin_analytics(self, pin_ids: Sequence[str], start: date, end: date) -> dict[str, list[DailyMetrics]]:
        """Beta endpoint; FeatureUnavailable (remembered for this client) when the app lacks it."""
        ids = an.check_pin_ids(pin_ids)
        an.check_window(start, end, self._today())
        if self._multi_unavailable:
            raise FeatureUnavailable(self._multi_unavailable)
        # pin_ids has the default form/explode style: one pin_ids=... per id; metric_types is explode=false.
        params = {
            "pin_ids": ids,
            **an.date_params(start, end),
            "metric_types": an.pin_metric_types(),
            "app_types": "ALL",
        }
        try:
            data = self._call("GET", "/pins/analytics", req.ANALYTICS, req.S_PINS_READ, params=params)
        except PinterestError as exc:  # however the beta is refused (403, 404, code 3): per-pin calls
            if isinstance(exc, RateLimited | NotSent | MaybeSent | InvalidGrant):
                raise  # a pause or an outage, not a refusal
            self._multi_unavailable = (
                f"multi-pin analytics is not enabled for this app ({exc.api_message}); using per-pin analytics"
            )
            raise FeatureUnavailable(
                self._multi_unavailable, status=exc.status, code=exc.code, request_id=exc.request_id
            ) from None
        return an.parse_multi(data, ids)
