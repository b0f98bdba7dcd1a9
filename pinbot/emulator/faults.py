"""Injected failures: queued one-shot faults and a seeded "chaos" mode of steady random ones.

Kinds (each matches a request by `method` and a glob on the path below /v5, e.g. "/pins" or
"/boards/*/pins"; kinds that only make sense on pin creation default to POST /pins):

- `http_500` (any status via `status=`, e.g. 502/503): fail before doing anything.
- `http_500_after_create`: do the work (the pin is stored), then answer 500.
- `reset_after_create`: do the work, then close the socket without an answer (TCP RST).
- `reset`: close the socket without an answer and without doing anything.
- `latency`: wait `seconds` before answering (the request is then handled normally).
- `spam_429`: 429 whose message says the activity looks like spam (never worth retrying).
- `rate_429`: 429 code 8 with `Retry-After: seconds` (default 60) and X-RateLimit headers.
- `trial_29`: code 29, a trial app writing to production.
- `expired_token`: the presented access token expires now; 401 (it stays expired: refresh).
- `image_fetch`: 400 code 1 "Sorry we could not fetch the image." (transient in real life).
"""

from __future__ import annotations

import fnmatch
import random
from collections.abc import Mapping
from dataclasses import dataclass

FAULT_KINDS = (
    "http_500",
    "http_500_after_create",
    "reset_after_create",
    "reset",
    "latency",
    "spam_429",
    "rate_429",
    "trial_29",
    "expired_token",
    "image_fetch",
)
AFTER_KINDS = frozenset({"http_500_after_create", "reset_after_create"})
_PIN_CREATE_KINDS = frozenset({"http_500_after_create", "reset_after_create", "spam_429", "trial_29", "image_fetch"})


@dataclass
class Fault:
    kind: str
    count: int = 1
    path: str | None = None  # glob on the path below /v5; None = any
    method: str | None = None
    seconds: float | None = None  # latency, or Retry-After for rate_429
    status: int | None = None  # http_500's status

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return self.path is None or fnmatch.fnmatchcase(path, self.path)

    def describe(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if v is not None}


def make_fault(
    kind: str,
    count: int = 1,
    *,
    path: str | None = None,
    method: str | None = None,
    seconds: float | None = None,
    status: int | None = None,
) -> Fault:
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
    if count < 1:
        raise ValueError("fault count must be at least 1")
    if kind == "latency" and (seconds is None or seconds < 0):
        raise ValueError("latency faults need seconds >= 0")
    if status is not None and not 500 <= status <= 599:
        raise ValueError("fault status must be a 5xx code")
    if path is None and method is None and kind in _PIN_CREATE_KINDS:
        path, method = "/pins", "POST"
    if path is not None and not path.startswith("/"):
        path = "/" + path
    return Fault(kind, count, path, method.upper() if method else None, seconds, status)


class FaultBook:
    """Pending one-shot faults plus the chaos settings; the emulator's lock guards it."""

    def __init__(self) -> None:
        self.pending: list[Fault] = []
        self.fired: dict[str, int] = {}
        self.chaos: dict[str, float] = {}
        self.chaos_path = "/pins"
        self.chaos_method: str | None = "POST"
        self.chaos_latency = 0.2
        self._rng = random.Random(0)

    def add(self, fault: Fault) -> None:
        self.pending.append(fault)

    def clear(self) -> None:
        self.pending.clear()

    def set_chaos(
        self,
        probabilities: Mapping[str, float],
        *,
        seed: int = 0,
        path: str = "/pins",
        method: str | None = "POST",
        latency: float = 0.2,
    ) -> None:
        for kind, p in probabilities.items():
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}")
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"chaos probability for {kind} must be within 0..1")
        if sum(probabilities.values()) > 1.0 + 1e-9:
            raise ValueError("chaos probabilities must add up to at most 1")
        self.chaos = {k: float(v) for k, v in probabilities.items() if v > 0}
        self._rng = random.Random(seed)
        self.chaos_path = path if path.startswith("/") else "/" + path
        self.chaos_method = method.upper() if method else None
        self.chaos_latency = latency

    def take(self, method: str, path: str, *, after: bool) -> Fault | None:
        """The queued fault to apply to this request at this phase (before or after the work)."""
        for fault in self.pending:
            if (fault.kind in AFTER_KINDS) == after and fault.matches(method, path):
                fault.count -= 1
                if fault.count <= 0:
                    self.pending.remove(fault)
                self._record(fault.kind)
                return fault
        return None

    def draw_chaos(self, method: str, path: str) -> Fault | None:
        """One seeded draw per matching request; the caller applies an 'after' kind after the work."""
        if not self.chaos:
            return None
        if self.chaos_method and self.chaos_method != method:
            return None
        if not fnmatch.fnmatchcase(path, self.chaos_path):
            return None
        roll = self._rng.random()
        for kind, p in sorted(self.chaos.items()):
            if roll < p:
                self._record(kind)
                return Fault(kind, seconds=self.chaos_latency if kind == "latency" else None)
            roll -= p
        return None

    def _record(self, kind: str) -> None:
        self.fired[kind] = self.fired.get(kind, 0) + 1
