"""`Emulator`: the local Pinterest API v5 stand-in as one object (start/stop, helpers for tests).

    with Emulator(app_id="app", app_secret="secret", clock=FakeClock(), seed=7) as emu:
        base = emu.base_url                      # "http://127.0.0.1:PORT/v5"
        tokens = emu.mint_tokens()               # skip the browser dance
        emu.inject("reset_after_create")          # the next POST /pins is stored, then the socket drops
        ...
        assert emu.pins_by_marker() == {"pb-...": 1}

Paths: `/v5/...` is the API, `/oauth/` the authorize page, `/_emulator/...` the control endpoints
(see control.py) that a separate process uses for what these methods do in-process. Simulated
time is the injected clock plus any offset added through `advance` when that clock cannot move
itself (SystemClock); a FakeClock is advanced directly, so the test and the emulator agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from pinbot.clock import Clock, SystemClock
from pinbot.emulator.analytics import Analytics
from pinbot.emulator.auth import ACCESS_TTL, DEFAULT_SCOPE, REFRESH_TTL, Auth
from pinbot.emulator.control import handle_control
from pinbot.emulator.core import Core, request_id
from pinbot.emulator.earned import EarnedSettings, Viral
from pinbot.emulator.engagement import EngagementModel
from pinbot.emulator.faults import FaultBook, make_fault
from pinbot.emulator.limits import RateLimiter
from pinbot.emulator.pins import pin_json
from pinbot.emulator.protocol import ApiError, Request, Response, iso
from pinbot.emulator.reach import Reach
from pinbot.emulator.resources import Resources
from pinbot.emulator.server import EmulatorHTTPServer, serve_in_thread
from pinbot.emulator.state import Store


class Emulator:
    def __init__(
        self,
        app_id: str = "emulator-app",
        app_secret: str = "emulator-secret",
        *,
        tier: str = "trial",
        clock: Clock | None = None,
        seed: int = 0,
        state_file: str | Path | None = None,
        limits: Mapping[str, int] | None = None,
        window_seconds: int | None = None,
        multi_pin: bool = True,
        earned: EarnedSettings | None = None,
        chaos: Mapping[str, float] | None = None,
        chaos_seed: int = 0,
        access_ttl: int = ACCESS_TTL,
        refresh_ttl: int = REFRESH_TTL,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.host = host
        self.requested_port = port
        self.store = Store.open(seed, Path(state_file) if state_file else None)
        self.model = EngagementModel(self.store.seed)
        self.auth = Auth(self.store, app_id, app_secret, self.now, access_ttl=access_ttl, refresh_ttl=refresh_ttl)
        self.analytics = Analytics(self.store, self.model, self.now, multi_pin=multi_pin, earned=earned)
        self.reach = Reach(self.store, self.analytics, self.now)
        self.resources = Resources(self.store, self.analytics, self.now)
        self.limiter = RateLimiter(tier, limits, window_seconds)
        self.faults = FaultBook()
        if chaos:
            self.faults.set_chaos(chaos, seed=chaos_seed)
        self.core = Core(self.auth, self.resources, self.analytics, self.reach, self.limiter, self.faults, self.now)
        self._server: EmulatorHTTPServer | None = None

    def __repr__(self) -> str:
        return f"Emulator(app_id={self.auth.app_id!r}, tier={self.limiter.tier!r}, url={self.root_url or None!r})"

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> str:
        """Serve on host:port (port 0 = a free one) in a daemon thread; return the /v5 base URL."""
        if self._server is None:
            self._server = EmulatorHTTPServer((self.host, self.requested_port), self.handle)
            serve_in_thread(self._server)
        return self.base_url

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stop_event.set()
        server.shutdown()
        server.close_connections()
        server.server_close()

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1]) if self._server else 0

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}" if self._server else ""

    @property
    def base_url(self) -> str:
        return self.root_url + "/v5" if self._server else ""

    @property
    def authorize_url(self) -> str:
        return self.root_url + "/oauth/" if self._server else ""

    # -- the request entry point (transport-neutral) ---------------------------------------------
    def handle(self, req: Request) -> Response:
        path = req.path
        if path.startswith("/v5/"):
            response = self.core.handle_v5(req, path[3:].rstrip("/") or "/")
        elif path in ("/oauth", "/oauth/") and req.method == "GET":
            with self.core.lock:
                response = self.auth.authorize(req)
        elif path.startswith("/_emulator/"):
            try:
                response = handle_control(self, req)
            except ApiError as exc:
                response = exc.response()
            except ValueError as exc:
                response = Response(400, {"code": 400, "message": str(exc)})
        else:
            response = Response(404, {"code": 404, "message": f"No such endpoint: {path}."})
        response.headers["x-pinterest-rid"] = request_id()
        return response

    # -- simulated time -------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now() + timedelta(seconds=self.store.clock_offset)

    def advance(self, seconds: float = 0.0, **delta: float) -> datetime:
        """Move simulated time forward (FakeClock: the clock itself; otherwise an offset)."""
        step = timedelta(seconds=seconds, **delta)
        if step < timedelta(0):
            raise ValueError("the emulator's clock only moves forward")
        mover = getattr(self.clock, "advance", None)
        with self.core.lock:
            if callable(mover):
                mover(step.total_seconds())
            else:
                self.store.clock_offset += step.total_seconds()
                self.store.save()
        return self.now()

    # -- helpers for tests and the demo ----------------------------------------------------------
    def mint_tokens(self, scope: str = DEFAULT_SCOPE, *, access_ttl: int | None = None) -> dict[str, Any]:
        """A token response (access_token, refresh_token, expires_in, ...) as if OAuth had run."""
        with self.core.lock:
            return self.auth.mint(scope, access_ttl=access_ttl)

    def inject(
        self,
        fault: str,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        seconds: float | None = None,
        status: int | None = None,
    ) -> None:
        """Queue `count` faults of one kind (see faults.py) for the next matching requests."""
        spec = make_fault(fault, count, path=path, method=method, seconds=seconds, status=status)
        with self.core.lock:
            self.faults.add(spec)

    def clear_faults(self) -> None:
        with self.core.lock:
            self.faults.clear()

    def set_chaos(
        self,
        probabilities: Mapping[str, float],
        *,
        seed: int = 0,
        path: str = "/pins",
        method: str | None = "POST",
        latency: float = 0.2,
    ) -> None:
        """Steady random faults: each matching request draws one kind with these probabilities."""
        with self.core.lock:
            self.faults.set_chaos(probabilities, seed=seed, path=path, method=method, latency=latency)

    def add_board(self, name: str, description: str = "", privacy: str = "PUBLIC") -> dict[str, Any]:
        with self.core.lock:
            return self.resources.board_json(self.resources.add_board(name, description, privacy))

    def pins(self, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Every pin as the API shows it, oldest first, plus `marker` and `deleted`."""
        with self.core.lock:
            out = []
            for pin in sorted(self.store.pins.values(), key=lambda p: int(p.id)):
                if pin.alive or include_deleted:
                    out.append({**pin_json(pin, self.store.username), "marker": pin.marker, "deleted": not pin.alive})
            return out

    def pins_by_marker(self, include_deleted: bool = False) -> dict[str, int]:
        """How many pins carry each `utm_content=pb-...` marker (live pins unless asked otherwise)."""
        with self.core.lock:
            return self.store.pins_by_marker(include_deleted)

    def true_appeal(self, design: str) -> float:
        """The hidden appeal of a design (its utm_term): the multiplier on outbound click rate."""
        return self.model.appeal(design)

    def true_surges(self, first: date, last: date) -> dict[str, Viral]:
        """Pins (own and others') whose surge starts within [first, last], by pin id: the ground truth."""
        with self.core.lock:
            earned = self.analytics.earned
            facts = [self.analytics.facts(p) for p in self.store.pins.values()]
            facts += [o.facts for o in earned.alive_on(first, last)]
            out = {}
            for f in facts:
                viral = earned.viral(f)
                if viral is not None and first <= viral.onset <= last:
                    out[f.pin_id] = viral
            return out

    def stats(self) -> dict[str, Any]:
        with self.core.lock:
            return {
                "now": iso(self.now()),
                "tier": self.limiter.tier,
                "boards": len(self.store.boards),
                "pins": len(self.store.live_pins()),
                "pins_created": len(self.store.pins),
                "pins_deleted": len(self.store.pins) - len(self.store.live_pins()),
                "requests": dict(self.core.requests),
                "statuses": dict(sorted(self.core.statuses.items())),
                "rate_limited": self.limiter.rejected,
                "faults_fired": dict(self.faults.fired),
                "faults_pending": [f.describe() for f in self.faults.pending],
                "chaos": dict(self.faults.chaos),
                "token_refreshes": self.auth.refreshes,
                "multi_pin": self.analytics.multi_pin,
            }
