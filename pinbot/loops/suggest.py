"""`pinbot keywords suggest PRODUCT`: words for a product's titles and descriptions, each with its reason.

Owns the proposal: the product's own words (title and tags, minus filler words), the keywords of
its boards (the boards it is pinned to, else the boards whose keywords share a word with it), and
current trends about the same kind of thing as the product; then a sample title and description written the
way a loop writes them. Deterministic and explainable: every word says where it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pinbot.loops.wording import words, write
from pinbot.pinterest.trends import TrendingKeyword
from pinbot.shop.boards import BoardDef

STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "for",
        "with",
        "in",
        "on",
        "to",
        "by",
        "from",
        "our",
        "your",
        "my",
        "no",
        "is",
        "are",
        "it",
        "this",
        "that",
        "at",
        "or",
        "as",
        "be",
        "made",
        "new",
        "set",
    ]
)


@dataclass
class Suggestion:
    product_id: int
    title: str
    boards: list[str]
    words: list[dict[str, str]] = field(default_factory=list)  # {"word", "source", "why"}
    sample_title: str = ""
    sample_description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "product": self.title,
            "boards": self.boards,
            "words": self.words,
            "sample_title": self.sample_title,
            "sample_description": self.sample_description,
        }


def product_words(title: str, tags: Sequence[str]) -> list[str]:
    out = [w for w in words(title) if w not in STOP and not w.isdigit() and len(w) > 2]
    out += [" ".join(t.lower().split()) for t in tags if t.strip()]
    return list(dict.fromkeys(out))


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _falling(trend: TrendingKeyword) -> bool:
    return trend.pct_growth_mom is not None and trend.pct_growth_mom < 0


def related_trends(own: Sequence[str], trends: Sequence[TrendingKeyword]) -> list[TrendingKeyword]:
    """The trends about this product: the trend's last word (what it is: "christmas *mug*") is one of
    the product's words. Sharing only a describing word ("*handmade* christmas ornaments" for a
    handmade vase) would put another product's search into this product's title."""
    vocab = {_stem(w) for phrase in own for w in phrase.split()}
    out = []
    for t in trends:
        said = words(t.keyword)
        if said and _stem(said[-1]) in vocab:
            out.append(t)
    return out


def boards_for(mine: Sequence[str], own: Sequence[str], boards: dict[str, BoardDef]) -> list[BoardDef]:
    """The product's boards: those it is pinned to, else those whose keywords share the most words with it."""
    if mine:
        return [boards[k] for k in mine if k in boards]
    vocab = {w for phrase in own for w in phrase.split()}
    overlap = {key: len(vocab & {w for k in b.keywords for w in words(k)}) for key, b in boards.items()}
    best = max(overlap.values(), default=0)
    return [boards[key] for key, n in overlap.items() if best and n == best]


def suggest(
    product_id: int,
    title: str,
    description: str,
    tags: Sequence[str],
    pinned_boards: Sequence[str],
    boards: dict[str, BoardDef],
    trends: Sequence[TrendingKeyword] = (),
) -> Suggestion:
    own = product_words(title, tags)
    chosen = boards_for(pinned_boards, own, boards)
    out = Suggestion(product_id, title, [b.key for b in chosen])
    seen: set[str] = set()

    def add(word: str, source: str, why: str) -> None:
        if word not in seen:
            seen.add(word)
            out.words.append({"word": word, "source": source, "why": why})

    matching = related_trends(own, trends)
    for t in matching:
        growth = f", {t.pct_growth_mom:+d}% month over month" if t.pct_growth_mom is not None else ""
        peak = f", peaks the week of {t.peak_week:%b %d}" if t.peak_week else ""
        now = "people search it less now" if _falling(t) else "people search it now"
        add(t.keyword, "trend", f"{now}{growth}{peak}")
    for b in chosen:
        for k in b.keywords:
            add(k.lower(), "board", f"a keyword of board {b.key}")
    for tag in tags:
        add(" ".join(tag.lower().split()), "tag", "one of the product's tags")
    for w in own:
        add(w, "product", "a word of the product's title")
    board_keywords = [k for b in chosen for k in b.keywords]
    rising = [t.keyword for t in matching if not _falling(t)]
    sample = write(title, description, tags, board_keywords, rising[:1], 0)
    out.sample_title, out.sample_description = sample.title, sample.description
    return out
