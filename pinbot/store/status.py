"""The states of a queue item, apart from the models so that reading them costs no ORM import."""

from __future__ import annotations

from enum import StrEnum


class PinStatus(StrEnum):
    """Queue item states; docs/data-model.md lists every transition."""

    queued = "queued"
    posting = "posting"
    posted = "posted"
    failed = "failed"
    needs_attention = "needs_attention"
    cancelled = "cancelled"
