"""A queue row about to be inserted (`PinDraft`), and its columns in the order the insert takes them.

Plain data, not ORM objects: the planner places drafts and the lint checks them before one
executemany writes them (`pinbot.queue.service`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pinbot.store.models import PinStatus, new_uid


@dataclass(slots=True)
class PinDraft:
    """A queue row about to be inserted. Plain data (building 10,000 ORM objects costs seconds);
    the planner sets `due_at` on drafts without an explicit time. Slots: an import makes 100,000
    of them, and the planner, the lint and the insert read each field of every one."""

    board_id: int
    board_key: str
    source_key: str
    title: str
    description: str
    link: str
    alt_text: str
    image_path: str | None
    due_at: datetime
    explicit_time: bool
    product_id: int | None = None
    template: str | None = None
    variant_key: str | None = None
    experiment_variant_id: int | None = None
    headline: str = ""
    badge: str = ""
    image_hash: str | None = None
    loop_id: int | None = None
    not_after: datetime | None = None

    def row(self, account_id: int, now: datetime) -> dict[str, Any]:
        return dict(zip(ROW_KEYS, self.values(new_uid(), account_id, now), strict=True))

    def values(self, uid: str, account_id: int, now: datetime) -> tuple[Any, ...]:
        """The queue row's values in `ROW_KEYS` order."""
        return (
            uid,
            account_id,
            self.board_id,
            self.source_key,
            self.title,
            self.description,
            self.link,
            self.alt_text,
            self.image_path,
            self.due_at,
            self.explicit_time,
            self.product_id,
            self.template,
            self.variant_key,
            self.experiment_variant_id,
            self.headline or None,
            self.badge or None,
            self.image_hash,
            self.loop_id,
            PinStatus.queued,
            0,
            0,
            now,
            now,
        )

    @staticmethod
    def columns(drafts: Sequence[PinDraft], uids: Sequence[str], account_id: int, now: datetime) -> list[Sequence[Any]]:
        """`values` of many drafts column by column, in `ROW_KEYS` order (an import hands 100,000
        rows to the insert as 24 lists rather than 100,000 tuples)."""
        n = len(drafts)
        return [
            uids,
            [account_id] * n,
            [d.board_id for d in drafts],
            [d.source_key for d in drafts],
            [d.title for d in drafts],
            [d.description for d in drafts],
            [d.link for d in drafts],
            [d.alt_text for d in drafts],
            [d.image_path for d in drafts],
            [d.due_at for d in drafts],
            [d.explicit_time for d in drafts],
            [d.product_id for d in drafts],
            [d.template for d in drafts],
            [d.variant_key for d in drafts],
            [d.experiment_variant_id for d in drafts],
            [d.headline or None for d in drafts],
            [d.badge or None for d in drafts],
            [d.image_hash for d in drafts],
            [d.loop_id for d in drafts],
            [PinStatus.queued] * n,
            [0] * n,
            [0] * n,
            [now] * n,
            [now] * n,
        ]


_ROW_NAMES = (
    "uid account_id board_id source_key title description link alt_text image_path due_at explicit_time product_id "
    "template variant_key experiment_variant_id headline badge image_hash loop_id status attempts reconcile_checks "
    "created_at updated_at"
)
ROW_KEYS = tuple(_ROW_NAMES.split())  # the pin columns `PinDraft.values` gives, in its order
