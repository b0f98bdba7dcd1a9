"""Titles and descriptions written for Pinterest search, from the shop's own words (no AI service).

Owns which keywords a pin carries and how they are phrased. The words come, in this order, from the
loop's own keywords (e.g. a trend it was started from), the board's `keywords`, and the product's
tags; a board keyword goes into the first 40 characters of the title, where search weighs it most.
Round `n` of a product on a board rotates the keyword and the sentence pattern, so a loop's pins
are not word-for-word repeats; the same inputs always give the same text, and `explain` says why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pinbot.queue.keywords import TITLE_KEYWORD_CHARS

TITLE_MAX = 100
DESCRIPTION_MAX = 500

_TITLES = (
    "{Kw}: {title}",
    "{title} | {kw}",
    "{Kw} – {title}",
    "{title}, {kw} idea",
    "{Kw} idea: {title}",
)
_SENTENCES = (
    "A {kw} idea for anyone looking for {kw2}.",
    "Made for {kw} lovers: save it for your next {kw2} search.",
    "Looking for {kw}? This one also suits {kw2}.",
    "Pin it to your {kw} board and come back for {kw2} ideas.",
    "Handmade {kw}, a good fit for {kw2}.",
)
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    word_end = cut.rsplit(" ", 1)[0]
    if len(word_end) >= limit // 2:  # end on a whole word unless that throws most of the text away
        cut = word_end
    return cut.rstrip(" ,;:–|-") + "…"


def first_sentence(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    if not text:
        return ""
    match = re.search(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    sentence = _cut(sentence, limit)
    return sentence if sentence.endswith((".", "!", "?", "…")) else sentence + "."


@dataclass(frozen=True)
class Wording:
    title: str
    description: str
    keyword: str  # the keyword put into the title's first 40 characters
    sources: dict[str, str]  # keyword -> where it came from (loop, board, tag)


def keyword_pool(loop_keywords: Sequence[str], board_keywords: Sequence[str], tags: Sequence[str]) -> dict[str, str]:
    """Every keyword a pin may carry -> its source, in order of priority, without repeats."""
    out: dict[str, str] = {}
    for source, values in (("loop", loop_keywords), ("board", board_keywords), ("tag", tags)):
        for value in values:
            kw = " ".join(value.lower().split())
            if kw and kw not in out:
                out[kw] = source
    return out


def write(
    title: str,
    description: str,
    tags: Sequence[str],
    board_keywords: Sequence[str],
    loop_keywords: Sequence[str] = (),
    n: int = 0,
) -> Wording:
    """The title and description of round `n` of a product on a board."""
    pool = keyword_pool(loop_keywords, board_keywords, tags)
    # The title's keyword is a board (or loop) keyword when there is one: that is what the lint checks.
    title_words = [k for k, s in pool.items() if s != "tag"] or list(pool)
    base = " ".join(title.split())
    if not title_words:
        return Wording(_cut(base, TITLE_MAX), first_sentence(description) or f"{base}.", "", {})
    kw = title_words[n % len(title_words)]
    text = _TITLES[n % len(_TITLES)].format(Kw=_cap(kw), kw=kw, title=base)
    if kw not in text[:TITLE_KEYWORD_CHARS].lower():
        text = f"{_cap(kw)}: {base}"
    others = [k for k in pool if k != kw] or [kw]
    kw2 = others[n % len(others)]
    searched = [k for k, s in pool.items() if s == "loop" and k != kw]
    if searched and pool[kw] != "loop":  # a loop's own search (e.g. its trend) is in every pin's words
        kw2 = searched[n % len(searched)]
    sentence = _SENTENCES[(n // len(_TITLES) + n) % len(_SENTENCES)].format(kw=kw, kw2=kw2)
    lead = first_sentence(description) or f"{base}."
    tag_words = [t for t, s in pool.items() if s == "tag"]
    hashtags = " ".join("#" + re.sub(r"[^a-z0-9]", "", t) for t in tag_words[:3] if re.sub(r"[^a-z0-9]", "", t))
    body = f"{lead} {sentence}"
    full = f"{body} {hashtags}".strip() if hashtags and len(body) + len(hashtags) < DESCRIPTION_MAX else body
    return Wording(_cut(text, TITLE_MAX), _cut(full, DESCRIPTION_MAX), kw, {k: pool[k] for k in (kw, kw2)})
