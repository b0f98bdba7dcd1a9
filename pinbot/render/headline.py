"""The headline: the short hook printed big on a pin, separate from the product's title.

Pinterest shows about the first 40 characters of a title in the feed, and a pin's headline has to
read at phone size, so a headline the owner did not write is derived from the title: the longest
start of it that ends at a natural break (" - ", " | ", ": ", ", ", " (") within 40 characters,
else whole words up to 40 characters. It is never cut mid-word and never gets an ellipsis.
"""

from __future__ import annotations

HEADLINE_CHARS = 40
_BREAKS = (" | ", " - ", " – ", " — ", ": ", ", ", "; ", " (", " / ")
_TRAIL = " ,;:-–—(/|"


def headline_from(title: str, limit: int = HEADLINE_CHARS) -> str:
    text = " ".join(title.split())
    if len(text) <= limit:
        return text
    best = ""
    for sep in _BREAKS:
        i = text.find(sep)
        while 0 < i <= limit:
            if i >= 12 and i > len(best):
                best = text[:i]
            i = text.find(sep, i + 1)
    if best:
        return best.rstrip(_TRAIL)
    head = text[: limit + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else text[:limit]
    return cut.rstrip(_TRAIL)
