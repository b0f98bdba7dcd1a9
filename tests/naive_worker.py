"""The control experiment of the kill loop: `pinbot run` with a naive poster that puts a pin back in
the queue on ANY error (no "maybe sent", no reconcile before retrying, and no duplicate sweep settling
a queued pin it finds already on Pinterest). The kill loop must catch it posting duplicates, or the
kill loop has no teeth."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pinbot.posting import claim, duplicates, poster
from pinbot.store.models import Pin, PinStatus


def _retry_on_any_error(self: poster.Poster, pin: Pin, exc: BaseException, now: datetime) -> poster.PostResult:
    assert pin.id is not None
    err = claim.AttemptError.of(exc)
    claim.finish(self.engine, pin, now, outcome="retry", status=PinStatus.queued, error=err, pin_values={"due_at": now})
    return poster.PostResult(pin.id, "retry", err.message)


def _leave_queued(self: duplicates.DuplicateSweep, *args: Any) -> None:
    return None


poster.Poster._failed = _retry_on_any_error  # type: ignore[method-assign]
duplicates.DuplicateSweep._settle_queued = _leave_queued  # type: ignore[method-assign]

if __name__ == "__main__":
    from pinbot.cli import main

    main(["run"])
