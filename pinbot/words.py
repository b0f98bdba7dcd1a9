"""Numbers in plain English for what pinbot prints: "1 pin", "2 pins", "1 token refresh".

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
