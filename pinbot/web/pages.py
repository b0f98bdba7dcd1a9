"""Reading a product page: is it sold out, or an error page dressed as a normal one? (pure)

Sold out, from the markers shops actually print:
- schema.org offers (JSON-LD or microdata), as Shopify themes and Etsy emit: `OutOfStock`,
  `SoldOut` or `Discontinued`, with no `InStock` offer beside them (one sold-out size of several
  is not a sold-out product);
- Open Graph / product meta: `og:availability` or `product:availability` = "out of stock" / "oos";
- Shopify's product form: the add-to-cart button (`name="add"`) disabled and labelled "Sold out";
- Etsy's listing notices: "Sorry, this item is sold out", "this item is unavailable".
An error page answered with 200 ("soft 404"): a title saying "404", "page not found" or "not found".
"""

from __future__ import annotations

import re

_SCHEMA_OUT = re.compile(r"schema\.org/(outofstock|soldout|discontinued)\b", re.I)
_SCHEMA_IN = re.compile(r"schema\.org/(instock|limitedavailability|instoreonly|onlineonly|preorder)\b", re.I)
_AVAILABILITY = r"(?:property|name)=[\"'](?:og|product):availability[\"']"
_OUT_WORDS = r"content=[\"']\s*(?:out of stock|oos|sold out)"
_META_OUT = re.compile(rf"<meta[^>]+{_AVAILABILITY}[^>]*{_OUT_WORDS}", re.I)
_META_OUT_REVERSED = re.compile(rf"<meta[^>]+{_OUT_WORDS}[^>]*{_AVAILABILITY}", re.I)
_SHOPIFY_BUTTON = re.compile(
    r"<button[^>]*name=[\"']add[\"'][^>]*\bdisabled\b[^>]*>(?:\s|<[^>]+>)*sold out", re.I | re.S
)
_ETSY = re.compile(
    r"sorry, this item is sold out|this item is (?:sold out|unavailable)|this item and shop are currently unavailable",
    re.I,
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_ERROR_TITLE = re.compile(r"\b404\b|page not found|not found|does not exist|no longer available", re.I)


def sold_out_marker(html: str) -> str | None:
    """Which sold-out marker the page carries, in words, or None."""
    if _SCHEMA_OUT.search(html) and not _SCHEMA_IN.search(html):
        return "the page's product data says out of stock"
    if _META_OUT.search(html) or _META_OUT_REVERSED.search(html):
        return "the page says out of stock (product availability tag)"
    if _SHOPIFY_BUTTON.search(html):
        return "the add-to-cart button says Sold out"
    found = _ETSY.search(html)
    if found:
        return f"the page says \u201c{found.group(0)}\u201d"
    return None


def error_page(html: str) -> str | None:
    """Why this 200 page is really an error page, or None."""
    title = _TITLE.search(html)
    if title:
        text = " ".join(title.group(1).split())
        if _ERROR_TITLE.search(text):
            return f"the page is titled \u201c{text[:80]}\u201d"
    return None
