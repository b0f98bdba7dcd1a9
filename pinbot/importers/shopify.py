"""Shopify's products CSV export (Products > Export) -> product records.

The export has several rows per product: the first carries Title, Body (HTML), Tags, Status...;
further rows with the same Handle carry more variants (Option1 Value, Variant Price, Variant
Inventory Qty) and/or more photos (Image Src, Image Position). Rules:

- external id = Handle; link = <shop URL>/products/<handle> (the export has no URLs: the shop
  URL comes from --shop-url or PINBOT_SHOP_URL; a `{handle}` placeholder in it is filled instead);
- description = Body (HTML) as plain text, shortened to 800 characters on a word boundary;
- price = the first variant's Variant Price (the export has no currency: --currency);
- photos = Image Src rows in Image Position order, then Variant Image, at most 10;
- in stock = the product is visible on the online store (Status "active" AND Published TRUE: an
  active product that is not published has no page a buyer can open) AND one variant is
  available: Variant Inventory Qty > 0, or inventory not tracked (Variant Inventory Tracker
  blank, or no quantity given), or Variant Inventory Policy "continue" (Shopify keeps selling it
  when the count reaches 0). A hidden (draft, archived, unpublished) product therefore counts as
  out of stock: its queued pins are cancelled.

A product with a bad row (a bad price) is skipped whole and the error names that row and column;
the other products go on. A photo that cannot be downloaded is a warning: the product is imported
with the photos that worked, so its text, price and stock change are not lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from pinbot.errors import InvalidInput
from pinbot.importers.common import (
    CsvTable,
    ParsedProducts,
    build_record,
    link_from_pattern,
    parse_price,
    parse_quantity,
    read_csv_table,
    split_tags,
)
from pinbot.importers.images import ImageFailed, ImageStore
from pinbot.importers.text import html_to_text
from pinbot.shop.products import ProductRecord

REQUIRED = ("Handle", "Title")
VARIANT_COLUMNS = ("Variant Price", "Variant SKU", "Option1 Value", "Variant Inventory Qty")


@dataclass
class _Product:
    handle: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def looks_like_shopify(table: CsvTable) -> bool:
    return table.has("Handle", "Title") and (table.has("Body (HTML)") or table.has("Variant Price"))


def parse_shopify(
    path: Path,
    store: ImageStore,
    shop_url: str,
    currency: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ParsedProducts:
    table, rows = read_csv_table(path)
    src = table.name
    table.require(REQUIRED, " (is this a Shopify products export?)")
    if not shop_url:
        raise InvalidInput(
            "--shop-url",
            "Shopify's export has no product links: give --shop-url https://yourshop.com (or set PINBOT_SHOP_URL)",
        )
    parsed = ParsedProducts("shopify")
    products: dict[str, _Product] = {}
    try:
        for row_no, row in rows:
            parsed.rows += 1
            handle = row["handle"].strip()
            if not handle:
                parsed.errors.append(InvalidInput(table.label("Handle"), "is required", row=row_no, source=src))
                continue
            products.setdefault(handle, _Product(handle)).rows.append((row_no, row))
    except InvalidInput as exc:
        parsed.errors.append(exc)
    parsed.rows += len(table.row_errors)
    parsed.errors.extend(table.row_errors)
    for product in products.values():
        try:
            parsed.records.append(
                (product.rows[0][0], _record(parsed, table, product, store, path.parent, shop_url, currency))
            )
        except InvalidInput as exc:
            parsed.errors.append(exc)
        if progress:
            progress(1)
    parsed.errors.sort(key=lambda e: e.row or 0)
    return parsed


def _record(
    parsed: ParsedProducts,
    table: CsvTable,
    product: _Product,
    store: ImageStore,
    base: Path,
    shop_url: str,
    currency: str | None,
) -> ProductRecord:
    src = table.name
    main_no, main = next(((n, r) for n, r in product.rows if r["title"].strip()), product.rows[0])
    if not main["title"].strip():
        raise InvalidInput(
            table.label("Title"), "is required (no row of this Handle has a title)", row=main_no, source=src
        )
    variants = [(n, r) for n, r in product.rows if any(r.get(c.lower(), "").strip() for c in VARIANT_COLUMNS)]
    price = None
    if variants:
        n, r = variants[0]
        price = parse_price(r.get("variant price", ""), table.label("Variant Price"), n, src)
    hidden = _hidden(main)
    if hidden:
        parsed.notes.append(f"row {main_no}: {main['title'].strip()!r} is {hidden}: not pinnable until it is")
    in_stock = not hidden and _available(table, variants)
    images = _images(parsed, table, product, store, base)
    return build_record(
        parsed,
        main_no,
        src,
        external_id=product.handle,
        title=main["title"],
        description=html_to_text(main.get("body (html)", "")),
        link=link_from_pattern(shop_url, f"/products/{quote(product.handle)}", handle=product.handle),
        price_cents=price,
        currency=currency,
        images=images,
        tags=split_tags(main.get("tags", "")),
        in_stock=in_stock,
        columns={"title": table.label("Title"), "description": table.label("Body (HTML)"), "key": "Handle"},
    )


def _hidden(main: dict[str, str]) -> str:
    """Why buyers cannot see the product on the online store ("" when they can)."""
    status = main.get("status", "").strip().lower()
    if status and status != "active":
        return f"{status} (Status), not active"
    published = main.get("published", main.get("published on online store", "")).strip().lower()
    if published not in ("", "true", "1", "yes"):
        return "not published on the online store (Published FALSE)"
    return ""


def _available(table: CsvTable, variants: list[tuple[int, dict[str, str]]]) -> bool:
    if not variants:
        return True  # nothing says otherwise
    tracked_column = table.has("Variant Inventory Tracker")
    for row_no, row in variants:
        column = table.label("Variant Inventory Qty")
        qty = parse_quantity(row.get("variant inventory qty", ""), column, row_no, table.name)
        untracked = qty is None or (tracked_column and not row.get("variant inventory tracker", "").strip())
        if untracked or (qty is not None and qty > 0):
            return True
        if row.get("variant inventory policy", "").strip().lower() == "continue":
            return True
    return False


def _images(
    parsed: ParsedProducts, table: CsvTable, product: _Product, store: ImageStore, base: Path
) -> tuple[str, ...] | None:
    refs: list[tuple[int, int, str, str]] = []  # (position, row, column, url)
    for row_no, row in product.rows:
        src = row.get("image src", "").strip()
        if src:
            pos = row.get("image position", "").strip()
            refs.append((int(pos) if pos.isdigit() else 10_000, row_no, table.label("Image Src"), src))
    for row_no, row in product.rows:
        src = row.get("variant image", "").strip()
        if src:
            refs.append((20_000, row_no, table.label("Variant Image"), src))
    refs.sort(key=lambda r: (r[0], r[1]))
    paths: list[str] = []
    skipped = False
    for _, row_no, column, url in refs:
        try:
            path = store.resolve(url, base=base)
        except ImageFailed as exc:
            if not exc.again:
                parsed.notes.append(f"row {row_no}: {column}: {exc}; imported without this photo")
            skipped = True
            continue
        if path is None:
            skipped = True
        elif path not in paths:
            paths.append(path)
    return None if skipped and not paths else tuple(paths)
