"""Plain text out of shop HTML: product bodies, feed summaries, and the photos they mention.

Owns `html_to_text` (stdlib `html.parser`; scripts and styles dropped, blocks become line
breaks, entities decoded), `image_tags` (the `<img>` of a fragment with their size hints) and
`shorten` (cut on a word boundary with an ellipsis, so a description fits Pinterest's limit).
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from pinbot.words import drop_dangling

_BLOCK = {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure"}
_BLOCK |= {"footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section"}
_BLOCK |= {"table", "td", "th", "tr", "ul"}
_SKIP = {"script", "style", "template", "noscript", "head", "title"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "source", "wbr", "area", "base", "col", "embed"}


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.images: list[tuple[str, dict[str, str]]] = []  # src, the tag's other attributes
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP and tag not in _VOID:
            self.skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        if tag == "img":
            self._image(attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/> and <img/>: no matching end tag will come, so never count them as open.
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag == "img":
            self._image(attrs)

    def _image(self, attrs: list[tuple[str, str | None]]) -> None:
        found = {k.lower(): (v or "") for k, v in attrs}
        src = found.pop("src", "").strip()
        if src:
            self.images.append((src, found))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and tag not in _VOID:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            # In HTML a line break in the source is just a space; only blocks and <br> break lines.
            self.parts.append(re.sub(r"[\r\n]+", " ", data))


def _parse(html: str) -> _Extractor:
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    return parser


_TAG = re.compile(r"</?[A-Za-z][^>]*>|<!--")


def html_to_text(html: str) -> str:
    """Readable plain text: one line per block, runs of spaces collapsed, no empty lines.

    Text without a single tag is plain text that may carry entities ("Salt &amp; Pepper"): its
    entities are decoded and its own line breaks kept (HTML would fold them into spaces)."""
    if not _TAG.search(html):
        return tidy(unescape(html))
    return tidy("".join(_parse(html).parts))


def tidy(raw: str) -> str:
    """Plain text made compact: spaces collapsed, lines trimmed, empty lines and control characters dropped."""
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in raw.replace("\r\n", "\n").split("\n"))
    # Control characters (other than newlines) would fail the pin's field check later.
    return "\n".join(line for line in lines if line).translate({c: None for c in range(32) if c not in (9, 10)})


def image_sources(html: str) -> list[str]:
    """The `src` of every `<img>` in an HTML fragment, in document order."""
    return [src for src, _ in image_tags(html)]


def image_tags(html: str) -> list[tuple[str, dict[str, str]]]:
    """Every `<img>` of an HTML fragment as (src, its other attributes: width, height, class...)."""
    return _parse(html).images if "<img" in html.lower() else []


def shorten(text: str, limit: int) -> tuple[str, bool]:
    """`text` cut to at most `limit` characters on a word boundary, with an ellipsis; and whether it was cut."""
    text = text.strip()
    if len(text) <= limit:
        return text, False
    cut = text[: limit - 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= limit * 0.6:  # a very long "word" (a URL) is cut where it stands
        cut = drop_dangling(cut[:space].rstrip(" \n,;:-–—"))  # not "…bowl with the…"
    return cut.rstrip(" \n,;:-–—") + "…", True
