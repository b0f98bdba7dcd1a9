"""How a queued pin is shown to scripts: the stable JSON shape of `--json` listings."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pinbot.clock import as_utc

if TYPE_CHECKING:  # `pinbot queue list --json` prints rows, and never imports the models
    from sqlalchemy import Row

    from pinbot.store.models import Pin


def pin_to_dict(pin: Pin | Row[Any], board_key: str | None = None) -> dict[str, Any]:
    """The stable JSON shape of a queue item (`--json` output); `pin` is a Pin or a `listing` row."""

    def iso(value: datetime | None) -> str | None:
        return as_utc(value).isoformat() if value else None

    return {
        "id": pin.id,
        "uid": pin.uid,
        "board": board_key,
        "status": pin.status.value,
        "title": pin.title,
        "description": pin.description,
        "link": pin.link,
        "alt_text": pin.alt_text,
        "image": pin.image_path,
        "template": pin.template,
        "variant": pin.variant_key,
        "headline": pin.headline,
        "badge": pin.badge,
        "product_id": pin.product_id,
        "loop_id": pin.loop_id,
        "source_key": pin.source_key,
        "due_at": iso(pin.due_at),
        "explicit_time": pin.explicit_time,
        "attempts": pin.attempts,
        "pinterest_pin_id": pin.pinterest_pin_id,
        "posted_at": iso(pin.posted_at),
        "last_error": pin.last_error,
        "created_at": iso(pin.created_at),
    }
