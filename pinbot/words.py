"""Numbers in plain English for what pinbot prints: "1 pin", "2 pins", "1 token refresh"; and
a long title shortened for a listing the way people shorten it ("Saggar pottery vase with…").

Leaf module (imports nothing of pinbot): every layer may say a count the way people do.
"""

from __future__ import annotations

_IRREGULAR = {"refresh": "refreshes", "copy": "copies", "day": "days", "match": "matches", "entry": "entries"}


def plural(n: int, word: str, many: str | None = None) -> str:
    """`n` and `word`, the word in the plural unless n is 1 ("1 pin", "3 pins", "0 pins")."""
    if n == 1:
        return f"{n:,} {word}"
    if many is None:
        head, _, last = word.rpartition(" ")
        many = (head + " " if head else "") + _IRREGULAR.get(last, last + "s")
    return f"{n:,} {many}"


def clip(text: str, width: int) -> str:
    """`text` in at most `width` characters: whole, or cut after a whole word with "…" (never
    "textures and c"), unless the last space is so early that most of the room would go unused."""
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    head = cut.rsplit(" ", 1)[0]
    if len(head) >= width // 2:
        cut = head
    return cut.rstrip(" ,;:-–|") + "…"
