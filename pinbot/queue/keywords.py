"""The search lint: warnings (never refusals) about words that will not help a pin be found.

Pinterest is searched: a pin is found through the words of its title, description and board. Owns
two checks: the title's first 40 characters (what search and the feed show first) carry none of
its board's `keywords` (boards/*.toml), and a description that is only hashtags or shorter than a
sentence. `pinbot queue plan` lists them beside the lint's problems.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from pinbot.queue.lint import Finding, PinLike
from pinbot.shop.boards import BoardDef
from pinbot.words import clip

TITLE_KEYWORD_CHARS = 40


def title_has_keyword(title: str, keywords: Sequence[str]) -> bool:
    head = title[:TITLE_KEYWORD_CHARS].lower()
    return any(k.lower().strip() in head for k in keywords if k.strip())


def description_problem(description: str) -> str | None:
    """Why a description will not help search, or None: only hashtags, or shorter than a sentence."""
    tokens = description.split()
    plain = [t for t in tokens if not t.startswith("#")]
    if tokens and not plain:
        return "is only hashtags; write a sentence saying what it is and who it is for"
    if len(plain) < 5:
        return "is shorter than a sentence; say what it is and who it is for in at least one sentence"
    return None


class DescribedPin(PinLike, Protocol):
    description: str


def keyword_warnings(pins: Sequence[DescribedPin], boards: Mapping[int, BoardDef]) -> list[Finding]:
    """One warning per weak title or description; boards are the pins' board definitions by board id."""
    out: list[Finding] = []
    for pin in pins:
        pin_id = getattr(pin, "id", None)
        board = boards.get(pin.board_id)
        label = f"pin {pin_id}" if pin_id is not None else "a new pin"
        if board is not None and board.keywords and not title_has_keyword(pin.title, board.keywords):
            out.append(
                Finding(
                    "title",
                    f"{label} ({clip(pin.title, 40)!r}): the first {TITLE_KEYWORD_CHARS} characters of the title carry "
                    f"none of the keywords of board {board.key} ({', '.join(board.keywords[:4])}); put one near "
                    "the start",
                    pin_id,
                )
            )
        problem = description_problem(pin.description)
        if problem is not None:
            out.append(Finding("description", f"{label} ({clip(pin.title, 40)!r}): the description {problem}", pin_id))
    return out
