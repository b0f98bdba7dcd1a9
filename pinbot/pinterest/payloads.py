"""Request shapes for the client (pure): bodies, path ids, and each operation's scopes and category.

Owns: building the PinCreate JSON from a `NewPin` (image_base64 from rendered bytes or image_url;
text limits of spec 5.23.0 checked before sending; no `note`, which the spec dropped in 5.20),
refusing ids that could change a URL path, a POST's deadline (its claim's lease), and refusing
answers that do not parse as the spec says (a listing page, a created pin).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pinbot.errors import InvalidInput
from pinbot.pinterest.errors import ClaimExpired, MaybeSent
from pinbot.pinterest.transport import POST_PIN_TIMEOUT
from pinbot.pinterest.types import NewPin

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Pinterest's rate-limit categories (x-ratelimit-category in the spec).
READ, WRITE, ANALYTICS = "org_read", "org_write", "org_analytics"
# The scopes each operation needs (the spec's `security`; docs/pinterest-api.md), named in InsufficientScope errors.
S_USER = "user_accounts:read"
S_BOARDS_READ = "boards:read"
S_BOARDS_WRITE = "boards:read,boards:write"
S_PINS_READ = "boards:read,pins:read"
S_PINS_WRITE = "boards:read,boards:write,pins:read,pins:write"
S_TOP_PINS = "pins:read,user_accounts:read"
MAX_PAGE_SIZE = 250
MIN_SEND_SECONDS = 1.0  # less time than this left before a request's deadline: do not start it


def object_id(value: str, field: str) -> str:
    # Ids go into URL paths: refuse anything that could change the path.
    if not _ID.match(str(value)):
        raise InvalidInput(field, f"{value!r} is not a Pinterest id")
    return str(value)


def pin_body(pin: NewPin) -> dict[str, Any]:
    """The POST /pins JSON (PinCreate, spec 5.23.0); empty optional fields are left out."""
    image = pin.image
    if (image.data is None) == (image.url is None):
        raise InvalidInput("image", "give exactly one of rendered image bytes or an image URL")
    if image.data is not None:
        if not image.data:
            raise InvalidInput("image", "the rendered image is empty")
        if image.content_type not in ("image/jpeg", "image/png"):
            raise InvalidInput("image", f"content type must be image/jpeg or image/png, got {image.content_type!r}")
        data = base64.b64encode(image.data).decode("ascii")
        source: dict[str, Any] = {"source_type": "image_base64", "content_type": image.content_type, "data": data}
    else:
        if not str(image.url).startswith(("http://", "https://")):
            raise InvalidInput("image_url", f"must be an http(s) URL, got {image.url!r}")
        source = {"source_type": "image_url", "url": image.url}
    for field, value, limit in (
        ("title", pin.title, 100),
        ("description", pin.description, 800),
        ("link", pin.link, 2048),
        ("alt_text", pin.alt_text, 500),
    ):
        if len(value) > limit:
            raise InvalidInput(field, f"is {len(value)} characters; Pinterest allows {limit}")
    body: dict[str, Any] = {"board_id": object_id(pin.board_id, "board_id"), "media_source": source}
    if pin.board_section_id:
        body["board_section_id"] = object_id(pin.board_section_id, "board_section_id")
    for field in ("title", "description", "link", "alt_text"):
        value = getattr(pin, field)
        if value:
            body[field] = value
    return body


@dataclass(frozen=True)
class Deadline:
    """A request's (connect, read) timeouts and the time by which it must be over: for POST /pins,
    the claim's lease (after it, reconcile may decide without knowing of this request)."""

    timeout: tuple[float, float]
    at: datetime


def limits(pin: NewPin) -> tuple[float, float] | Deadline:
    return POST_PIN_TIMEOUT if pin.deadline is None else Deadline(POST_PIN_TIMEOUT, pin.deadline)


def fit(timeout: tuple[float, float] | Deadline, now: datetime, what: str) -> tuple[float, float]:
    """Checked right before sending (after any pacing wait, or a freeze of the whole process):
    refuse once the deadline is too close, else shrink the timeouts so the request is over by then."""
    if not isinstance(timeout, Deadline):
        return timeout
    left = (timeout.at - now).total_seconds()
    if left < MIN_SEND_SECONDS:
        raise ClaimExpired(
            f"{what}: not sent; the claim on this pin is too old ({-left:.0f} s past its lease), "
            "so reconcile decides what happens to it"
            if left < 0
            else f"{what}: not sent; too little time left in the claim's lease ({left:.1f} s)"
        )
    connect = min(timeout.timeout[0], left / 4)
    return connect, min(timeout.timeout[1], left - connect)


def page_items(data: Any, what: str) -> list[dict[str, Any]]:
    """The items of one page of a listing. A page that does not parse as the spec says (no list of
    objects) is `MaybeSent`: it must never read as "nothing there"."""
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise MaybeSent(f"{what}: Pinterest's answer is not a list of items as the API describes")
    return items


def created_pin(made: Any) -> dict[str, Any]:
    """The answer to POST /pins; anything but an object is ambiguous (the pin may exist)."""
    if not isinstance(made, dict):
        raise MaybeSent(f"POST /pins: the answer was not a pin ({type(made).__name__}); it may have been created")
    return made
