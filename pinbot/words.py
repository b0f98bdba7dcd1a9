"""Numbers in plain English for what pinbot prints: "1 pin", "2 pins", "1 token refresh"; and
a long title shortened the way people shorten it ("Saggar pottery vase…"): never mid-word, and
never on a small word that leaves the reader hanging ("…bowl with", "…cotto a", "…set of the").

Leaf module (imports nothing of pinbot): every layer may say a count the way people do.
"""

from __future__ import annotations

import re

_IRREGULAR = {"refresh": "refreshes", "copy": "copies", "day": "days", "match": "matches", "entry": "entries"}


def plural(n: int, word: str, many: str | None = None) -> str:
    """`n` and `word`, the word in the plural unless n is 1 ("1 pin", "3 pins", "0 pins")."""
    if n == 1:
        return f"{n:,} {word}"
    if many is None:
        head, _, last = word.rpartition(" ")
        many = (head + " " if head else "") + _IRREGULAR.get(last, last + "s")
    return f"{n:,} {many}"


# The small words a shortened title must not end on: articles, prepositions and conjunctions of
# English and of the languages the shops' exports come in (Italian, French, German, Spanish). The
# one table for every place a title is cut (`clip`, the pin's headline, the renderer's ellipsis).
SMALL_WORDS = {
    "en": "a an the and or but nor of with without for to in on at by from into onto as per via than w/ "
    "this that these those my your our their its every each",
    "it": "il lo la i gli le un uno una del dello della dei degli delle al allo alla ai agli alle dal dallo "
    "questo questa questi queste ogni "
    "dalla dai dagli dalle nel nello nella nei negli nelle sul sullo sulla sui sugli sulle col con di da su "
    "per tra fra e ed o od ma a ad",
    "fr": "le la les un une des du de au aux à et ou mais avec pour en dans sur par sans chez",
    "de": "der die das den dem des ein eine einen einem einer eines und oder aber mit für von vom zu zum zur "
    "im in an am auf aus bei nach ohne über unter",
    "es": "el la los las un una unos unas y e o u pero de del con para por en a al sin sobre",
}
DANGLING = frozenset(word for words in SMALL_WORDS.values() for word in words.split())
# Articles and prepositions that lose their vowel before the next word: "dell'argilla", "l'été".
_ELIDED = frozenset({"l", "d", "dell", "dall", "nell", "sull", "all", "coll", "quell", "un", "qu", "j", "s", "c"})
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_EDGE = "\"'“”‘’«»()[],;:.!?"  # punctuation around a word that does not change what it is


def dangles(word: str) -> bool:
    """True for a word a cut text must not end on: a small word (`DANGLING`), an elided article
    ("dell'", "l'", "d'"), a lone number ("20", "3.5") or a lone dash, slash or ampersand."""
    if word.endswith(("'", "’")) and word.lower().rstrip("'’") in _ELIDED:
        return True
    bare = word.strip(_EDGE).lower()
    if not bare or bare in DANGLING:
        return True
    # A lone number ("set of 4", "vase 20" of "vase 20 cm tall") or a dash, slash or "&" says
    # nothing on its own at the end; a card or model number such as "199/197" stays.
    return not any(ch.isalnum() for ch in bare) or _NUMBER.fullmatch(bare) is not None


def drop_dangling(text: str) -> str:
    """A cut text without the small words, numbers and dashes it ends on ("Mug set of the" ->
    "Mug set"); the text as it is when nothing else would be left."""
    words = text.split(" ")
    while len(words) > 1 and dangles(words[-1]):
        words.pop()
    return " ".join(words) if words and not dangles(words[-1]) else text


def clip(text: str, width: int) -> str:
    """`text` in at most `width` characters: whole, or cut after a whole word with "…" (never
    "textures and c"), unless the last space is so early that most of the room would go unused."""
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    head = cut.rsplit(" ", 1)[0]
    if len(head) >= width // 2:
        cut = drop_dangling(head.rstrip(" ,;:-–|"))
    return cut.rstrip(" ,;:-–|") + "…"
