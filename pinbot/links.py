"""Outbound links: UTM tagging per pin and design, and the reconcile marker inside them.

Every attempt of one queue item carries `utm_content=pb-<uid>`, so after a crash the poster can
list the board's pins and find out whether the pin was created (see docs/posting-exactly-once.md).
Leaf module.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MARKER_PREFIX = "pb-"
_MARKER_RE = re.compile(r"^pb-[0-9a-f]{32}$")
SHORTENER_DOMAINS = frozenset(
    {
        "bit.ly",
        "tinyurl.com",
        "t.co",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "rebrand.ly",
        "cutt.ly",
        "shorturl.at",
        "tiny.cc",
        "rb.gy",
        "bl.ink",
        "lnkd.in",
        "s.id",
        "t.ly",
        "v.gd",
    }
)


def marker_for(uid: str) -> str:
    return f"{MARKER_PREFIX}{uid}"


def tagged_link(
    link: str,
    *,
    marker: str,
    campaign: str,
    design: str | None = None,
    source: str = "pinterest",
    medium: str = "social",
) -> str:
    """The link with pinbot's UTM tags set (any the owner already had for these keys replaced)."""
    if not link:
        return link
    parts = urlsplit(link)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    query += [("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign)]
    query.append(("utm_content", marker))
    if design:
        query.append(("utm_term", design))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def marker_in(link: str | None) -> str | None:
    """The pinbot marker carried by a link, if any."""
    if not link:
        return None
    for key, value in parse_qsl(urlsplit(link).query):
        if key == "utm_content" and _MARKER_RE.match(value):
            return value
    return None


# A link of the plain kind shops write (http(s), a host of letters, digits, dots and hyphens, a
# path of URL characters; no port, user, query or fragment, nothing urlsplit strips or rejects):
# urlsplit's host and path are its two groups. Read with one match: an import's and a queue's
# links are parsed for every pin placed (10,000 links cost a tenth of a second through urlsplit).
_PLAIN = re.compile(r"https?://([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?")


@lru_cache(maxsize=65_536)  # an import asks it of every row; a shop has far fewer links
def domain_of(link: str) -> str:
    plain = _PLAIN.fullmatch(link)
    host = plain[1].lower() if plain else (urlsplit(link).hostname or "").lower()
    return host.removeprefix("www.")


# Marketplaces whose domain names the market, not the shop: a pin of an Etsy listing signed
# "ETSY.COM" credits Etsy, so its pin shows the shop's own name instead (amazon.co.uk, ebay.de…).
MARKETPLACE_NAMES = frozenset(
    {"etsy", "ebay", "amazon", "folksy", "notonthehighstreet", "redbubble", "society6", "zazzle", "spoonflower"}
)


def site_of(link: str) -> str:
    """The site a pin names as its source ("fernandkiln.com"): "" for no link or a marketplace's
    link, where the shop's own name is the one to show."""
    domain = domain_of(link) if link else ""
    if any(label in MARKETPLACE_NAMES for label in domain.split(".")[:-1]):
        return ""
    return domain


def is_shortener(link: str) -> bool:
    return domain_of(link) in SHORTENER_DOMAINS


@lru_cache(maxsize=65_536)
def link_key(link: str) -> str:
    """A link's identity for spacing: host + path + non-UTM query (the tags pinbot adds differ)."""
    if not link:
        return ""
    plain = _PLAIN.fullmatch(link)
    if plain:
        return domain_of(link) + (plain[2] or "").rstrip("/")
    parts = urlsplit(link.strip())
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_"))
    path = parts.path.rstrip("/")
    return f"{domain_of(link)}{path}" + (f"?{urlencode(query)}" if query else "")
