"""Request pipeline of the emulated /v5 API: route, faults, auth, rate limit, handler, after-faults.

Routes carry the operation's `x-ratelimit-category` and the OAuth scopes the spec lists for it.
Every answer gets an `x-pinterest-rid`. One lock serialises the work on the state (an emulator
needs determinism more than throughput); latency faults wait outside it, in the server.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pinbot.emulator.analytics import Analytics
from pinbot.emulator.auth import Auth
from pinbot.emulator.faults import AFTER_KINDS, Fault, FaultBook
from pinbot.emulator.limits import RATE_LIMIT_MESSAGE, RateLimiter
from pinbot.emulator.protocol import ApiError, Request, Response
from pinbot.emulator.reach import Reach
from pinbot.emulator.resources import Resources
from pinbot.emulator.trends import trending_keywords

log = logging.getLogger(__name__)

READ_BOARDS = ("boards:read",)
WRITE_BOARDS = ("boards:read", "boards:write")
READ_PINS = ("boards:read", "pins:read")
WRITE_PINS = ("boards:read", "boards:write", "pins:read", "pins:write")
USER = ("user_accounts:read",)
TOP_PINS = ("pins:read", "user_accounts:read")
TRIAL_29_MESSAGE = (
    "Apps with Trial access may not create Pins in production https://api.pinterest.com - "
    "use API Sandbox https://api-sandbox.pinterest.com instead."
)
SPAM_MESSAGE = (
    "Your request was blocked: this activity looks like spam. Saving many Pins that link to the same "
    "site in a short time can trigger a block, which usually lifts within 24 hours."
)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    name: str
    category: str
    scopes: tuple[str, ...] | None  # None: no Bearer token (the token endpoint uses Basic auth)


def _route(method: str, path: str, name: str, category: str, scopes: tuple[str, ...] | None) -> Route:
    regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "/?$"
    return Route(method, re.compile(regex), name, category, scopes)


# Order matters: /pins/analytics before /pins/{pin_id}. Categories from the spec's x-ratelimit-category.
ROUTES = (
    _route("POST", "/oauth/token", "token", "org_read", None),
    _route("GET", "/user_account", "user_account", "org_read", USER),
    _route("GET", "/user_account/analytics", "account_analytics", "org_analytics", USER),
    _route("GET", "/user_account/analytics/top_pins", "top_pins", "org_analytics", TOP_PINS),
    _route("GET", "/user_account/websites", "websites", "org_read", USER),
    _route("GET", "/boards", "list_boards", "org_read", READ_BOARDS),
    _route("POST", "/boards", "create_board", "org_write", WRITE_BOARDS),
    _route("GET", "/boards/{board_id}", "get_board", "org_read", READ_BOARDS),
    _route("GET", "/boards/{board_id}/sections", "list_sections", "org_read", READ_BOARDS),
    _route("POST", "/boards/{board_id}/sections", "create_section", "org_write", WRITE_BOARDS),
    _route("GET", "/boards/{board_id}/pins", "board_pins", "org_read", READ_PINS),
    _route("POST", "/pins", "create_pin", "org_write", WRITE_PINS),
    _route("GET", "/pins", "list_pins", "org_read", READ_PINS),
    _route("GET", "/pins/analytics", "multi_pin_analytics", "org_analytics", READ_PINS),
    _route("GET", "/pins/{pin_id}", "get_pin", "org_read", READ_PINS),
    _route("DELETE", "/pins/{pin_id}", "delete_pin", "org_write", WRITE_PINS),
    _route("GET", "/pins/{pin_id}/analytics", "pin_analytics", "org_analytics", READ_PINS),
    _route("GET", "/trends/keywords/{region}/top/{trend_type}", "trending_keywords", "trends_read", USER),
)


def match(method: str, path: str) -> tuple[Route, dict[str, str]]:
    allowed = False
    for route in ROUTES:
        found = route.pattern.match(path)
        if found:
            if route.method == method:
                return route, found.groupdict()
            allowed = True
    if allowed:
        raise ApiError(405, 405, f"Method {method} is not allowed on {path}.")
    raise ApiError(404, 404, f"No such endpoint: {path}.")


class Core:
    def __init__(
        self,
        auth: Auth,
        resources: Resources,
        analytics: Analytics,
        reach: Reach,
        limiter: RateLimiter,
        faults: FaultBook,
        now: Callable[[], datetime],
    ) -> None:
        self.auth = auth
        self.resources = resources
        self.analytics = analytics
        self.reach = reach
        self.limiter = limiter
        self.faults = faults
        self.now = now
        self.lock = threading.RLock()
        self.requests: Counter[str] = Counter()  # per rate-limit category
        self.statuses: Counter[str] = Counter()  # HTTP status, or "reset"

    def handle_v5(self, req: Request, sub: str) -> Response:
        """Answer one request whose path is /v5 + `sub`."""
        delay = 0.0
        try:
            with self.lock:
                route, params = match(req.method, sub)
                fault = self.faults.take(req.method, sub, after=False) or self.faults.draw_chaos(req.method, sub)
                if fault is not None and fault.kind == "latency":
                    delay, fault = fault.seconds or 0.0, None
                if fault is not None and fault.kind not in AFTER_KINDS:
                    response = self._fault_response(fault, req)
                else:
                    response = self._serve(route, params, req)
                    if response.status < 300:
                        after = fault or self.faults.take(req.method, sub, after=True)
                        if after is not None:
                            response = self._after_fault(after, response)
        except ApiError as exc:
            response = exc.response()
        except Exception:  # an emulator bug must answer 500, like a server would, and say so in logs
            log.exception("emulator: unexpected error on %s %s", req.method, req.path)
            response = Response(500, {"code": 500, "message": "Internal emulator error."})
        self.statuses["reset" if response.reset else str(response.status)] += 1
        response.delay = max(response.delay, delay)
        return response

    def _serve(self, route: Route, params: dict[str, str], req: Request) -> Response:
        if route.scopes is not None:
            self.auth.check_bearer(req, route.scopes)
        verdict = self.limiter.hit(route.category, self.now())
        self.requests[route.category] += 1
        if route.name == "token":
            response = self.auth.token(req)
        elif route.name == "trending_keywords":
            response = trending_keywords(req, self.now(), *params.values())
        elif route.name in ("pin_analytics", "multi_pin_analytics"):
            response = getattr(self.analytics, route.name)(req, *params.values())
        elif route.name in ("account_analytics", "top_pins", "websites"):
            response = getattr(self.reach, route.name)(req)
        else:
            response = getattr(self.resources, route.name)(req, *params.values())
        response.headers.update(verdict.headers())
        return response

    def _fault_response(self, fault: Fault, req: Request) -> Response:
        kind = fault.kind
        if kind == "reset":
            return Response(0, reset=True)
        if kind == "http_500":
            status = fault.status or 500
            return Response(status, {"code": status, "message": "Internal Server Error"})
        if kind == "rate_429":
            retry = round(fault.seconds if fault.seconds is not None else 60)
            headers = {"Retry-After": str(retry), "X-RateLimit-Limit": "0", "X-RateLimit-Remaining": "0"}
            headers["X-RateLimit-Reset"] = str(int(self.now().timestamp()) + retry)
            return Response(429, {"code": 8, "message": RATE_LIMIT_MESSAGE}, headers=headers)
        if kind == "spam_429":
            return Response(429, {"code": 8, "message": SPAM_MESSAGE, "message_detail": "spam"})
        if kind == "trial_29":
            return Response(403, {"code": 29, "message": TRIAL_29_MESSAGE})
        if kind == "expired_token":
            self.auth.expire(req)
            return Response(401, {"code": 2, "message": "Authentication failed: the access token has expired."})
        if kind == "image_fetch":
            return Response(400, {"code": 1, "message": "Sorry we could not fetch the image."})
        raise AssertionError(f"unhandled fault kind {kind}")

    @staticmethod
    def _after_fault(fault: Fault, done: Response) -> Response:
        if fault.kind == "reset_after_create":
            return Response(0, reset=True)
        status = fault.status or 500
        return Response(status, {"code": status, "message": "Internal Server Error"}, headers=done.headers)


def request_id() -> str:
    return secrets.token_hex(8)
