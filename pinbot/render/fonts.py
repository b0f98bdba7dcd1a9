"""Fonts: loading one at a size (cached, re-read when the file changes) and knowing which
characters it can draw, so a headline in a script the heading font lacks falls back to another
brand font instead of printing empty boxes.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont


def load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """A font at one size, cached (keyed by the file's mtime, so a replaced font is re-read)."""
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        mtime = 0
    return _load_font(path, mtime, size)


@lru_cache(maxsize=512)
def _load_font(path: str, _mtime_ns: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=16)
def _notdef(font: ImageFont.FreeTypeFont) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask("\U0010fffd")
    return mask.size, bytes(mask)


@lru_cache(maxsize=4096)
def _has_glyph(font: ImageFont.FreeTypeFont, ch: str) -> bool:
    mask = font.getmask(ch)
    return (mask.size, bytes(mask)) != _notdef(font)


def missing_glyphs(font_path: Path, text: str) -> set[str]:
    """Characters of `text` the font would draw as an empty box (.notdef)."""
    font = load_font(str(font_path), 48)
    return {ch for ch in set(text) if not ch.isspace() and ord(ch) >= 0x80 and not _has_glyph(font, ch)}
