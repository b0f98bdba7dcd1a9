"""The emulator's transport-neutral request/response types and its Pinterest-style error.

`server.py` turns raw HTTP into a `Request` and writes back a `Response`; everything between
(auth, limits, faults, routes) works on these plain objects, so it can be read and tested without
sockets. `ApiError` is raised anywhere to answer `{"code": ..., "message": ...}` at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str  # the path without the query string, e.g. "/v5/pins"
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    body: bytes = b""

    @classmethod
    def build(cls, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Request:
        path, _, query = target.partition("?")
        return cls(
            method=method.upper(),
            path=path,
            query=parse_qs(query, keep_blank_values=True),
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
        )

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def list_arg(self, name: str) -> list[str]:
        """A query list in either form Pinterest accepts: `a,b` (explode=false) or `x=a&x=b`."""
        out: list[str] = []
        for value in self.query.get(name, []):
            out.extend(v.strip() for v in value.split(",") if v.strip())
        return out

    def json(self) -> dict[str, Any]:
        if not self.body:
            raise ApiError(400, 400, "Request body is empty; expected a JSON object.")
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, 400, "Request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise ApiError(400, 400, "Request body must be a JSON object.")
        return data

    def form(self) -> dict[str, str]:
        try:
            parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise ApiError(400, 400, "Request body is not valid form data.") from None
        return {k: v[-1] for k, v in parsed.items()}


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-able, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    raw: bytes | None = None  # pre-encoded body (HTML pages)
    delay: float = 0.0  # seconds to wait before answering (latency fault)
    reset: bool = False  # drop the connection without answering (reset faults)

    def encoded(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":")).encode("utf-8")


class ApiError(Exception):
    """Answer this request with `{"code": code, "message": message}` and the HTTP status."""

    def __init__(self, status: int, code: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self) -> Response:
        return Response(self.status, {"code": self.code, "message": self.message}, headers=dict(self.headers))


def iso(moment: datetime) -> str:
    """Timestamps as the spec's `date-time` format wants them (real Pinterest sometimes omits the Z)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_day(name: str, text: str | None) -> date:
    if not text:
        raise ApiError(400, 400, f"Invalid parameters: {name} is required (YYYY-MM-DD).")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(400, 400, f"Invalid parameters: {name} must be a date YYYY-MM-DD, got {text!r}.") from None
