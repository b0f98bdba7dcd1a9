"""Time as an injected dependency: the real clock, and a FakeClock for tests and the demo.

Every datetime pinbot handles internally is timezone-aware UTC. Leaf module.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes read back from the database are UTC by convention; make them aware."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...

    def sleep(self, seconds: float) -> bool:
        """Wait up to `seconds`; return True when woken early by a stop request."""
        ...


class SystemClock:
    """Wall-clock time; `sleep` is interruptible through the stop event (huey's habit)."""

    def __init__(self, stop_event: threading.Event | None = None) -> None:
        self.stop_event = stop_event or threading.Event()

    def now(self) -> datetime:
        return utcnow()

    def sleep(self, seconds: float) -> bool:
        return self.stop_event.wait(max(0.0, seconds))


class FakeClock:
    """A clock that only moves when told to: `sleep` advances it instantly."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = as_utc(start) if start else datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def sleep(self, seconds: float) -> bool:
        self.slept.append(seconds)
        self.advance(seconds)
        return False

    def advance(self, seconds: float = 0.0, **delta: float) -> datetime:
        self._now += timedelta(seconds=seconds, **delta)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = as_utc(when)
