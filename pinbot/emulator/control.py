"""Control endpoints under /_emulator/: what a test in another process needs to steer the emulator.

Never below /v5, so no path pinbot uses can reach them. JSON in, JSON out:
- `GET  /_emulator/state`           stats + pins_by_marker (add `?include_deleted=true`)
- `GET  /_emulator/pins`            every pin with its marker (`?include_deleted=true`)
- `GET  /_emulator/faults`          pending faults; `DELETE` clears them
- `POST /_emulator/faults`          `{"kind", "count"?, "path"?, "method"?, "seconds"?, "status"?}`
- `POST /_emulator/chaos`           `{"probabilities": {kind: p}, "seed"?, "path"?, "method"?, "latency"?}`
- `POST /_emulator/clock`           `{"advance_seconds": n}` or `{"advance_days": n}`; answers `{"now"}`
- `POST /_emulator/tokens`          `{"scope"?, "access_ttl"?}`: a token response, as `mint_tokens`
- `POST /_emulator/boards`          `{"name", "description"?, "privacy"?}`: a board, as `add_board`
- `GET  /_emulator/appeal?design=X` the hidden appeal of a design
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from pinbot.emulator.protocol import ApiError, Request, Response, iso


class Steerable(Protocol):
    """What the control endpoints call on the emulator (`Emulator` fits); declared here so that
    `app` imports `control` and never the reverse."""

    def stats(self) -> dict[str, Any]: ...
    def pins(self, include_deleted: bool = False) -> list[dict[str, Any]]: ...
    def pins_by_marker(self, include_deleted: bool = False) -> dict[str, int]: ...
    def clear_faults(self) -> None: ...
    def true_appeal(self, design: str) -> float: ...
    def inject(
        self,
        fault: str,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        seconds: float | None = None,
        status: int | None = None,
    ) -> None: ...
    def set_chaos(
        self,
        probabilities: Mapping[str, float],
        *,
        seed: int = 0,
        path: str = "/pins",
        method: str | None = "POST",
        latency: float = 0.2,
    ) -> None: ...
    def advance(self, seconds: float = 0.0, **delta: float) -> datetime: ...
    def mint_tokens(self, scope: str = ..., *, access_ttl: int | None = None) -> dict[str, Any]: ...
    def add_board(self, name: str, description: str = "", privacy: str = "PUBLIC") -> dict[str, Any]: ...


def _number(data: dict[str, Any], name: str) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, 400, f"{name} must be a number.")
    return float(value)


def handle_control(emu: Steerable, req: Request) -> Response:
    what = req.path.removeprefix("/_emulator/").rstrip("/")
    include_deleted = (req.arg("include_deleted") or "").lower() == "true"
    key = (req.method, what)
    if key == ("GET", "state"):
        return Response(200, {**emu.stats(), "pins_by_marker": emu.pins_by_marker(include_deleted)})
    if key == ("GET", "pins"):
        return Response(200, {"items": emu.pins(include_deleted)})
    if key == ("GET", "faults"):
        return Response(200, {"pending": emu.stats()["faults_pending"]})
    if key == ("DELETE", "faults"):
        emu.clear_faults()
        return Response(204)
    if key == ("GET", "appeal"):
        design = req.arg("design")
        if not design:
            raise ApiError(400, 400, "design is required.")
        return Response(200, {"design": design, "appeal": emu.true_appeal(design)})
    if req.method != "POST":
        raise ApiError(404, 404, f"No such control endpoint: {req.method} {req.path}.")
    data = req.json() if req.body else {}
    if what == "faults":
        count = _number(data, "count")
        status = _number(data, "status")
        emu.inject(
            str(data.get("kind", "")),
            int(count) if count is not None else 1,
            path=data.get("path"),
            method=data.get("method"),
            seconds=_number(data, "seconds"),
            status=int(status) if status is not None else None,
        )
        return Response(201, {"pending": emu.stats()["faults_pending"]})
    if what == "chaos":
        probabilities = data.get("probabilities")
        if not isinstance(probabilities, dict):
            raise ApiError(400, 400, "probabilities must be an object of fault kind -> probability.")
        latency = _number(data, "latency")
        emu.set_chaos(
            {str(k): float(v) for k, v in probabilities.items()},
            seed=int(_number(data, "seed") or 0),
            path=str(data.get("path") or "/pins"),
            method=data.get("method", "POST"),
            latency=latency if latency is not None else 0.2,
        )
        return Response(200, {"chaos": emu.stats()["chaos"]})
    if what == "clock":
        seconds = (_number(data, "advance_seconds") or 0.0) + (_number(data, "advance_days") or 0.0) * 86400
        return Response(200, {"now": iso(emu.advance(seconds))})
    if what == "tokens":
        ttl = _number(data, "access_ttl")
        scope = data.get("scope")
        body = (
            emu.mint_tokens(scope, access_ttl=int(ttl) if ttl is not None else None)
            if scope
            else emu.mint_tokens(access_ttl=int(ttl) if ttl is not None else None)
        )
        return Response(201, body)
    if what == "boards":
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, 400, "name is required.")
        return Response(
            201, emu.add_board(name, str(data.get("description") or ""), str(data.get("privacy") or "PUBLIC"))
        )
    raise ApiError(404, 404, f"No such control endpoint: {req.method} {req.path}.")
