"""Text that fits: wrapping, the largest size that fits a box, an ellipsis only as a last resort,
letter-spacing for small caps labels, and drawing at exact positions.

Sizes are searched from the template's maximum down to its minimum; the text is wrapped by words
(characters for scripts without spaces), balanced so that a headline does not end on an orphan,
and cut with an ellipsis only when it cannot fit in `max_lines` at the minimum size.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from pinbot.render.fonts import load_font
from pinbot.render.types import RGB, Box, TextPlacement
from pinbot.words import drop_dangling

ELLIPSIS = "…"


@dataclass(frozen=True)
class TextStyle:
    font: Path
    min_size: int
    max_size: int
    max_lines: int = 2
    line_height: float = 1.15
    uppercase: bool = False
    tracking: float = 0.0  # extra space between letters, in em
    balance: bool = True


@dataclass(frozen=True)
class FittedText:
    lines: tuple[str, ...]
    size: int
    font: ImageFont.FreeTypeFont
    tracking_px: float
    line_step: int  # baseline to baseline
    top: int  # from the block's top to the first baseline
    height: int  # ink height of the block
    widths: tuple[int, ...]  # ink width of each line
    lefts: tuple[int, ...]  # ink offset of each line from its origin
    truncated: bool
    ink: tuple[tuple[int, int], ...] = ()  # (top, bottom) of each line's ink around its baseline


def _tracked(text: str, tracking: float) -> bool:
    # Spacing letters one by one would break the shaping of joined scripts (Arabic, Indic, ...).
    return tracking > 0 and all(ord(ch) < 0x0530 for ch in text)


@lru_cache(maxsize=8192)
def _advance(font: ImageFont.FreeTypeFont, ch: str) -> float:
    return font.getlength(ch)


@lru_cache(maxsize=8192)
def _char_box(font: ImageFont.FreeTypeFont, ch: str) -> tuple[float, float, float, float]:
    return font.getbbox(ch, anchor="ls")


def line_box(font: ImageFont.FreeTypeFont, text: str, tracking_px: float) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) ink box of one line around its origin on the baseline, exactly
    as `draw_text` will draw it."""
    if tracking_px:
        x = 0.0
        left = right = 0.0
        top = bottom = 0.0
        for i, ch in enumerate(text):
            x0, y0, x1, y1 = _char_box(font, ch)
            if i == 0:
                left = x0
            right = x + x1
            top, bottom = min(top, y0), max(bottom, y1)
            x += _advance(font, ch) + tracking_px
        return math.floor(left), math.floor(top), math.ceil(right), math.ceil(bottom)
    x0, y0, x1, y1 = font.getbbox(text, anchor="ls")
    return int(x0), int(y0), int(x1), int(y1)


def line_extent(font: ImageFont.FreeTypeFont, text: str, tracking_px: float) -> tuple[int, int]:
    """(left ink offset, ink width) of one line."""
    x0, _, x1, _ = line_box(font, text, tracking_px)
    return x0, x1 - x0


class _Measure:
    """Advance widths of words at one size, measured once; a line's width is the sum of its
    words and spaces (kerning across a space is negligible; the final layout is measured exactly)."""

    def __init__(self, font: ImageFont.FreeTypeFont, tracking_px: float, scale: float = 1.0) -> None:
        self.font = font
        self.tracking = tracking_px
        self.scale = scale
        self.cache: dict[str, float] = {}
        self.space = self.word(" ") + (tracking_px if tracking_px else 0.0)

    def word(self, w: str) -> float:
        got = self.cache.get(w)
        if got is None:
            if self.tracking:
                got = sum(_advance(self.font, ch) for ch in w) + self.tracking * max(0, len(w) - 1)
            else:
                got = self.font.getlength(w)
            self.cache[w] = got
        return got * self.scale

    def line(self, words: list[str]) -> float:
        return sum(self.word(w) for w in words) + self.space * self.scale * max(0, len(words) - 1)


def _unspaced(word: str) -> bool:
    """Scripts written without spaces (CJK, Thai, ...) wrap between characters at any size."""
    return any(0x0E00 <= ord(ch) <= 0x0EFF or 0x2E80 <= ord(ch) <= 0xD7FF or ord(ch) >= 0xF900 for ch in word)


def _split(word: str, m: _Measure, width: float) -> list[str]:
    """Break a word wider than the line by characters (also how CJK text without spaces wraps)."""
    pieces: list[str] = []
    piece = ""
    for ch in word:
        if piece and m.word(piece + ch) > width:
            pieces.append(piece)
            piece = ch
        else:
            piece += ch
    if piece:
        pieces.append(piece)
    return pieces


def _wrap(words: list[str], m: _Measure, width: float) -> list[list[str]]:
    """Greedy wrap into lists of words."""
    lines: list[list[str]] = []
    current: list[str] = []
    used = 0.0
    for word in words:
        ww = m.word(word)
        if current and used + m.space * m.scale + ww <= width:
            current.append(word)
            used += m.space * m.scale + ww
            continue
        if current:
            lines.append(current)
        if ww <= width:
            current, used = [word], ww
            continue
        pieces = _split(word, m, width)
        lines.extend([p] for p in pieces[:-1])
        current, used = [pieces[-1]], m.word(pieces[-1])
    if current:
        lines.append(current)
    return lines


