"""The control experiment of the kill loop: `pinbot run` with a naive poster that puts a pin back in
the queue on ANY error (no "maybe sent", no reconcile before retrying). The kill loop must catch it
posting duplicates, or the kill loop has no teeth."""

from __future__ import annotations

from datetime import datetime

from pinbot.posting import claim, poster
from pinbot.store.models import Pin, PinStatus


def _retry_on_any_error(self: poster.Poster, pin: Pin, exc: BaseException, now: datetime) -> poster.PostResult:
    assert pin.id is not None
    err = claim.AttemptError.of(exc)
    claim.finish(self.engine, pin, now, outcome="retry", status=PinStatus.queued, error=err, pin_values={"due_at": now})
    return poster.PostResult(pin.id, "retry", err.message)


poster.Poster._failed = _retry_on_any_error  # type: ignore[method-assign]

if __name__ == "__main__":
    from pinbot.cli import main

    main(["run"])
