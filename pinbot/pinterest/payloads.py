"""Request shapes for the client (pure): bodies, path ids, and each operation's scopes and category.

Owns: building the PinCreate JSON from a `NewPin` (image_base64 from rendered bytes or image_url;
text limits of spec 5.23.0 checked before sending; no `note`, which the spec dropped in 5.20) and
refusing ids that could change a URL path.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from pinbot.errors import InvalidInput
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
