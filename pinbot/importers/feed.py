"""Blog feeds (RSS 2.0, RSS 1.0 and Atom) -> product records with source "feed".

Each item (entry) becomes one product: external id = <guid> / <id> (else the link), title,
summary as plain text (≤ 800 characters, shortened on a word boundary), link, categories as tags,
and one photo, the first found of: media:content (an image), media:thumbnail, an image
<enclosure> (Atom: <link rel="enclosure">), the first <img> in the content or summary. Relative
photo URLs are resolved against the item's link. Feeds carry no stock: every item is in stock.

The feed is a local file or an http(s) URL, fetched with a timeout and a 10 MB cap. It is parsed
with defusedxml: a feed is untrusted input, and entity tricks (billion laughs, external
entities) are refused rather than expanded. An item without a usable link or title is an error
naming the item; an item without a photo is imported with a note (give --image when queueing it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from pinbot.errors import InvalidInput
from pinbot.importers.common import EXTERNAL_ID_MAX, ParsedProducts, build_record, hashed_id, split_tags
from pinbot.importers.fetch import Fetch, FetchError, is_url
from pinbot.importers.images import ImageFailed, ImageStore
from pinbot.importers.text import html_to_text, image_sources
from pinbot.shop.products import ProductRecord

MAX_FEED_BYTES = 10 * 1024 * 1024
MAX_ITEMS = 1000
ATOM = "http://www.w3.org/2005/Atom"
RSS1 = "http://purl.org/rss/1.0/"
MEDIA = "http://search.yahoo.com/mrss/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif")

Element = Any  # xml.etree.ElementTree.Element, as defusedxml returns it


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _children(el: Element, local: str, namespaces: tuple[str, ...] = ("", RSS1, ATOM)) -> Iterator[Element]:
    for child in el:
        if isinstance(child.tag, str) and _split(child.tag) in ((ns, local) for ns in namespaces):
            yield child


def _text(el: Element, local: str, namespaces: tuple[str, ...] = ("", RSS1, ATOM)) -> str:
    child = next(_children(el, local, namespaces), None)
    if child is None:
        return ""
    if child.get("type") == "xhtml":
        return "".join(child.itertext())
    return child.text or ""


def read_feed(ref: str, fetch: Fetch) -> tuple[str, bytes, str]:
    """(name for messages, the bytes, the base URL for relative links) of a feed file or URL."""
    if is_url(ref):
        try:
            got = fetch(ref, max_bytes=MAX_FEED_BYTES)
        except FetchError as exc:
            raise InvalidInput("feed", f"{ref}: {exc}") from None
        return ref, got.data, got.url
    path = Path(ref).expanduser()
    if not path.is_file():
        raise InvalidInput("feed", f"{ref}: no such file (give a feed file or an http(s) URL)")
    if path.stat().st_size > MAX_FEED_BYTES:
        raise InvalidInput("feed", f"{ref}: larger than {MAX_FEED_BYTES // (1024 * 1024)} MB")
    return path.name, path.read_bytes(), ""


def parse_feed(
    ref: str, store: ImageStore, fetch: Fetch, progress: Callable[[int], None] | None = None
) -> ParsedProducts:
    name, data, base_url = read_feed(ref, fetch)
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise InvalidInput("feed", f"refused: the XML uses {type(exc).__name__} (entities are not allowed)",
                           source=name) from None  # fmt: skip
    except SafeET.ParseError as exc:
        raise InvalidInput("feed", f"not valid XML ({exc}); is this an RSS or Atom feed?", source=name) from None
    ns, kind = _split(root.tag)
    if kind == "rss":
        channel = next(_children(root, "channel"), None)
        items = list(_children(channel, "item")) if channel is not None else []
        atom = False
    elif kind == "RDF":
        items = list(_children(root, "item"))
        atom = False
    elif kind == "feed" and ns == ATOM:
        items = list(_children(root, "entry", (ATOM,)))
        atom = True
    else:
        raise InvalidInput("feed", f"not an RSS or Atom feed (its root element is <{kind}>)", source=name)
    parsed = ParsedProducts("feed", unit="item")
    if len(items) > MAX_ITEMS:
        parsed.notes.append(f"the feed has {len(items)} items; only the first {MAX_ITEMS} were read")
    seen: dict[str, int] = {}
    for number, item in enumerate(items[:MAX_ITEMS], start=1):
        parsed.rows += 1
        try:
            record = _record(parsed, item, number, name, base_url, atom, store)
            if record.external_id in seen:
                raise InvalidInput("guid", f"repeats item {seen[record.external_id]}", row=number, source=name)
            seen[record.external_id] = number
            parsed.records.append((number, record))
        except InvalidInput as exc:
            parsed.errors.append(exc)
        if progress:
            progress(1)
    return parsed


def _record(
    parsed: ParsedProducts, item: Element, number: int, src: str, base_url: str, atom: bool, store: ImageStore
) -> ProductRecord:
    if atom:
        link = _atom_link(item) or ""
        guid = _text(item, "id", (ATOM,)).strip()
        summary_html = _text(item, "summary", (ATOM,))
        content_html = _text(item, "content", (ATOM,))
        tags = [c.get("term") or c.get("label") or "" for c in _children(item, "category", (ATOM,))]
    else:
        link = _text(item, "link", ("", RSS1)).strip()
        guid_el = next(_children(item, "guid"), None)
        guid = (guid_el.text or "").strip() if guid_el is not None else ""
        if not link and guid_el is not None and guid_el.get("isPermaLink", "true") != "false" and is_url(guid):
            link = guid
        summary_html = _text(item, "description")
        content_html = _text(item, "encoded", (CONTENT,))
        tags = [c.text or "" for c in _children(item, "category")] + [
            c.text or "" for c in _children(item, "subject", ("http://purl.org/dc/elements/1.1/",))
        ]
    link = urljoin(base_url, link) if link and base_url else link
    title = html_to_text(_text(item, "title", ("", RSS1, ATOM)))
    if not title.strip():
        raise InvalidInput("title", "is required", row=number, source=src)
    if not link:
        raise InvalidInput("link", "is required: the item has no link to the post", row=number, source=src)
    external_id = guid or link
    if len(external_id) > EXTERNAL_ID_MAX:
        external_id = f"sha-{hashed_id(external_id)}"
    summary = html_to_text(summary_html) or html_to_text(content_html)
    images = _photo(parsed, item, number, src, link or base_url, content_html, summary_html, store)
    return build_record(
        parsed,
        number,
        src,
        external_id=external_id,
        title=title,
        description=summary,
        link=link,
        images=images,
        tags=split_tags(*tags),
        columns={"description": "summary", "key": "guid"},
    )


def _atom_link(entry: Element) -> str | None:
    best = None
    for link in _children(entry, "link", (ATOM,)):
        rel = link.get("rel", "alternate")
        if rel == "alternate" and link.get("href"):
            if link.get("type", "text/html") == "text/html":
                return str(link.get("href")).strip()
            best = best or str(link.get("href")).strip()
    return best


def _candidates(item: Element, content_html: str, summary_html: str) -> Iterator[str]:
    groups = [item, *_children(item, "group", (MEDIA,))]
    for group in groups:
        for media in _children(group, "content", (MEDIA,)):
            url, medium, kind = media.get("url", ""), media.get("medium", ""), media.get("type", "")
            if url and (medium == "image" or kind.startswith("image/") or
                        (not medium and not kind and url.lower().split("?")[0].endswith(_IMAGE_SUFFIXES))):  # fmt: skip
                yield url
    for group in groups:
        for thumb in _children(group, "thumbnail", (MEDIA,)):
            if thumb.get("url"):
                yield thumb.get("url")
    for enclosure in _children(item, "enclosure", ("",)):
        if enclosure.get("url") and enclosure.get("type", "").startswith("image/"):
            yield enclosure.get("url")
    for link in _children(item, "link", (ATOM,)):
        if link.get("rel") == "enclosure" and link.get("href") and link.get("type", "").startswith("image/"):
            yield link.get("href")
    for html in (content_html, summary_html):
        yield from image_sources(html)
    for el in item.iter():  # Atom xhtml content: the <img> elements themselves
        if isinstance(el.tag, str) and _split(el.tag)[1] == "img" and el.get("src"):
            yield el.get("src")


def _photo(
    parsed: ParsedProducts,
    item: Element,
    number: int,
    src: str,
    base: str,
    content_html: str,
    summary_html: str,
    store: ImageStore,
) -> tuple[str, ...] | None:
    for raw in _candidates(item, content_html, summary_html):
        url = urljoin(base, raw.strip()) if base else raw.strip()
        if not is_url(url):
            continue  # data: URIs, relative paths with nothing to resolve them against
        try:
            path = store.resolve(url)
        except ImageFailed as exc:
            raise InvalidInput("image", str(exc), row=number, source=src) from None
        return None if path is None else (path,)
    parsed.notes.append(
        f"item {number}: no photo found (media:content, enclosure or <img>); give --image when queueing"
    )
    return ()
