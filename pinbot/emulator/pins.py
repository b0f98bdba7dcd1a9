"""POST /v5/pins validation as Pinterest enforces it, and the Pin object the API returns.

Validation follows the spec's PinCreate (5.23.0) and docs/pinterest-api.md: board_id required and existing,
board_section_id a section of that board, title <= 100, description <= 800, link <= 2048 and
http(s), alt_text <= 500, dominant_color `#RRGGBB`, media_source `image_base64` (data matching
`^[a-zA-Z0-9+/=]+$` that decodes to a real JPEG or PNG agreeing with content_type, checked with
Pillow) or `image_url` (http(s); not fetched: the emulator never touches the network). Every
rejection is 400 (404 for a missing board or section) with `{code, message}` naming the field.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import warnings
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from pinbot.emulator.protocol import ApiError, iso
from pinbot.emulator.state import Pin, Store

TEXT_LIMITS = {"title": 100, "description": 800, "link": 2048, "alt_text": 500}
MAX_IMAGE_BYTES = 20 * 1024 * 1024  # Pinterest's desktop upload cap (docs/pinterest-api.md)
_BASE64_RE = re.compile(r"^[a-zA-Z0-9+/=]+$")
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_ID_RE = re.compile(r"^\d+$")
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
_IMAGE_SIZES = (("150x150", 150, 150), ("400x300", 400, 300), ("600x", 600, None), ("1200x", 1200, None))


def invalid(message: str) -> ApiError:
    return ApiError(400, 400, f"Invalid parameters: {message}")


def validate_pin_create(store: Store, data: dict[str, Any], now: datetime) -> Pin:
    """A new (not yet stored) Pin from a PinCreate body, or the ApiError Pinterest would answer."""
    board_id = data.get("board_id")
    if board_id is None or board_id == "":
        raise invalid("board_id is required.")
    if not isinstance(board_id, str) or not _ID_RE.match(board_id):
        raise invalid("board_id must be a numeric string.")
    if board_id not in store.boards:
        raise ApiError(404, 404, "Board not found.")
    section_id = data.get("board_section_id")
    if section_id is not None:
        if not isinstance(section_id, str) or not _ID_RE.match(section_id):
            raise invalid("board_section_id must be a numeric string.")
        section = store.sections.get(section_id)
        if section is None or section.board_id != board_id:
            raise ApiError(404, 404, "Board section not found.")
    texts: dict[str, str | None] = {}
    for name, limit in TEXT_LIMITS.items():
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise invalid(f"{name} must be a string.")
        if value is not None and len(value) > limit:
            raise invalid(f"{name} is {len(value)} characters long; the maximum is {limit}.")
        texts[name] = value
    link = texts["link"]
    if link:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise invalid("link must be an http or https URL.")
    color = data.get("dominant_color")
    if color is not None and (not isinstance(color, str) or not _COLOR_RE.match(color)):
        raise invalid("dominant_color must be a hex colour such as #6E7874.")
    pin = Pin(
        id="",
        board_id=board_id,
        created_at=now,
        title=texts["title"],
        description=texts["description"],
        link=link,
        alt_text=texts["alt_text"],
        dominant_color=color,
        board_section_id=section_id,
    )
    _apply_media(pin, data.get("media_source"))
    return pin


def _apply_media(pin: Pin, source: Any) -> None:
    if not isinstance(source, dict):
        raise invalid("media_source is required (image_base64 or image_url).")
    kind = source.get("source_type")
    if kind == "image_url":
        url = source.get("url")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise invalid("media_source.url must be an http or https URL.")
        pin.source_type = "image_url"
        pin.image_sha256 = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return
    if kind != "image_base64":
        raise invalid(f"media_source.source_type {kind!r} is not supported; use image_base64 or image_url.")
    content_type = source.get("content_type")
    if content_type not in _FORMATS:
        raise invalid("media_source.content_type must be image/jpeg or image/png.")
    encoded = source.get("data")
    if not isinstance(encoded, str) or not _BASE64_RE.match(encoded):
        raise invalid("media_source.data must be base64 (characters a-z, A-Z, 0-9, +, /, =).")
    if len(encoded) * 3 // 4 > MAX_IMAGE_BYTES:
        raise invalid(f"media_source.data: the image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB.")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise invalid("media_source.data is not valid base64.") from None
    width, height, fmt = _inspect_image(raw)
    if fmt != _FORMATS[content_type]:
        raise invalid(f"media_source.data is a {fmt} image but content_type says {content_type}.")
    pin.width, pin.height = width, height
    pin.image_sha256 = hashlib.sha256(raw).hexdigest()


def _inspect_image(raw: bytes) -> tuple[int, int, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=("JPEG", "PNG")) as probe:
                fmt = str(probe.format)
                width, height = probe.size
                probe.verify()
            with Image.open(io.BytesIO(raw), formats=("JPEG", "PNG")) as full:
                full.load()  # verify() skips JPEG pixel data; decoding it catches truncated files
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise invalid("media_source.data does not decode to a valid JPEG or PNG image.") from None
    return width, height, fmt


def pin_json(pin: Pin, username: str) -> dict[str, Any]:
    """A Pin object shaped as the spec's `Pin` schema (the fields a real create/get returns)."""
    sha = pin.image_sha256 or hashlib.sha256(pin.id.encode()).hexdigest()
    images: dict[str, dict[str, Any]] = {}
    for label, width, height in (*_IMAGE_SIZES, ("originals", pin.width, None)):
        h = height if height is not None else round(width * pin.height / max(1, pin.width))
        url = f"https://i.pinimg.com/{label}/{sha[:2]}/{sha[2:4]}/{sha[4:6]}/{sha[:32]}.jpg"
        images[label] = {"width": width, "height": h, "url": url}
    return {
        "id": pin.id,
        "created_at": iso(pin.created_at),
        "link": pin.link,
        "title": pin.title,
        "description": pin.description,
        "dominant_color": pin.dominant_color,
        "alt_text": pin.alt_text,
        "creative_type": "REGULAR",
        "board_id": pin.board_id,
        "board_section_id": pin.board_section_id,
        "board_owner": {"username": username},
        "is_owner": True,
        "is_standard": True,
        "has_been_promoted": False,
        "parent_pin_id": None,
        "media": {"media_type": "image", "images": images},
    }
