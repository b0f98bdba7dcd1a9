"""Counting words for one-line messages: "1 pin", "2 pins", "1 invalid row". Leaf module."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """`n` and the word, singular for exactly one: plural(1, "pin") == "1 pin"."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"
