"""What the product importers share: reading a shop's CSV export, field rules, the result shape.

Owns `ParsedProducts` (records by row, one error per bad row, notes such as "description
shortened"), `read_csv_table` (UTF-8 with or without BOM, size cap, header matched leniently:
case, spaces, dashes and underscores do not matter), `build_record` (the checks every product
passes, whatever its source) and the small parsers for prices, quantities and tag lists.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote, urlsplit

from pinbot.errors import InvalidInput
from pinbot.importers.text import shorten
from pinbot.shop.products import ProductRecord
from pinbot.shop.validation import DESCRIPTION_MAX, check_link, check_text

MAX_FILE_BYTES = 64 * 1024 * 1024
TITLE_LIMIT = 255  # Shopify's own limit; Etsy allows 140. Pin titles are cut to 100 when queued.
EXTERNAL_ID_MAX = 200
MAX_TAGS = 50
MAX_IMAGES = 10


@dataclass
class ParsedProducts:
    """An import's outcome before anything is written."""

    source: str
    unit: str = "row"  # what errors count in: "row" (CSV, header = row 1) or "item" (feeds)
    records: list[tuple[int, ProductRecord]] = field(default_factory=list)
    errors: list[InvalidInput] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: int = 0

    def error_dicts(self) -> list[dict[str, object]]:
        return [{self.unit: e.row, "column": e.field, "reason": e.reason} for e in self.errors]


def norm(name: str) -> str:
    """Header names compared leniently: "Variant Inventory Qty" == "variant_inventory_qty"."""
    return re.sub(r"[\s_\-]+", " ", name.strip().lower())


@dataclass
class CsvTable:
    name: str  # the file name, for messages
    header: list[str]  # as written in the file
    columns: dict[str, int]  # normalised name -> index
    # Rows with more filled cells than the header (an unquoted comma shifts every later column):
    # skipped by the row iterator and reported here, one error per row.
    row_errors: list[InvalidInput] = field(default_factory=list)

    def has(self, *names: str) -> bool:
        return all(norm(n) in self.columns for n in names)

    def require(self, names: Iterable[str], hint: str = "") -> None:
        """Raise for the first required column the header lacks (`hint` says what file was expected)."""
        for name in names:
            if not self.has(name):
                raise InvalidInput(name, f"column is missing from the header{hint}", row=1, source=self.name)

    def label(self, name: str) -> str:
        """The column's name as the file spells it (for error messages)."""
        index = self.columns.get(norm(name))
        return self.header[index].strip() if index is not None else name


