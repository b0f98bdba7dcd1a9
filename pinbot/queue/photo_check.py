"""Warnings about photos at queue and import time: a photo too small for its pin's design is
enlarged into visible blocks, so the owner hears about it (with the size needed) before it posts.
Reads only image headers, so checking thousands of rows costs little.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pinbot.errors import PinbotError
from pinbot.queue.service import PinRequest
from pinbot.render.fits import upscale_warning
from pinbot.render.loading import photo_size
from pinbot.render.template_file import load_template
from pinbot.shop.boards import BoardDef

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
