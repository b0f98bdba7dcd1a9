"""Photos at queue and import time: warnings about a photo too small for its pin's design (it is
enlarged into visible blocks, so the owner hears about it, with the size needed, before it posts;
read from image headers only), and an import's photos checked ahead of its rows by worker
processes when there are many.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from pinbot.errors import InvalidInput, PinbotError
from pinbot.queue.service import PinRequest
from pinbot.render.batch import PhotoPool
from pinbot.render.loading import photo_size, remember_check
from pinbot.render.subject import fingerprint, remember_fingerprint
from pinbot.shop.boards import BoardDef
from pinbot.shop.validation import check_image, forget_checked, remember_checked

Row = tuple[int, dict[str, str]]  # spreadsheet row number, {column: cell}

MAX_LINES = 10


def photo_warnings(assets_dir: Path, boards: dict[str, BoardDef], requests: Iterable[PinRequest]) -> list[str]:
    """One line per photo and design that would be enlarged more than 1.5x (at most MAX_LINES,
    then a count of the rest)."""
    seen: set[tuple[str, str]] = set()
    lines: list[str] = []
    # Each board's own design, for the pins without one: most boards have none, and an import
    # passes 100,000 pins here.
    defaults = {key: board.default_template for key, board in boards.items() if board.default_template}
    for req in requests:
        if not req.image or not (req.template or defaults):
            continue
        for key in req.boards:
            template = req.template or defaults.get(key)
            if not template or (req.image, template) in seen:
                continue
            seen.add((req.image, template))
            size = photo_size(Path(req.image))
            if size is None:
                continue
            # The designs and their layouts are loaded for pins that have one (tens of milliseconds).
            from pinbot.render.fits import upscale_warning
            from pinbot.render.template_file import load_template

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
    validated, so that the import's own check of each photo (`check_image_path`) finds the answer
    ready. An error that ends `rows` (a malformed CSV line) is raised after the rows before it,
    as without this."""
    pool = PhotoPool(lambda value: _answer(value, base))
    if not pool.usable:
        yield from rows
        return
    seen: set[str] = set()
    ready: list[Row] = []
    pending: tuple[list[str], list[int] | None] = ([], None)
    try:
        while True:
            batch: list[Row] = []
            try:
                batch.extend(islice(rows, AHEAD))
            except InvalidInput:
                _keep(pool, *pending, base)
                yield from ready
                yield from batch  # the rows read before the bad line
                raise
            # The answers for the rows about to be handed on, then the next photos to the workers:
            # they check those while the import validates these rows.
            _keep(pool, *pending, base)
            values = _new_photos(batch, seen) if pool.usable else []
            pending = (values, pool.submit(values))
            yield from ready
            if not batch:
                return
            ready = batch
    finally:
        pool.close()
        for value in seen:
            forget_checked(value, base)


def _new_photos(batch: list[Row], seen: set[str]) -> list[str]:
    """The image cells first named in `batch`, as the import will check them."""
    values: list[str] = []
    for _, cells in batch:
        value = cells.get("image", "").strip()
        if value and value not in seen:
            seen.add(value)
            values.append(value)
    return values


PhotoAnswer = tuple[str, int, int, int, int, str | None]  # path, mtime_ns, size, width, height, fingerprint


def _answer(value: str, base: Path) -> PhotoAnswer:
    """In a worker: the import's check of an image cell, and the photo's fingerprint; raises for
    a cell the import's own check will refuse (with its reason, in its words)."""
    path, st, (width, height) = check_image(value, base=base, keep_fingerprint=True)
    return str(path), st.st_mtime_ns, st.st_size, width, height, fingerprint(path, st)


def _keep(pool: PhotoPool, values: list[str], sent: list[int] | None, base: Path) -> int:
    """Wait for the answers to `values` and keep each passed check where the import's own check
    and fingerprint look first; returns how many were kept."""
    answers = pool.answers(sent)
    if answers is None:
        return 0
    kept = 0
    for value, answer in zip(values, answers, strict=True):
        if answer is not None:
            path, mtime_ns, size, width, height, fingerprint = answer
            remember_check((path, mtime_ns, size), (width, height))
            remember_fingerprint((path, mtime_ns, size), fingerprint)
            remember_checked(value, base, Path(path))
            kept += 1
    return kept
