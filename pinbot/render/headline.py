"""The headline: the short hook printed big on a pin, separate from the product's title.

Pinterest shows about the first 40 characters of a title in the feed, and a pin's headline has to
read at phone size, so a headline the owner did not write is derived from the title: the longest
start of it that ends at a natural break (" - ", " | ", ": ", ", ", " (") within 40 characters,
else whole words up to 40 characters. It is never cut mid-word, never gets an ellipsis, and never
ends on a small word ("…bowl with", "…cotto a": `pinbot.words.drop_dangling`). A title that fits
is left exactly as the owner wrote it.
"""

from __future__ import annotations

from pinbot.words import drop_dangling

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
        return drop_dangling(best.rstrip(_TRAIL)).rstrip(_TRAIL)
    head = text[: limit + 1]
    if " " not in head:
        return text[:limit].rstrip(_TRAIL)
    return drop_dangling(head.rsplit(" ", 1)[0].rstrip(_TRAIL)).rstrip(_TRAIL)
