"""The /v5 resources pinbot uses: user_account, boards, sections, pins (create/get/list/delete).

Lists paginate like Pinterest: `page_size` 1-250 (default 25) and an opaque `bookmark` that is
null on the last page. Bookmarks are keyset cursors (the last id served), so pins created while a
client pages through a board never make another pin slip between pages; pins come newest first,
boards and sections oldest first. Errors are `{code, message}` (pin not found is code 50, as in
the spec's example).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pinbot.emulator.analytics import Analytics
from pinbot.emulator.pins import invalid, pin_json, validate_pin_create
from pinbot.emulator.protocol import ApiError, Request, Response, iso
from pinbot.emulator.state import Board, Section, Store

T = TypeVar("T")
PRIVACY = ("PUBLIC", "PROTECTED", "SECRET")
BOARD_FILTERS = {
    "ALL": PRIVACY,
    "PUBLIC": ("PUBLIC",),
    "PROTECTED": ("PROTECTED",),
    "SECRET": ("SECRET",),
    "PUBLIC_AND_SECRET": ("PUBLIC", "SECRET"),
}
BOARD_NAME_MAX = 180


def paginate(req: Request, items: Sequence[T], key: Callable[[T], str], *, newest_first: bool) -> dict[str, Any]:
    """One page of `items` (already in order) as `{"items", "bookmark"}`; items are shaped later."""
    raw_size = req.arg("page_size", "25") or "25"
    try:
        size = int(raw_size)
    except ValueError:
        raise invalid(f"page_size must be an integer between 1 and 250, got {raw_size!r}.") from None
    if not 1 <= size <= 250:
        raise invalid(f"page_size must be between 1 and 250, got {size}.")
    start = 0
    bookmark = req.arg("bookmark")
    if bookmark:
        try:
            after = base64.urlsafe_b64decode(bookmark.encode("ascii")).decode("ascii")
            if not after.isdigit():
                raise ValueError(after)
        except (ValueError, binascii.Error, UnicodeError):
            raise invalid("bookmark is not valid.") from None
        # Keyset: continue after the last id served, whatever was created or deleted since.
        start = next(
            (i for i, item in enumerate(items) if (int(key(item)) < int(after)) == newest_first and key(item) != after),
            len(items),
        )
    page = list(items[start : start + size])
    more = start + size < len(items)
    next_mark = base64.urlsafe_b64encode(key(page[-1]).encode("ascii")).decode("ascii") if more and page else None
    return {"items": page, "bookmark": next_mark}


class Resources:
    def __init__(self, store: Store, analytics: Analytics, now: Callable[[], datetime]) -> None:
        self.store = store
        self.analytics = analytics
        self.now = now

    # -- user account ------------------------------------------------------------------------
    def user_account(self, req: Request) -> Response:
        store = self.store
        return Response(
            200,
            {
                "account_type": "BUSINESS",
                "id": store.user_id,
                "username": store.username,
                "profile_image": "https://i.pinimg.com/75x75_RS/00/00/00/emulator.jpg",
                "website_url": "https://shop.example",
                "business_name": "Emulated Shop",
                "board_count": len(store.boards),
                "pin_count": len(store.live_pins()),
                "follower_count": 0,
                "following_count": 0,
                "monthly_views": self.analytics.monthly_views(),
                "about": "A local stand-in for Pinterest API v5 (pinbot emulator).",
            },
        )

    # -- boards ------------------------------------------------------------------------------
    def board_json(self, board: Board) -> dict[str, Any]:
        pins = self.store.board_pins(board.id)
        modified = max((p.created_at for p in pins), default=board.created_at)
        return {
            "id": board.id,
            "name": board.name,
            "description": board.description,
            "privacy": board.privacy,
            "created_at": iso(board.created_at),
            "board_pins_modified_at": iso(modified),
            "owner": {"username": self.store.username},
            "pin_count": len(pins),
            "follower_count": 0,
            "collaborator_count": 0,
            "is_ads_only": False,
            "media": {"image_cover_url": None, "pin_thumbnail_urls": []},
        }

    def board(self, board_id: str) -> Board:
        board = self.store.boards.get(board_id)
        if board is None:
            raise ApiError(404, 404, "Board not found.")
        return board

    def list_boards(self, req: Request) -> Response:
        wanted = req.arg("privacy", "ALL") or "ALL"
        if wanted not in BOARD_FILTERS:
            raise invalid(f"privacy must be one of {', '.join(BOARD_FILTERS)}.")
        boards = sorted(
            (b for b in self.store.boards.values() if b.privacy in BOARD_FILTERS[wanted]), key=lambda b: int(b.id)
        )
        page = paginate(req, boards, lambda b: b.id, newest_first=False)
        return Response(200, {"items": [self.board_json(b) for b in page["items"]], "bookmark": page["bookmark"]})

    def create_board(self, req: Request) -> Response:
        data = req.json()
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise invalid("name is required.")
        if len(name) > BOARD_NAME_MAX:
            raise invalid(f"name is {len(name)} characters long; the maximum is {BOARD_NAME_MAX}.")
        description = data.get("description") or ""
        if not isinstance(description, str):
            raise invalid("description must be a string.")
        privacy = data.get("privacy") or "PUBLIC"
        if privacy not in PRIVACY:
            raise invalid("privacy must be PUBLIC, PROTECTED or SECRET.")
        if any(b.name.casefold() == name.strip().casefold() for b in self.store.boards.values()):
            raise ApiError(409, 58, "You already have a board with that name.")
        board = self.add_board(name.strip(), description, privacy)
        return Response(201, self.board_json(board))

    def add_board(self, name: str, description: str = "", privacy: str = "PUBLIC") -> Board:
        board = Board(self.store.next_id("board"), name, description, privacy, self.now())
        self.store.boards[board.id] = board
        self.store.save()
        return board

    def get_board(self, req: Request, board_id: str) -> Response:
        return Response(200, self.board_json(self.board(board_id)))

    # -- sections ----------------------------------------------------------------------------
    def list_sections(self, req: Request, board_id: str) -> Response:
        self.board(board_id)
        sections = sorted((s for s in self.store.sections.values() if s.board_id == board_id), key=lambda s: int(s.id))
        page = paginate(req, sections, lambda s: s.id, newest_first=False)
        return Response(
            200, {"items": [{"id": s.id, "name": s.name} for s in page["items"]], "bookmark": page["bookmark"]}
        )

    def create_section(self, req: Request, board_id: str) -> Response:
        self.board(board_id)
        name = req.json().get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 180:
            raise ApiError(400, 400, "Invalid board section parameters: name must be 1 to 180 characters.")
        section = Section(self.store.next_id("section"), board_id, name)
        self.store.sections[section.id] = section
        self.store.save()
        return Response(201, {"id": section.id, "name": section.name})

    # -- pins --------------------------------------------------------------------------------
    def create_pin(self, req: Request) -> Response:
        pin = validate_pin_create(self.store, req.json(), self.now())
        pin.id = self.store.next_id("pin")
        self.store.pins[pin.id] = pin
        self.store.save()
        return Response(201, pin_json(pin, self.store.username))

    def _pin(self, pin_id: str) -> Any:
        pin = self.store.pins.get(pin_id)
        if pin is None or not pin.alive:
            raise ApiError(404, 50, "Pin not found.")
        return pin

    def get_pin(self, req: Request, pin_id: str) -> Response:
        pin = self._pin(pin_id)
        body = pin_json(pin, self.store.username)
        if (req.arg("pin_metrics") or "").lower() == "true":
            body["pin_metrics"] = self.analytics.pin_metrics(pin)
        return Response(200, body)

    def delete_pin(self, req: Request, pin_id: str) -> Response:
        pin = self._pin(pin_id)
        pin.deleted_at = self.now()
        self.store.save()
        return Response(204)

    def list_pins(self, req: Request) -> Response:
        pins = sorted(self.store.live_pins(), key=lambda p: int(p.id), reverse=True)
        return self._pin_page(req, pins)

    def board_pins(self, req: Request, board_id: str) -> Response:
        self.board(board_id)
        pins = sorted(self.store.board_pins(board_id), key=lambda p: int(p.id), reverse=True)
        return self._pin_page(req, pins)

    def _pin_page(self, req: Request, pins: list[Any]) -> Response:
        page = paginate(req, pins, lambda p: p.id, newest_first=True)
        with_metrics = (req.arg("pin_metrics") or "").lower() == "true"
        items = []
        for pin in page["items"]:
            item = pin_json(pin, self.store.username)
            if with_metrics:
                item["pin_metrics"] = self.analytics.pin_metrics(pin)
            items.append(item)
        return Response(200, {"items": items, "bookmark": page["bookmark"]})
