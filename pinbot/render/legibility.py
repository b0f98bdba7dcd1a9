"""Feed-size legibility: Pinterest shows a pin 236 px wide in a phone feed, where a headline's
small letters must be at least 7 px tall and any other text's 5 px to be read at all. Text that
would be smaller is left out (a price nobody can read is noise), and the owner gets a note.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import ImageFont

from pinbot.render.text import FittedText
from pinbot.render.types import CANVAS_W

FEED_WIDTH = 236
HEADLINE_MIN_PX = 7
TEXT_MIN_PX = 5


def min_letter_height(field: str) -> float:
    """The smallest x-height (cap height for text in capitals) a field may have on the canvas."""
    feed = HEADLINE_MIN_PX if field == "title" else TEXT_MIN_PX
    return feed * CANVAS_W / FEED_WIDTH


def letter_height(font: ImageFont.FreeTypeFont, lines: tuple[str, ...]) -> float:
    """How tall the text's smallest letters are: the x-height when it has lower-case letters."""
    return _probe_height(font, "x" if any(ch.islower() for line in lines for ch in line) else "H")


@lru_cache(maxsize=512)
def _probe_height(font: ImageFont.FreeTypeFont, probe: str) -> float:
    return float(-font.getbbox(probe, anchor="ls")[1])


def legibility_note(name: str, text: str, fitted: FittedText) -> tuple[bool, str]:
    """(may the fitted text be drawn, a note for the owner or "")."""
    label = "headline" if name == "title" else name.replace("_", " ")
    short = text if len(text) <= 48 else text[:47] + "…"
    height = letter_height(fitted.font, fitted.lines)
    if height < min_letter_height(name):
        feed = height * FEED_WIDTH / CANVAS_W
        return False, f"{label} left out: {short!r} would be {feed:.1f} px tall in the phone feed"
    if fitted.truncated:
        if name != "title":
            return False, f"{label} left out: {short!r} is too long to fit at a size that reads in the feed"
        return True, f"headline shortened to {' '.join(fitted.lines)!r}; give a shorter one with --headline"
    return True, ""
