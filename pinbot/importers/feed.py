"""Blog feeds (RSS 2.0, RSS 1.0 and Atom) -> product records with source "feed".

Each item (entry) becomes one product: external id = <guid> / <id> (else the link), title,
summary as plain text (≤ 800 characters, shortened on a word boundary), link, categories as tags,
and one photo (`feed_images`: trackers and emoji skipped). Relative photo URLs are resolved
against the item's link. Feeds carry no stock: every item is in stock. A Shopify store's products
feed (`/collections/all.atom`) also gives each product's price (`s:variant/s:price`) and tags
(`s:tag`), and the "Vendor: … Type: … Price: …" cell that Shopify puts before the description is
left out of it. The bytes are decoded by `feed_bytes` (any declared encoding).

The feed is a local file or an http(s) URL, fetched with a timeout and a 10 MB cap. It is parsed
with defusedxml: a feed is untrusted input, and entity tricks (billion laughs, external
entities) are refused rather than expanded. An item without a usable link or title is an error
naming the item; an item without a photo is imported with a note (give --image when queueing it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from pinbot.errors import InvalidInput
from pinbot.importers.common import EXTERNAL_ID_MAX, ParsedProducts, build_record, hashed_id, parse_price, split_tags
from pinbot.importers.feed_bytes import utf8_feed
from pinbot.importers.feed_images import candidates, item_photo
from pinbot.importers.fetch import Fetch, FetchError, is_url
from pinbot.importers.images import ImageStore
from pinbot.importers.text import html_to_text
from pinbot.shop.products import ProductRecord

MAX_FEED_BYTES = 10 * 1024 * 1024
MAX_ITEMS = 1000
ATOM = "http://www.w3.org/2005/Atom"
RSS1 = "http://purl.org/rss/1.0/"
MEDIA = "http://search.yahoo.com/mrss/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
SHOPIFY = "http://jadedpixel.com/-/spec/shopify"

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
    name, raw, base_url = read_feed(ref, fetch)
    data, encoding_note = utf8_feed(raw, name)
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        reason = f"refused: the XML uses {type(exc).__name__} (entities are not allowed)"
        raise InvalidInput("feed", reason, source=name) from None
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
    if encoding_note:
        parsed.notes.append(encoding_note)
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
    price, currency, shop_tags = _shopify_fields(item, number, src)
    if price is not None or shop_tags:
        summary = _VENDOR_LINES.sub("", summary).strip()
    found = candidates(item, content_html, summary_html)
    images = item_photo(parsed, number, link or base_url, found, store)
    return build_record(
        parsed,
        number,
        src,
        external_id=external_id,
        title=title,
        description=summary,
        link=link,
        images=images,
        tags=split_tags(*tags, *shop_tags),
        price_cents=price,
        currency=currency,
        columns={"description": "summary", "key": "guid"},
    )


# The cell Shopify's products feed puts first in every summary; the price is read from s:price.
_VENDOR_LINES = re.compile(r"\A(?:\s*(?:Vendor|Type|Price):[^\n]*\n?(?:\s*[\d.,]+\s*\n)?)+")


def _shopify_fields(item: Element, number: int, src: str) -> tuple[int | None, str | None, list[str]]:
    """Price (of the first variant), currency and tags of a Shopify products feed entry."""
    tags = [t.text or "" for t in _children(item, "tag", (SHOPIFY,))]
    for variant in _children(item, "variant", (SHOPIFY,)):
        price = next(_children(variant, "price", (SHOPIFY,)), None)
        if price is not None and (price.text or "").strip():
            cents = parse_price(price.text or "", "s:price", number, src)
            return cents, price.get("currency") or None, tags
    return None, None, tags


def _atom_link(entry: Element) -> str | None:
    best = None
    for link in _children(entry, "link", (ATOM,)):
        rel = link.get("rel", "alternate")
        if rel == "alternate" and link.get("href"):
            if link.get("type", "text/html") == "text/html":
                return str(link.get("href")).strip()
            best = best or str(link.get("href")).strip()
    return best