def _balanced(words: list[str], m: _Measure, width: float) -> list[list[str]]:
    lines = _wrap(words, m, width)
    if len(lines) < 2:
        return lines
    # The narrowest measure that still needs no more lines (and breaks no word that fitted)
    # gives lines of even length.
    widest = max((m.word(w) for w in words if m.word(w) <= width), default=0.0)
    lo, hi = max(width / 2, widest), width
    best = lines
    while hi - lo > 4:
        mid = (lo + hi) / 2
        trial = _wrap(words, m, mid)
        if len(trial) <= len(lines):
            best, hi = trial, mid
        else:
            lo = mid
    return best


def _metrics(boxes: list[tuple[int, int, int, int]], size: int, line_step: int) -> tuple[int, int]:
    """(top: block top to first baseline, ink height of the block), exact for every line's ink."""
    top = max(-b[1] - i * line_step for i, b in enumerate(boxes))
    # A floor under the last baseline keeps gaps even whether or not the text has descenders.
    floor = int(0.2 * size)
    bottom = max(i * line_step + max(b[3], floor if i == len(boxes) - 1 else 0) for i, b in enumerate(boxes))
    return top, top + bottom


def _ink_ratios(font: ImageFont.FreeTypeFont, text: str, tracking_px: float) -> tuple[float, float]:
    """How far this text's ink reaches above and below the baseline, per pixel of size (no line
    of it reaches further than the whole text does)."""
    _, top, _, bottom = line_box(font, text, tracking_px)
    return max(0, -top) / font.size, max(0, bottom) / font.size


def _estimated_height(font: ImageFont.FreeTypeFont, n: int, line_step: int, ratios: tuple[float, float]) -> int:
    size = font.size
    return math.ceil(size * ratios[0] + (n - 1) * line_step + max(size * ratios[1], 0.2 * size))


def _finish(
    lines: list[str], font: ImageFont.FreeTypeFont, style: TextStyle, tracking_px: float, truncated: bool
) -> FittedText:
    step = round(font.size * style.line_height)
    boxes = [line_box(font, line, tracking_px) for line in lines]
    top, height = _metrics(boxes, int(font.size), step)
    return FittedText(
        lines=tuple(lines),
        size=int(font.size),
        font=font,
        tracking_px=tracking_px,
        line_step=step,
        top=top,
        height=height,
        widths=tuple(b[2] - b[0] for b in boxes),
        lefts=tuple(b[0] for b in boxes),
        truncated=truncated,
        ink=tuple((b[1], b[3]) for b in boxes),
    )


def fit_text(text: str, style: TextStyle, width: int, height: int) -> FittedText | None:
    """The largest size in [min_size, max_size] at which `text` fits (width, height) in at most
    `max_lines` lines; at the minimum size, the lines that fit with an ellipsis. None for no text.
    Remembered for the same inputs: one product's text is fitted again for every variant and
    board, and a replaced font file is a new path-and-mtime key in `load_font` anyway."""
    try:
        mtime = os.stat(style.font).st_mtime_ns
    except OSError:
        mtime = 0
    return _fit_text(text, style, width, height, mtime)


@lru_cache(maxsize=2048)
def _fit_text(text: str, style: TextStyle, width: int, height: int, _font_mtime: int) -> FittedText | None:
    text = " ".join(text.split())
    if style.uppercase:
        text = text.upper()
    if not text:
        return None
    words = text.split(" ")
    tracked = _tracked(text, style.tracking)
    wrap = _balanced if style.balance else _wrap
    # Search sizes with widths measured once at the largest size and scaled (advances scale with
    # the size up to hinting), then confirm the chosen size with exact measurements.
    big = load_font(str(style.font), style.max_size)
    ref = _Measure(big, style.tracking * style.max_size if tracked else 0.0)
    ratios = _ink_ratios(big, text, ref.tracking)

    def plausible(size: int) -> bool:
        ref.scale = size / style.max_size
        if size > style.min_size and any(ref.word(w) > width * 0.99 and not _unspaced(w) for w in words):
            return False  # a smaller size beats breaking a word in the middle
        lines = wrap(words, ref, width * 0.99)
        if len(lines) > style.max_lines:
            return False
        font = load_font(str(style.font), size)
        return _estimated_height(font, len(lines), round(size * style.line_height), ratios) <= height

    def exact(size: int) -> FittedText | None:
        font = load_font(str(style.font), size)
        tracking_px = style.tracking * size if tracked else 0.0
        ref.scale = size / style.max_size
        if size > style.min_size and any(ref.word(w) > width * 0.99 and not _unspaced(w) for w in words):
            return None
        lines = [" ".join(line) for line in wrap(words, ref, width * 0.99)]
        if len(lines) > style.max_lines:
            return None
        fitted = _finish(lines, font, style, tracking_px, False)
        return fitted if fitted.height <= height and max(fitted.widths) <= width else None

    lo, hi = style.min_size, style.max_size
    if plausible(hi):
        lo = hi
    else:
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if plausible(mid):
                lo = mid
            else:
                hi = mid
    fitted = exact(lo)
    if fitted is not None:
        # The estimate rounds up: take a size more when it really fits.
        for size in range(lo + 1, min(lo + 2, style.max_size) + 1):
            bigger = exact(size)
            if bigger is None:
                break
            fitted = bigger
        return fitted
    for size in range(lo - 1, style.min_size - 1, -1):
        fitted = exact(size)
        if fitted is not None:
            return fitted
    return _truncate(text, style, width, height)


