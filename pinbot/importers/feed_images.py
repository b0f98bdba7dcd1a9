"""The photo of a feed item: the first image that can be a pin's photo.

Candidates, in order: media:content (an image), media:thumbnail, an image <enclosure> (Atom: <link
rel="enclosure">), then the <img> of the content and the summary. Feeds are full of images that are
no photo: 1x1 tracking pixels (FeedPress, FeedBurner, Medium, WordPress stats), WordPress's 72x72
emoji, avatars, share buttons. They are skipped by the markup's size hints (width/height under a
pin photo's minimum), by their known hosts and classes, and, once downloaded, by their real size.
A candidate that cannot be downloaded is a warning and the next one is tried; when none is left,
the item is imported without a photo and the owner is told to give --image when queueing it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from pinbot.importers.common import ParsedProducts
from pinbot.importers.fetch import is_url
from pinbot.importers.images import ImageFailed, ImageStore
from pinbot.importers.text import image_tags
from pinbot.render.loading import MIN_SIDE
from pinbot.words import plural

MEDIA = "http://search.yahoo.com/mrss/"
ATOM = "http://www.w3.org/2005/Atom"
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif")
# Hosts and paths of images that are never a post's photo.
_NOT_PHOTOS = (
    "feedpress.me/",
    "feeds.feedburner.com/~r/",
    "feeds.feedburner.com/~ff/",
    "feedproxy.google.com/~r/",
    "medium.com/_/stat",
    "pixel.wp.com/",
    "stats.wordpress.com/",
    "feeds.wordpress.com/",
    "s.w.org/images/core/emoji/",
    "/wp-includes/images/smilies/",
    "gravatar.com/avatar/",
    "doubleclick.net/",
    "google-analytics.com/",
)
_NOT_PHOTO_CLASSES = ("wp-smiley", "emoji", "avatar")

Element = Any
Candidate = tuple[str, dict[str, str]]


def _children(el: Element, ns: str, local: str) -> Iterator[Element]:
    for child in el:
        if isinstance(child.tag, str) and child.tag in (f"{{{ns}}}{local}", local if not ns else ""):
            yield child


def candidates(item: Element, content_html: str, summary_html: str) -> Iterator[Candidate]:
    """Every image the item names, with its size hints, best first."""
    groups = [item, *_children(item, MEDIA, "group")]
    for group in groups:
        for media in _children(group, MEDIA, "content"):
            url, medium, kind = media.get("url", ""), media.get("medium", ""), media.get("type", "")
            plain = not medium and not kind and url.lower().split("?")[0].endswith(_IMAGE_SUFFIXES)
            if url and (medium == "image" or kind.startswith("image/") or plain):
                yield url, dict(media.attrib)
    for group in groups:
        for thumb in _children(group, MEDIA, "thumbnail"):
            if thumb.get("url"):
                yield thumb.get("url"), dict(thumb.attrib)
    for enclosure in _children(item, "", "enclosure"):
        if enclosure.get("url") and enclosure.get("type", "").startswith("image/"):
            yield enclosure.get("url"), {}
    for link in _children(item, ATOM, "link"):
        if link.get("rel") == "enclosure" and link.get("href") and link.get("type", "").startswith("image/"):
            yield link.get("href"), {}
    for html in (content_html, summary_html):
        yield from image_tags(html)
    for el in item.iter():  # Atom xhtml content: the <img> elements themselves
        if isinstance(el.tag, str) and el.tag.rsplit("}", 1)[-1] == "img" and el.get("src"):
            yield el.get("src"), dict(el.attrib)


def not_a_photo(url: str, hints: dict[str, str]) -> bool:
    """A tracker, an emoji or an icon by its address, class or declared size."""
    lowered = url.lower()
    if any(part in lowered for part in _NOT_PHOTOS):
        return True
    classes = hints.get("class", "").lower()
    if any(name in classes for name in _NOT_PHOTO_CLASSES):
        return True
    style = hints.get("style", "")
    for key in ("width", "height"):
        declared = hints.get(key) or _style_px(style, key)
        number = re.match(r"\s*(\d+)\s*(px)?\s*$", declared or "")
        if number and int(number.group(1)) < MIN_SIDE:
            return True
    return False


def _style_px(style: str, key: str) -> str:
    found = re.search(rf"(?:^|;)\s*{key}\s*:\s*(\d+)px", style)
    return found.group(1) if found else ""


def item_photo(
    parsed: ParsedProducts, number: int, base: str, found: Iterator[Candidate], store: ImageStore
) -> tuple[str, ...] | None:
    """The item's photo as a stored path; () with a note when there is none; None when downloads
    are off and the photo is a URL (the product keeps what it has)."""
    skipped = 0
    failed: list[str] = []
    for raw, hints in found:
        url = urljoin(base, raw.strip()) if base else raw.strip()
        if not is_url(url):
            continue  # data: URIs, relative paths with nothing to resolve them against
        if not_a_photo(url, hints):
            skipped += 1
            continue
        try:
            path = store.resolve(url)
        except ImageFailed as exc:
            if exc.too_small:
                skipped += 1
            elif not exc.again:
                failed.append(str(exc))
            continue
        for reason in failed:
            parsed.notes.append(f"item {number}: {reason}; another photo was used")
        return None if path is None else (path,)
    for reason in failed:
        parsed.notes.append(f"item {number}: {reason}")
    what = "a tracking pixel, emoji or icon" if skipped == 1 else "tracking pixels, emoji or icons"
    extra = f" ({plural(skipped, 'image')} skipped: {what})" if skipped else ""
    parsed.notes.append(f"item {number}: no photo found, give --image when you queue it{extra}")
    return ()
