"""pinbot's own CSV format: one pin (or one pin per listed board) per row.

Columns (header row required, any order, names case-insensitive):
  board | boards   board key, or several separated by commas ("ceramics,diy-craft-tutorials")
  title            required, ≤ 100 characters
  image            required, path to the photo (relative paths are relative to the CSV file)
  description      ≤ 800 characters
  link             http(s) URL, ≤ 2048 characters
  alt_text         ≤ 500 characters
  at               explicit ISO-8601 time (in PINBOT_TIMEZONE unless it has an offset)
  template         renderer template name
  headline         short text printed big on the pin (default: from the title)
  badge            a label on the pin, e.g. NEW or SALE
  key              your own unique id for the row; without it one is derived from the row

Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pinbot.errors import InvalidInput
from pinbot.importers.common import CsvTable, norm, read_csv_table
from pinbot.queue.service import PinRequest
from pinbot.shop.boards import BoardDef, require_board
from pinbot.shop.validation import (
    ALT_TEXT_MAX,
    BADGE_MAX,
    DESCRIPTION_MAX,
    HEADLINE_MAX,
    TITLE_MAX,
    check_image_path,
    check_link,
    check_text,
    parse_when,
)

COLUMNS = (
    "board",
    "boards",
    "title",
    "image",
    "description",
    "link",
    "alt_text",
    "at",
    "template",
    "headline",
    "badge",
    "key",
)
MAX_BOARDS_PER_ROW = 10


@dataclass
class ParsedFile:
    requests: list[tuple[int, PinRequest]] = field(default_factory=list)
    errors: list[InvalidInput] = field(default_factory=list)
    rows: int = 0


def parse_csv(
    path: Path,
    boards: dict[str, BoardDef],
    tz: ZoneInfo,
    progress: Callable[[int], None] | None = None,
) -> ParsedFile:
    """Validate every row; collect one error per bad row (the first problem found in it)."""
    table, rows = read_csv_table(path)
    src = table.name
    known = {norm(name): name for name in COLUMNS}
    shop_export = _shop_export(table, known)
    if shop_export:
        raise InvalidInput(
            "file",
            f"this is {shop_export}, not pinbot's pin CSV: import it with `pinbot products import {path.name}`, "
            "then queue its products with `pinbot queue add --product KEY --board BOARD`",
            source=src,
        )
    for key, index in table.columns.items():
        if key not in known:
            shown = table.header[index].strip() or "(blank)"
            raise InvalidInput(shown, f"unknown column (known: {', '.join(COLUMNS)})", row=1, source=src)
    table.require(("title", "image"))
    if not (table.has("board") or table.has("boards")):
        raise InvalidInput("board", "column is missing from the header (board or boards)", row=1, source=src)

    result = ParsedFile()
    image_cache: dict[str, Path | InvalidInput] = {}
    checked: dict[tuple[str, str], str] = {}  # (field, raw value) -> valid value: a file repeats its values
    contents: dict[tuple[str, ...], _Content] = {}  # a row's cells but board and key -> their valid values
    board_keys: dict[tuple[str, str], tuple[str, ...]] = {}  # board and boards cells -> valid board keys
    requests: dict[tuple[str, ...], PinRequest] = {}  # a row's cells but board and key -> a request made of them
    # Absolute once here: each photo's path is made absolute for the pin (`check_image`), which
    # for a relative one asks the system for the working folder, photo by photo.
    base = path.parent.absolute()
    from pinbot.queue.photo_check import checked_ahead  # Pillow: only when a file is imported

    rows = checked_ahead(rows, base)  # many photos: checked by worker processes ahead of the rows
    as_named = all(known[key] == key for key in table.columns)  # no column to rename (alt_text is)
    # Every row has the header's columns. A row whose cells but its boards and key are an earlier
    # valid row's, on boards named before, is that row's request under its own boards and key: a
    # few lookups, not the checks (most rows of a big file name one photo on several boards).
    named = [known[key] for key in table.columns]
    content_of = itemgetter(*[name for name in named if name not in ("board", "boards", "key")])
    boards_of = itemgetter(*[name for name in named if name in ("board", "boards")])
    with_key = "key" in named
    done: dict[Any, PinRequest] = {}
    # The board cells (one, or a pair) of a valid row -> its boards: a later row with the same
    # cells and content is that row's request, checked as it was (a pair of gets per row cost more).
    boards_by_cells: dict[Any, tuple[str, ...]] = {}
    add = result.requests.append
    read = 0
    try:
        for row_no, cells in rows:
            read += 1
            if progress:
                progress(1)
            row = cells if as_named else {known[key]: value for key, value in cells.items()}
            content = content_of(row)
            if with_key:
                earlier = done.get(content)
                if earlier is not None:
                    keys = boards_by_cells.get(boards_of(row))
                    key = row["key"].strip()
                    if keys is not None and key and len(key) <= 200:
                        add((row_no, earlier.on_boards(keys, "csv:" + key)))
                        continue
            try:
                req = _row_request(
                    row, row_no, src, base, boards, tz, image_cache, checked, contents, board_keys, requests
                )
            except InvalidInput as exc:
                result.errors.append(exc)
                continue
            done[content] = req
            boards_by_cells[boards_of(row)] = req.boards
            add((row_no, req))
    except InvalidInput as exc:  # a malformed CSV line: the rows after it cannot be trusted
        result.errors.append(exc)
    result.rows = read + len(table.row_errors)
    result.errors.extend(table.row_errors)
    result.errors.sort(key=lambda e: e.row or 0)
    return result


def _shop_export(table: CsvTable, known: dict[str, str]) -> str:
    """What kind of shop export a CSV is, when it is one ("" for anything else)."""
    if all(key in known for key in table.columns):
        # Only pinbot's own columns: no shop's export (each has a price or a handle column, in any
        # language). Its importers, and the download code they bring, are then not loaded.
        return ""
    from pinbot.importers.etsy import looks_like_etsy
    from pinbot.importers.shopify import looks_like_shopify

    if looks_like_shopify(table):
        return "a Shopify products export"
    if looks_like_etsy(table):
        return "an Etsy listings export"
    return ""


# title, description, link, alt_text, image, at, template, headline, badge: valid values
_Content = tuple[str, str, str, str, Path, datetime | None, str | None, str, str]


def _row_request(
    row: dict[str, str],
    row_no: int,
    src: str,
    base: Path,
    boards: dict[str, BoardDef],
    tz: ZoneInfo,
    image_cache: dict[str, Path | InvalidInput],
    checked: dict[tuple[str, str], str] | None = None,
    contents: dict[tuple[str, ...], _Content] | None = None,
    board_keys: dict[tuple[str, str], tuple[str, ...]] | None = None,
    requests: dict[tuple[str, ...], PinRequest] | None = None,
) -> PinRequest:
    board_keys = {} if board_keys is None else board_keys
    get = row.get
    cells = (get("board", ""), get("boards", ""))
    keys = board_keys.get(cells)
    if keys is None:
        raw_boards = ",".join(v for v in cells if v.strip())
        keys = tuple(dict.fromkeys(k.strip() for k in raw_boards.split(",") if k.strip()))
        if not keys:
            raise InvalidInput("board", "is required", row=row_no, source=src)
        if len(keys) > MAX_BOARDS_PER_ROW:
            raise InvalidInput(
                "boards", f"{len(keys)} boards; at most {MAX_BOARDS_PER_ROW} per pin", row=row_no, source=src
            )
        for key in keys:
            require_board(boards, key, row=row_no, source=src)
        board_keys[cells] = keys
    # A file names one photo with the same words on many boards: cells once found valid are not
    # checked again (only valid ones are kept, so a bad cell's error names each row it is in).
    raw = (
        get("title", ""),
        get("description", ""),
        get("link", ""),
        get("alt_text", ""),
        get("image", ""),
        get("at", ""),
        get("template", ""),
        get("headline", ""),
        get("badge", ""),
    )
    made = requests.get(raw) if requests is not None else None
    content = contents.get(raw) if contents is not None else None
    if content is None:
        content = _content(row, row_no, src, base, tz, image_cache, {} if checked is None else checked)
        if contents is not None:
            contents[raw] = content
    title, description, link, alt_text, image, at, template, headline, badge = content
    key = get("key", "").strip()
    if len(key) > 200:
        raise InvalidInput("key", "is longer than 200 characters", row=row_no, source=src)
    extra = (headline, badge) if headline or badge else ()  # another text on the image: another pin
    source_key = "csv:" + (key or _derived_key(title, link, str(image), template, *extra))
    if made is not None:  # the request of an earlier row with these cells, its boards and key swapped
        return made.on_boards(keys, source_key)
    req = PinRequest(
        boards=keys,
        title=title,
        description=description,
        link=link,
        image=str(image),
        alt_text=alt_text,
        at=at,
        template=template,
        source_key=source_key,
        headline=headline,
        badge=badge,
    )
    if requests is not None:
        requests[raw] = req
    return req


def _content(
    row: dict[str, str],
    row_no: int,
    src: str,
    base: Path,
    tz: ZoneInfo,
    image_cache: dict[str, Path | InvalidInput],
    memo: dict[tuple[str, str], str],
) -> _Content:
    """The row's cells but board and key, checked in column order (the first problem is raised)."""

    def text(field: str, limit: int, required: bool = False, single_line: bool = False) -> str:
        raw = row.get(field, "")
        value = memo.get((field, raw))
        if value is None:  # a bad value is not kept: its error names each row it is in
            value = check_text(field, raw, limit, required=required, row=row_no, source=src, single_line=single_line)
            memo[(field, raw)] = value
        return value

    title = text("title", TITLE_MAX, required=True, single_line=True)
    description = text("description", DESCRIPTION_MAX)
    raw_link = row.get("link", "")
    link = memo.get(("link", raw_link))
    if link is None:
        link = memo[("link", raw_link)] = check_link(raw_link, row=row_no, source=src)
    alt_text = text("alt_text", ALT_TEXT_MAX)
    image_value = row.get("image", "").strip()
    cached = image_cache.get(image_value)
    if cached is None:
        try:
            cached = check_image_path(image_value, base=base, row=row_no, source=src, keep_fingerprint=True)
        except InvalidInput as exc:
            cached = exc
        image_cache[image_value] = cached
    if isinstance(cached, InvalidInput):
        raise InvalidInput("image", cached.reason, row=row_no, source=src)
    at = parse_when(row["at"], tz, row=row_no, source=src) if row.get("at", "").strip() else None
    template = row.get("template", "").strip() or None
    headline = text("headline", HEADLINE_MAX)
    badge = text("badge", BADGE_MAX)
    return title, description, link, alt_text, cached, at, template, headline, badge


def _derived_key(*parts: str | None) -> str:
    # Same content, same key: re-importing an unchanged row adds nothing.
    return hashlib.sha256("\x1f".join(p or "" for p in parts).encode()).hexdigest()[:24]