def _truncate(text: str, style: TextStyle, width: int, height: int) -> FittedText:
    size = style.min_size
    font = load_font(str(style.font), size)
    tracking_px = style.tracking * size if _tracked(text, style.tracking) else 0.0
    m = _Measure(font, tracking_px)
    lines = [" ".join(line) for line in _wrap(text.split(" "), m, width)]
    keep = style.max_lines
    while True:
        kept = lines[:keep]
        rest = " ".join(lines[keep - 1 :])
        kept[-1] = _ellipsize(rest, font, width, tracking_px)
        fitted = _finish(kept, font, style, tracking_px, True)
        if fitted.height <= height or keep == 1:
            return fitted
        keep -= 1


def _ellipsize(text: str, font: ImageFont.FreeTypeFont, width: int, tracking_px: float) -> str:
    """The longest start of `text` that fits with an ellipsis, cut at a word when possible, and
    not on a small word ("…bowl with…" reads "…bowl…")."""

    def fits(s: str) -> bool:
        return line_extent(font, s, tracking_px)[1] <= width

    words = text.split(" ")
    while len(words) > 1:
        words.pop()
        candidate = drop_dangling(" ".join(words).rstrip(",;:.-–—")).rstrip(",;:.-–—") + ELLIPSIS
        if fits(candidate):
            return candidate
    word = words[0] if words else text
    while word and not fits(word + ELLIPSIS):
        word = word[:-1]
    return word + ELLIPSIS


def _origin_x(fitted: FittedText, i: int, x: int, width: int, align: str) -> int:
    lw, left = fitted.widths[i], fitted.lefts[i]
    if align == "center":
        return x + (width - lw) // 2 - left
    if align == "right":
        return x + width - lw - left
    return x - left


@lru_cache(maxsize=256)
def _tracked_mask(font: ImageFont.FreeTypeFont, text: str, tracking_px: float) -> tuple[Image.Image, int, int]:
    """A letter-spaced line drawn once into a mask (labels such as the shop name repeat on every pin)."""
    left, top, right, bottom = line_box(font, text, tracking_px)
    mask = Image.new("L", (right - left + 2, bottom - top + 2), 0)
    draw = ImageDraw.Draw(mask)
    cx = float(-left)
    for ch in text:
        draw.text((round(cx), -top), ch, font=font, fill=255, anchor="ls")
        cx += _advance(font, ch) + tracking_px
    return mask, left, top


def draw_text(canvas: Image.Image, fitted: FittedText, x: int, y: int, width: int, align: str, color: RGB) -> Box:
    """Draw the block with its top-left ink corner near (x, y); returns the union ink box."""
    draw = ImageDraw.Draw(canvas)
    for i, line in enumerate(fitted.lines):
        baseline = y + fitted.top + i * fitted.line_step
        ox = _origin_x(fitted, i, x, width, align)
        if fitted.tracking_px:
            mask, left, top = _tracked_mask(fitted.font, line, fitted.tracking_px)
            canvas.paste(color, (ox + left, baseline + top), mask)
        else:
            draw.text((ox, baseline), line, font=fitted.font, fill=color, anchor="ls")
    return ink_box(fitted, x, y, width, align)


def ink_box(fitted: FittedText, x: int, y: int, width: int, align: str) -> Box:
    """The box `draw_text` covers (also used before drawing, to sample the pixels under it)."""
    boxes: list[Box] = []
    for i in range(len(fitted.lines)):
        baseline = y + fitted.top + i * fitted.line_step
        left = _origin_x(fitted, i, x, width, align) + fitted.lefts[i]
        top, bottom = fitted.ink[i]
        boxes.append((left, baseline + top, left + fitted.widths[i], baseline + bottom))
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def placement(field: str, region: Box, drawn: Box, color: RGB, fitted: FittedText, measured: float) -> TextPlacement:
    """Where one text ended up, for tests and the contact sheet (fit, safe area, contrast)."""
    return TextPlacement(
        field=field,
        region=region,
        bbox=drawn,
        color=color,
        size=fitted.size,
        lines=fitted.lines,
        truncated=fitted.truncated,
        contrast=round(measured, 2),
    )