def read_csv_table(path: Path) -> tuple[CsvTable, Iterator[tuple[int, dict[str, str]]]]:
    """The header and an iterator of (spreadsheet row number, {normalised column: cell}).

    A malformed CSV line ends the iteration with an `InvalidInput` naming its row.
    """
    src = path.name
    if not path.is_file():
        raise InvalidInput("file", f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput("file", f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", source=src)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("file", f"not UTF-8 text (byte {exc.start}); export it as CSV UTF-8", source=src) from None
    # The csv module stops at 131,072 characters a cell by default, which would end the file at
    # one long cell; the file size is already capped, so a cell may be as long as the file and the
    # field rules report it as one bad row.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput("file", "is empty; the first row must name the columns", source=src) from None
    except csv.Error as exc:
        raise InvalidInput("header", str(exc), row=1, source=src) from None
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = norm(name)
        if key and key in columns:
            raise InvalidInput(name.strip(), "column appears twice in the header", row=1, source=src)
        if key:
            columns[key] = index
    table = CsvTable(src, header, columns)

    width = len(header)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        # Read at the first row, not here: an importer may rename the columns before reading (an
        # Etsy export in Italian). Every header cell naming a column in order, a row is its cells
        # zipped with the names (a dict comprehension with an index test per cell costs seconds
        # over 100,000 rows).
        in_order = list(columns.values()) == list(range(width))
        names = list(columns)
        row_no = 1
        try:  # around the loop, not each read: only the reader raises csv.Error here
            for cells in reader:
                row_no += 1
                if not "".join(cells).strip():  # blank cells only (as `any(c.strip() ...)`, in one call)
                    continue
                if len(cells) > width and "".join(cells[width:]).strip():
                    reason = (
                        f"has {len(cells)} cells, the header has {len(header)} (a comma inside a cell needs quotes)"
                    )
                    table.row_errors.append(InvalidInput("row", reason, row=row_no, source=src))
                    continue
                if in_order and len(cells) >= width:
                    yield row_no, dict(zip(names, cells, strict=False))  # stops at the header's width
                else:
                    yield row_no, {key: (cells[i] if i < len(cells) else "") for key, i in columns.items()}
        except csv.Error as exc:
            raise InvalidInput(
                "row",
                f"malformed CSV: {exc}; the rows after it were not read: fix this row and import again",
                row=row_no + 1,
                source=src,
            ) from None

    return table, rows()


def parse_price(value: str, column: str, row: int | None, src: str) -> int | None:
    """Cents from "34", "34.00", "1,234.50" or "£34.00"; None when blank."""
    text = re.sub(r"[^\d.,\-]", "", value.strip())
    if not value.strip():
        return None
    if "," in text and "." not in text and re.fullmatch(r"-?\d+,\d{1,2}", text):
        text = text.replace(",", ".")  # "34,50": a decimal comma
    text = text.replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(column, f"not a price: {value.strip()!r}", row=row, source=src) from None
    if amount < 0 or amount >= 10**9:
        raise InvalidInput(column, f"not a plausible price: {value.strip()!r}", row=row, source=src)
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def parse_quantity(value: str, column: str, row: int | None, src: str) -> int | None:
    """A whole number of items ("3", "3.0", "-1" for oversold); None when blank."""
    text = value.strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(column, f"not a whole number: {text!r}", row=row, source=src) from None
    if number != number.to_integral_value():
        raise InvalidInput(column, f"not a whole number: {text!r}", row=row, source=src)
    return int(number)


def split_tags(*values: str) -> tuple[str, ...]:
    """Comma-separated lists merged, trimmed and de-duplicated (case-insensitively), in order."""
    seen: dict[str, str] = {}
    for value in values:
        for tag in value.split(","):
            tag = " ".join(tag.split())[:100]
            if tag and tag.lower() not in seen:
                seen[tag.lower()] = tag
    return tuple(seen.values())[:MAX_TAGS]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "item"


def hashed_id(*parts: str) -> str:
    """A stable id for a source that has none (an Etsy listing without a SKU)."""
    return hashlib.sha256("\x1f".join(p.strip().lower() for p in parts).encode()).hexdigest()[:20]


def check_shop_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value if "://" in value else f"https://{value}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("--shop-url", f"expected your shop's address like https://shop.example.com, got {value!r}")
    return parts.geturl()


def link_from_pattern(shop_url: str, default_path: str, **values: str) -> str:
    """The shop URL with `{handle}`, `{sku}` or `{slug}` filled in, or `default_path` appended."""
    if "{" in shop_url:
        out = shop_url
        for key, value in values.items():
            out = out.replace("{" + key + "}", quote(value, safe=""))
        return out
    return shop_url.rstrip("/") + default_path if default_path else shop_url


def build_record(
    parsed: ParsedProducts,
    row: int | None,
    src: str,
    *,
    external_id: str,
    title: str,
    description: str = "",
    link: str = "",
    price_cents: int | None = None,
    currency: str | None = None,
    images: tuple[str, ...] | None = (),
    tags: tuple[str, ...] = (),
    in_stock: bool = True,
    columns: dict[str, str] | None = None,
) -> ProductRecord:
    """The checks every product passes; `columns` maps field -> the column name used in messages."""
    names = {"title": "title", "description": "description", "link": "link", "currency": "currency", "key": "key"}
    names.update(columns or {})
    title = " ".join(title.split())
    title = check_text(names["title"], title, TITLE_LIMIT, required=True, row=row, source=src, single_line=True)
    description, cut = shorten(description, DESCRIPTION_MAX)
    if cut:
        where = f"{parsed.unit} {row}: " if row is not None else ""
        parsed.notes.append(f"{where}description shortened to {DESCRIPTION_MAX} characters")
    description = check_text(names["description"], description, DESCRIPTION_MAX, row=row, source=src)
    link = check_link(link, row=row, source=src)
    external_id = external_id.strip()
    if not external_id:
        raise InvalidInput(names["key"], "is required", row=row, source=src)
    if len(external_id) > EXTERNAL_ID_MAX:
        raise InvalidInput(names["key"], f"is longer than {EXTERNAL_ID_MAX} characters", row=row, source=src)
    code = (currency or "").strip().upper() or None
    if code is not None and not re.fullmatch(r"[A-Z]{3}", code):
        raise InvalidInput(names["currency"], f"not a currency code like USD: {currency!r}", row=row, source=src)
    return ProductRecord(
        source=parsed.source,
        external_id=external_id,
        title=title,
        description=description,
        link=link,
        price_cents=price_cents,
        currency=code if price_cents is not None else None,
        image_paths=None if images is None else tuple(dict.fromkeys(images))[:MAX_IMAGES],
        tags=tags,
        in_stock=in_stock,
    )
