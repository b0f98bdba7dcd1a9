"""The shop's boards as files: `boards/KEY.toml`, one board per file, KEY = the file name.

Owns parsing and validating those files (errors name the file and the key) and the sync plan
against the account's real boards (create what is missing, link what exists by name, never delete).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pinbot.errors import InvalidInput

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
PRIVACY = ("PUBLIC", "PROTECTED", "SECRET")
_ALLOWED = {"name", "description", "privacy", "keywords", "default_template", "section", "link"}
_LINK_ALLOWED = {"utm_source", "utm_medium", "utm_campaign", "tag_links"}


@dataclass(frozen=True)
class LinkRules:
    utm_source: str = "pinterest"
    utm_medium: str = "social"
    utm_campaign: str = ""  # empty: the board key
    tag_links: bool = True


@dataclass(frozen=True)
class BoardDef:
    key: str
    name: str
    description: str = ""
    privacy: str = "PUBLIC"
    keywords: tuple[str, ...] = ()
    default_template: str | None = None
    section: str | None = None
    link: LinkRules = field(default_factory=LinkRules)
    path: Path | None = None

    @property
    def campaign(self) -> str:
        return self.link.utm_campaign or self.key


def _str(data: dict[str, Any], key: str, src: str, *, required: bool = False, limit: int = 0) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise InvalidInput(key, f"must be a string, got {type(value).__name__}", source=src)
    value = value.strip()
    if required and not value:
        raise InvalidInput(key, "is required", source=src)
    if limit and len(value) > limit:
        raise InvalidInput(key, f"is {len(value)} characters; the limit is {limit}", source=src)
    return value


def parse_board(path: Path) -> BoardDef:
    src = path.name
    key = path.stem
    if not KEY_RE.match(key):
        raise InvalidInput(
            "file name",
            "use lowercase letters, digits, '-' or '_' (it is the board key)",
            source=src,
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput("toml", str(exc), source=src) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput("file", f"cannot read: {exc}", source=src) from None
    unknown = set(data) - _ALLOWED
    if unknown:
        raise InvalidInput(sorted(unknown)[0], f"unknown key (allowed: {', '.join(sorted(_ALLOWED))})", source=src)
    name = _str(data, "name", src, required=True, limit=180)
    description = _str(data, "description", src, limit=500)
    privacy = (_str(data, "privacy", src) or "PUBLIC").upper()
    if privacy not in PRIVACY:
        raise InvalidInput("privacy", f"must be one of {', '.join(PRIVACY)}, got {privacy!r}", source=src)
    keywords = data.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise InvalidInput("keywords", "must be a list of strings", source=src)
    template = _str(data, "default_template", src) or None
    section = _str(data, "section", src, limit=180) or None
    link_data = data.get("link", {})
    if not isinstance(link_data, dict):
        raise InvalidInput("link", "must be a table: [link]", source=src)
    unknown = set(link_data) - _LINK_ALLOWED
    if unknown:
        raise InvalidInput(
            f"link.{sorted(unknown)[0]}",
            f"unknown key (allowed: {', '.join(sorted(_LINK_ALLOWED))})",
            source=src,
        )
    tag = link_data.get("tag_links", True)
    if not isinstance(tag, bool):
        raise InvalidInput("link.tag_links", "must be true or false", source=src)
    rules = LinkRules(
        utm_source=_str(link_data, "utm_source", src) or "pinterest",
        utm_medium=_str(link_data, "utm_medium", src) or "social",
        utm_campaign=_str(link_data, "utm_campaign", src),
        tag_links=tag,
    )
    return BoardDef(
        key,
        name,
        description,
        privacy,
        tuple(k.strip() for k in keywords if k.strip()),
        template,
        section,
        rules,
        path,
    )


def scan_boards(boards_dir: Path) -> tuple[dict[str, BoardDef], list[InvalidInput]]:
    """Every parsable board, and one error per broken file (for `doctor` and `boards list`)."""
    boards: dict[str, BoardDef] = {}
    errors: list[InvalidInput] = []
    if not boards_dir.is_dir():
        errors.append(InvalidInput("PINBOT_BOARDS_DIR", f"{boards_dir} is not a folder", source=str(boards_dir)))
        return boards, errors
    names: dict[str, str] = {}
    for path in sorted(boards_dir.glob("*.toml")):
        try:
            board = parse_board(path)
        except InvalidInput as exc:
            errors.append(exc)
            continue
        if board.name.lower() in names:
            errors.append(
                InvalidInput(
                    "name",
                    f"{board.name!r} is also used by {names[board.name.lower()]}",
                    source=path.name,
                )
            )
            continue
        names[board.name.lower()] = path.name
        boards[board.key] = board
    return boards, errors


def load_boards(boards_dir: Path) -> dict[str, BoardDef]:
    """All boards; the first broken file raises (commands that need a sound boards folder)."""
    boards, errors = scan_boards(boards_dir)
    if errors:
        raise errors[0]
    return boards


def require_board(boards: dict[str, BoardDef], key: str, *, row: int | None = None, source: str = "") -> BoardDef:
    if key not in boards:
        known = ", ".join(sorted(boards)) or "none: add a file to the boards folder"
        raise InvalidInput("board", f"unknown board {key!r} (known: {known})", row=row, source=source)
    return boards[key]


@dataclass(frozen=True)
class SyncStep:
    action: str  # "create" | "link" | "ok"
    key: str
    name: str
    pinterest_board_id: str | None = None


def plan_sync(local: Iterable[BoardDef], remote: dict[str, str], linked: dict[str, str | None]) -> list[SyncStep]:
    """What `boards sync` will do. `remote` maps board name (any case) to Pinterest id;
    `linked` maps board key to the id already stored. Never plans a deletion."""
    by_name = {name.strip().lower(): pid for name, pid in remote.items()}
    steps: list[SyncStep] = []
    for board in local:
        stored = linked.get(board.key)
        if stored and stored in remote.values():
            steps.append(SyncStep("ok", board.key, board.name, stored))
        elif board.name.strip().lower() in by_name:
            steps.append(SyncStep("link", board.key, board.name, by_name[board.name.strip().lower()]))
        else:
            steps.append(SyncStep("create", board.key, board.name))
    return steps
