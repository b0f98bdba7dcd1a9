"""Etsy's listings CSV export (Shop Manager > Settings > Options > Download Data) -> product records.

Etsy's columns: TITLE, DESCRIPTION, PRICE, CURRENCY_CODE, QUANTITY, TAGS, MATERIALS, IMAGE1 ..
IMAGE10, VARIATION 1 TYPE/NAME/VALUES, VARIATION 2 ..., SKU (matched case-insensitively). Rules:

- the header may be in the seller's language (`etsy_headers`: Italian and German are read, other
  languages are named with how to download the export in English);
- external id = SKU. A listing with variations has every variation's SKU in the cell, comma
  separated: the first in sorted order is the id and the others are aliases, so a listing keeps its
  product when a variation is added or the order changes. A listing without a SKU gets a hash of
  its title (so renaming such a listing in Etsy makes it a new product here: give it SKUs);
- link: the export has no listing URL and no listing id. A URL, LISTING_URL or LINK column is used
  when present (spreadsheets made by other tools), a LISTING_ID column gives
  https://www.etsy.com/listing/<id>; otherwise --shop-url (or PINBOT_SHOP_URL) is required: a
  pattern with `{sku}` or `{slug}` (the title in URL form) links each listing, a plain URL (your
  Etsy shop page) is used as it is for every listing;
- description = DESCRIPTION (plain text), shortened to 800 characters on a word boundary;
- price = PRICE in CURRENCY_CODE; tags = TAGS then MATERIALS (Etsy writes "gift_idea" for
  "gift idea"); photos = IMAGE1..IMAGE10 in order; a photo that cannot be had is a warning, and the
  listing is imported with the photos that worked (its price and stock change must not be lost);
- in stock = QUANTITY > 0 (the export lists listings for sale; 0 means sold out).

A bad row (its first problem, naming the column) is skipped; the other rows go on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from pinbot.errors import InvalidInput
from pinbot.importers.common import (
    CsvTable,
    ParsedProducts,
    build_record,
    hashed_id,
    link_from_pattern,
    parse_price,
    parse_quantity,
    read_csv_table,
    slug,
    split_tags,
)
from pinbot.importers.etsy_headers import english_export_hint, to_english, unsupported_language
from pinbot.importers.images import ImageFailed, ImageStore
from pinbot.importers.text import html_to_text
from pinbot.shop.products import ProductRecord

REQUIRED = ("TITLE", "PRICE")
URL_COLUMNS = ("url", "listing url", "link")
ETSY_LISTING = "https://www.etsy.com/listing/{id}"


def looks_like_etsy(table: CsvTable) -> bool:
    to_english(table)
    return table.has("TITLE", "PRICE") and (table.has("IMAGE1") or table.has("QUANTITY") or table.has("CURRENCY_CODE"))


def parse_etsy(
    path: Path,
    store: ImageStore,
    shop_url: str,
    progress: Callable[[int], None] | None = None,
) -> ParsedProducts:
    table, rows = read_csv_table(path)
    language = to_english(table)
    if not table.has(*REQUIRED) and (other := unsupported_language(table)):
        raise InvalidInput("header", english_export_hint(other), row=1, source=table.name)
    table.require(REQUIRED, " (is this an Etsy listings export?)")
    has_links = any(table.has(c) for c in (*URL_COLUMNS, "listing id"))
    if not has_links and not shop_url:
        raise InvalidInput(
            "--shop-url",
            "Etsy's export has no listing links: give --shop-url (your shop page, e.g. "
            "https://www.etsy.com/shop/YourShop, or a pattern like https://yourshop.com/products/{sku}), "
            "or set PINBOT_SHOP_URL",
        )
    parsed = ParsedProducts("etsy")
    if language:
        parsed.notes.append(f"an Etsy export in {language}: its columns were read by their English names")
    seen: dict[str, int] = {}
    try:
        for row_no, row in rows:
            parsed.rows += 1
            try:
                record = _record(parsed, table, row_no, row, store, path.parent, shop_url, seen)
            except InvalidInput as exc:
                parsed.errors.append(exc)
            else:
                parsed.records.append((row_no, record))
            if progress:
                progress(1)
    except InvalidInput as exc:  # a malformed CSV line: the rows after it cannot be trusted
        parsed.errors.append(exc)
    parsed.rows += len(table.row_errors)
    parsed.errors.extend(table.row_errors)
    parsed.errors.sort(key=lambda e: e.row or 0)
    return parsed


def _record(
    parsed: ParsedProducts,
    table: CsvTable,
    row_no: int,
    row: dict[str, str],
    store: ImageStore,
    base: Path,
    shop_url: str,
    seen: dict[str, int],
) -> ProductRecord:
    src = table.name
    title = " ".join(row["title"].split())
    if not title:
        raise InvalidInput(table.label("TITLE"), "is required", row=row_no, source=src)
    skus = sorted(dict.fromkeys(s.strip() for s in row.get("sku", "").split(",") if s.strip()))
    sku = skus[0] if skus else ""
    external_id = sku or f"title-{hashed_id(title)}"
    for key in skus or [external_id]:
        if key in seen:
            what = f"SKU {key!r}" if sku else "the same title (and no SKU)"
            column = table.label("SKU") if sku else table.label("TITLE")
            raise InvalidInput(column, f"{what} repeats row {seen[key]}", row=row_no, source=src)
    price = parse_price(row["price"], table.label("PRICE"), row_no, src)
    qty = parse_quantity(row.get("quantity", ""), table.label("QUANTITY"), row_no, src)
    link = _link(row, shop_url, sku, title)
    if not sku and link == "" and "{sku}" in shop_url:
        raise InvalidInput(
            table.label("SKU"), "is blank, and --shop-url links listings by {sku}", row=row_no, source=src
        )
    # Etsy descriptions are plain text (entities such as &amp; decoded, line breaks kept); an HTML
    # one (from another tool) is converted.
    description = html_to_text(row.get("description", ""))
    images: list[str] = []
    skipped = False
    for n in range(1, 11):
        ref = row.get(f"image{n}", "").strip()
        if not ref:
            continue
        try:
            local = store.resolve(ref, base=base)
        except ImageFailed as exc:
            # One lost photo must not lose the listing's text, price and stock (a sold-out listing
            # whose pins keep going out): warn, keep the photos that worked.
            if not exc.again:
                parsed.notes.append(f"row {row_no}: {table.label(f'IMAGE{n}')}: {exc}; imported without this photo")
            skipped = True
            continue
        if local is None:
            skipped = True
        else:
            images.append(local)
    record = build_record(
        parsed,
        row_no,
        src,
        external_id=external_id,
        title=title,
        description=description,
        link=link,
        price_cents=price,
        currency=row.get("currency code", ""),
        images=None if skipped and not images else tuple(images),
        tags=split_tags(row.get("tags", "").replace("_", " "), row.get("materials", "").replace("_", " ")),
        in_stock=qty is None or qty > 0,
        columns={
            "title": table.label("TITLE"),
            "description": table.label("DESCRIPTION"),
            "currency": table.label("CURRENCY_CODE"),
            "key": table.label("SKU"),
        },
    )
    for key in skus or [external_id]:
        seen[key] = row_no
    return replace(record, aliases=tuple(skus[1:]))


def _link(row: dict[str, str], shop_url: str, sku: str, title: str) -> str:
    for column in URL_COLUMNS:
        if row.get(column, "").strip():
            return row[column].strip()
    listing_id = row.get("listing id", "").strip()
    if listing_id.isdigit():
        return ETSY_LISTING.format(id=listing_id)
    if not shop_url or ("{sku}" in shop_url and not sku):
        return ""
    return link_from_pattern(shop_url, "", sku=sku, slug=slug(title))
