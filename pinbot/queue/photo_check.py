"""Photos at queue and import time: warnings about a photo too small for its pin's design (it is
enlarged into visible blocks, so the owner hears about it, with the size needed, before it posts;
read from image headers only), and an import's photos checked ahead of its rows by worker
processes when there are many.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from stat import S_ISREG

from pinbot.errors import InvalidInput, PinbotError
from pinbot.queue.service import PinRequest
from pinbot.render.batch import Answer, PhotoKey, PhotoPool
from pinbot.render.fits import upscale_warning
from pinbot.render.loading import photo_size
from pinbot.render.template_file import load_template
from pinbot.shop.boards import BoardDef
from pinbot.shop.validation import IMAGE_MAX_BYTES, image_file

Row = tuple[int, dict[str, str]]  # spreadsheet row number, {column: cell}

MAX_LINES = 10


def photo_warnings(assets_dir: Path, boards: dict[str, BoardDef], requests: Iterable[PinRequest]) -> list[str]:
    """One line per photo and design that would be enlarged more than 1.5x (at most MAX_LINES,
    then a count of the rest)."""
    seen: set[tuple[str, str]] = set()
    lines: list[str] = []
    for req in requests:
        if not req.image:
            continue
        for key in req.boards:
            board = boards.get(key)
            template = req.template or (board.default_template if board else None)
            if not template or (req.image, template) in seen:
                continue
            seen.add((req.image, template))
            size = photo_size(Path(req.image))
            if size is None:
                continue
            try:
                tpl = load_template(assets_dir, template)
            except PinbotError:
                continue  # an unknown template is reported when the pin renders
            line = upscale_warning(Path(req.image), size, tpl)
            if line:
                lines.append(f"warning: {line}")
    if len(lines) > MAX_LINES:
        rest = len(lines) - MAX_LINES
        lines = [*lines[:MAX_LINES], f"warning: {rest} more photos are too small for their designs"]
    return lines


AHEAD = 1000  # rows read ahead of the import's checks (the cache of checked photos holds 4,096)


def checked_ahead(rows: Iterator[Row], base: Path) -> Iterator[Row]:
    """`rows` as they are, in order, read AHEAD rows at a time: the photos first named in a batch
    are checked by worker processes (`pinbot.render.batch`) while the rows before it are
    validated, so that the import's own check of each photo finds the answer ready. An error that
    ends `rows` (a malformed CSV line) is raised after the rows before it, as without this."""
    pool = PhotoPool()
    if not pool.usable:
        yield from rows
        return
    seen: set[str] = set()
    ready: list[Row] = []
    pending: tuple[list[PhotoKey], Iterator[Answer] | None] = ([], None)
    try:
        while True:
            batch: list[Row] = []
            try:
                batch.extend(islice(rows, AHEAD))
            except InvalidInput:
                pool.keep(*pending)
                yield from ready
                yield from batch  # the rows read before the bad line
                raise
            keys = _new_photos(batch, base, seen) if pool.usable else []
            submitted = (keys, pool.submit(keys))
            pool.keep(*pending)
            yield from ready
            if not batch:
                return
            ready, pending = batch, submitted
    finally:
        pool.close()


def _new_photos(batch: list[Row], base: Path, seen: set[str]) -> list[PhotoKey]:
    """The photo files first named in `batch`, keyed as the checks' caches key them (the path
    `check_image_path` checks, its mtime and size); a cell that names no regular file is left to
    the import's own check, which says what is wrong with it."""
    keys: list[PhotoKey] = []
    for _, cells in batch:
        value = cells.get("image", "").strip()
        if not value or value in seen:
            continue
        seen.add(value)
        try:
            path = image_file(value, base)
            st = path.stat()
        except (OSError, ValueError):
            continue
        if S_ISREG(st.st_mode) and 0 < st.st_size <= IMAGE_MAX_BYTES:
            keys.append((str(path.absolute()), st.st_mtime_ns, st.st_size))
    return keys
