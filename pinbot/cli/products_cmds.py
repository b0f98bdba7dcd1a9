"""`pinbot products add|import|import-feed|list|show|photo|stock`: the shop's catalogue from the CLI."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import click

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.cli.product_photo_cmd import checked_photos, photo, refuse_imported_key
from pinbot.cli.queue_cmds import ImportFailed
from pinbot.cli.tables import Column, hanging, table
from pinbot.errors import InvalidInput, PinbotError
from pinbot.importers.common import (
    ParsedProducts,
    build_record,
    check_shop_url,
    parse_price,
    read_csv_table,
    slug,
    split_tags,
)
from pinbot.importers.etsy import looks_like_etsy, parse_etsy
from pinbot.importers.etsy_headers import english_export_hint, unsupported_language
from pinbot.importers.feed import parse_feed
from pinbot.importers.fetch import UrllibFetch
from pinbot.importers.images import ImageStore
from pinbot.importers.shopify import looks_like_shopify, parse_shopify
from pinbot.queue.views import pin_to_dict
from pinbot.shop.products import ProductRecord, ProductService, UpsertResult, product_to_dict, typed_ref
from pinbot.shop.validation import BADGE_MAX, DESCRIPTION_MAX, HEADLINE_MAX, check_text
from pinbot.words import plural

FETCH_TIMEOUT = 20.0


def product_service(app: AppContext) -> ProductService:
    account = app.account()
    assert account.id is not None
    return ProductService(app.engine, account.id, app.clock())


def _store(app: AppContext, download: bool = True) -> ImageStore:
    return ImageStore(app.settings.data_dir / "photos", UrllibFetch(FETCH_TIMEOUT), download=download)


def _money(cents: int | None, currency: str | None) -> str:
    if cents is None:
        return ""
    return f"{cents / 100:,.2f} {currency or ''}".strip()


@click.group()
def products() -> None:
    """Your catalogue: add or import products, see them, mark what sold out."""


@products.command("add")
@click.option("--title", required=True, help="Product name.")
@click.option("--link", required=True, help="The product's page (http/https).")
@click.option("--image", "images", multiple=True, required=True, help="Photo path or URL. Repeatable.")
@click.option("--description", default="", help=f"Shortened to {DESCRIPTION_MAX} characters if longer.")
@click.option("--price", default=None, help="Price, e.g. 34.00.")
@click.option("--currency", default=None, help="Currency code, e.g. GBP.")
@click.option("--tags", default="", help="Comma-separated tags.")
@click.option("--key", default=None, help="Your id for it (SKU); adding the same key again updates it.")
@click.option("--out-of-stock", is_flag=True, help="Sold out: its queued pins are cancelled.")
@click.option("--headline", default=None, help="Short text printed big on its pins (default: from the title).")
@click.option("--badge", default=None, help='A label on its pins, e.g. NEW or SALE ("" removes it).')
@json_option
@pass_app
def add(
    app: AppContext,
    title: str,
    link: str,
    images: tuple[str, ...],
    description: str,
    price: str | None,
    currency: str | None,
    tags: str,
    key: str | None,
    out_of_stock: bool,
    headline: str | None,
    badge: str | None,
    as_json: bool,
) -> None:
    """Add a product by hand (or update the one with the same --key) and print its id."""
    parsed = ParsedProducts("manual")
    cents = parse_price(price, "price", None, "") if price else None
    if currency and cents is None:
        raise InvalidInput("currency", "give --price with --currency")
    record = build_record(
        parsed,
        None,
        "",
        external_id=key or slug(title),
        title=title,
        description=description,
        link=link,
        price_cents=cents,
        currency=currency,
        tags=split_tags(tags),
        in_stock=not out_of_stock,
    )
    if key is not None:
        refuse_imported_key(app, key)
    paths = checked_photos(app, images)  # only once the rest is known to be valid: no download for a typo
    record = replace(
        record,
        image_paths=tuple(paths),
        headline=check_text("headline", headline, HEADLINE_MAX) if headline is not None else None,
        badge=check_text("badge", badge, BADGE_MAX) if badge is not None else None,
    )
    service = product_service(app)
    result = service.upsert([record])
    product = service.get_id(result.ids[0])
    if as_json:
        app.print_json(product_to_dict(product) | {"result": result.as_dict(), "notes": parsed.notes})
        return
    click.echo(product.id)
    what = "added" if result.created else "updated" if result.updated else "unchanged"
    app.info(f"product {product.id} {what} (key {product.external_id})")
    for note in parsed.notes:
        app.info(note)
    _stock_lines(app, result, imported=False)


def _stock_lines(app: AppContext, result: UpsertResult, *, imported: bool = True) -> None:
    for c in result.sold_out:
        app.info(f"sold out: {c.title} (product {c.product_id}): {plural(c.cancelled_pins, 'queued pin')} cancelled")
    for c in result.back_in_stock:
        app.info(
            f"back in stock: {c.title} (product {c.product_id}); nothing was re-queued: "
            f"pinbot queue add --product {c.ref or c.product_id} --boards ..."
        )
    if result.hand_photos_kept:
        app.info(f"{plural(len(result.hand_photos_kept), 'product')} kept the photos you added by hand")
    if result.no_photo:
        # Pins need a photo: said once, with the command that adds one, not only per failed URL.
        n = len(result.no_photo)
        again = " (or import again once the photos download)" if imported else ""
        app.info(
            f"{plural(n, 'product')} in stock {'has' if n == 1 else 'have'} no photo yet, so no pin can be made "
            f"of {'it' if n == 1 else 'them'}: add one with `pinbot products photo {result.no_photo[0]} "
            f"--image PHOTO`{again}"
        )


def _one_link_line(app: AppContext, records: list[ProductRecord]) -> None:
    """An Etsy export has no listing URLs: with the shop page as --shop-url every product links to
    it, and the same-link rule then lets one pin out every couple of days. Said once, at import."""
    links = {r.link for r in records}
    if len(records) < 2 or len(links) != 1:
        return
    try:
        hours = app.rules().schedule.same_link_hours
    except PinbotError:  # a broken pinbot.toml is for `doctor` to name, not a reason to fail an import
        return
    app.info(
        f"all {len(records)} products link to {next(iter(links))}: pins with one link go out at most one "
        f"every {hours} h (same_link_hours in pinbot.toml); for a link per product, give --shop-url a pattern "
        "such as https://your-site.example/products/{sku}"
    )


def _finish(app: AppContext, parsed: ParsedProducts, label: str, strict: bool, as_json: bool, **extra: object) -> None:
    """Write the valid records (unless --strict found errors), report, and fail if any row was bad."""
    result = UpsertResult()
    if parsed.records and not (strict and parsed.errors):
        result = product_service(app).upsert([record for _, record in parsed.records])
    unit = parsed.unit
    if as_json:
        app.print_json(
            {
                **extra,
                "format": parsed.source,
                unit + "s": parsed.rows,
                "valid": len(parsed.records),
                **result.as_dict(),
                "strict": strict,
                "errors": parsed.error_dicts(),
                "notes": parsed.notes,
            }
        )
    else:
        for err in parsed.errors:
            where = f"{unit} {err.row}: " if err.row is not None else ""
            click.echo(f"{label}: {where}{err.field}: {err.reason}", err=True)
        for note in parsed.notes:
            app.info(f"{label}: {note}")
        click.echo(
            f"{plural(len(result.created), 'product')} added, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged, {plural(len(parsed.errors), f'invalid {unit}')} of {parsed.rows}"
        )
        _stock_lines(app, result)
        _one_link_line(app, [record for _, record in parsed.records])
    if parsed.errors:
        written = len(result.created) + len(result.updated) + len(result.unchanged)
        if strict:
            what = "nothing imported (--strict)"
        elif written:
            what = f"the other {unit}s were imported" if written > 1 else f"the other {unit} was imported"
        else:
            what = "nothing was imported"
        raise ImportFailed(f"{label}: {plural(len(parsed.errors), f'invalid {unit}')}; {what}")


@products.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["auto", "shopify", "etsy"]), default="auto", show_default=True)
@click.option("--shop-url", default=None, help="Your shop's address for product links (default: PINBOT_SHOP_URL).")
@click.option("--currency", default=None, help="Currency of a Shopify export's prices, e.g. USD.")
@click.option("--strict", is_flag=True, help="All or nothing: import no product unless every row is valid.")
@click.option("--no-download", is_flag=True, help="Do not fetch photo URLs; products keep the photos they have.")
@json_option
@pass_app
def import_(
    app: AppContext,
    file: Path,
    fmt: str,
    shop_url: str | None,
    currency: str | None,
    strict: bool,
    no_download: bool,
    as_json: bool,
) -> None:
    """Import a Shopify products export or an Etsy listings export. Re-importing updates, never duplicates."""
    table, _ = read_csv_table(file)
    if fmt == "auto":
        if looks_like_shopify(table):
            fmt = "shopify"
        elif looks_like_etsy(table):
            fmt = "etsy"
        elif language := unsupported_language(table):
            raise InvalidInput("--format", f"{file.name}: {english_export_hint(language)}")
        else:
            raise InvalidInput(
                "--format",
                f"{file.name}: neither a Shopify products export (Handle, Title, Body (HTML), ...) nor an Etsy "
                "listings export (TITLE, PRICE, IMAGE1, ...); pinbot's own pin CSV goes to `pinbot queue import`",
            )
    url = check_shop_url(shop_url) if shop_url else app.settings.shop_url
    if currency and not re.fullmatch(r"[A-Za-z]{3}", currency.strip()):
        raise InvalidInput("--currency", f"not a currency code like USD: {currency!r}")
    store = _store(app, download=not no_download)
    with app.progress("importing products") as bars:
        advance = bars.advance if bars else None
        if fmt == "shopify":
            parsed = parse_shopify(file, store, url, currency=currency, progress=advance)
        else:
            parsed = parse_etsy(file, store, url, progress=advance)
    parsed.notes.extend(store.unreachable_notes())
    _finish(app, parsed, file.name, strict, as_json, file=str(file), photos_downloaded=store.downloaded)


@products.command("import-feed")
@click.argument("feed")
@click.option("--strict", is_flag=True, help="All or nothing: import no item unless every item is valid.")
@click.option("--no-download", is_flag=True, help="Do not fetch photo URLs; products keep the photos they have.")
@json_option
@pass_app
def import_feed(app: AppContext, feed: str, strict: bool, no_download: bool, as_json: bool) -> None:
    """Import a blog's RSS or Atom feed (a URL or a file): each post becomes a product."""
    fetch = UrllibFetch(FETCH_TIMEOUT)
    store = ImageStore(app.settings.data_dir / "photos", fetch, download=not no_download)
    with app.progress("importing feed items") as bars:
        parsed = parse_feed(feed, store, fetch, progress=bars.advance if bars else None)
    parsed.notes.extend(store.unreachable_notes())
    label = feed if len(feed) <= 60 else Path(feed).name
    _finish(app, parsed, label, strict, as_json, feed=feed, photos_downloaded=store.downloaded)


@products.command("list")
@click.option("--in-stock/--all", "in_stock", default=False, help="Only products in stock (default: all).")
@json_option
@pass_app
def list_(app: AppContext, in_stock: bool, as_json: bool) -> None:
    """List the catalogue with each product's pins."""
    service = product_service(app)
    rows = service.list(in_stock_only=in_stock)
    counts = service.pin_counts()
    if as_json:
        app.print_json([product_to_dict(p, counts.get(p.id or 0)) for p in rows])
        return
    cells = []
    for p in rows:
        c = counts.get(p.id or 0, {})
        stock = "in stock" if p.in_stock else "sold out"
        photos, queued, posted = str(len(p.image_paths)), str(c.get("queued", 0)), str(c.get("posted", 0))
        money = _money(p.price_cents, p.currency)
        cells.append([str(p.id), p.title, money, stock, photos, queued, posted, p.external_id, p.source])
    if cells:
        # The title whole before the key and the source (a wide terminal shows them).
        click.echo("\n".join(table(_LIST_COLUMNS, cells, app.width)))
    if not rows:
        app.info("no products yet: pinbot products add / import / import-feed")


_LIST_COLUMNS = (
    Column("id", right=True),
    Column("title", flex=True, least=24, most=50),
    Column("price", right=True),
    Column("stock"),
    Column("photos", right=True),
    Column("queued", right=True),
    Column("posted", right=True),
    Column("key", drop=1, least=12),
    Column("source", extra=True),
)


@products.command("show")
@click.argument("ref")
@json_option
@pass_app
def show(app: AppContext, ref: str, as_json: bool) -> None:
    """One product (by id or external id) and its pins."""
    service = product_service(app)
    product = service.get(ref)
    assert product.id is not None
    pins = service.pins(product.id)
    counts = service.pin_counts([product.id]).get(product.id, {})
    data = product_to_dict(product, counts)
    data["pin_list"] = [pin_to_dict(pin, key) for pin, key in pins]
    if as_json:
        app.print_json(data)
        return
    # Labels in words, not the JSON's field names (external_id, in_stock True, an empty images).
    hand = set(product.hand_photos or [])
    photos = ", ".join(p + (" (added by hand)" if p in hand else "") for p in product.image_paths) or (
        "none: a pin of it needs one (`pinbot products photo "
        f"{typed_ref(product.id or 0, product.source, product.external_id)} --image PHOTO`)"
    )
    for label, value in (
        ("product", f"{product.id}: {product.title}"),
        ("key", f"{product.external_id} (from {product.source})"),
        ("link", product.link),
        ("price", _money(product.price_cents, product.currency) or "-"),
        ("stock", "in stock" if product.in_stock else "sold out"),
        ("tags", ", ".join(data["tags"]) or "-"),
        ("photos", photos),
        ("description", product.description or "-"),
    ):
        click.echo(hanging(f"{label:12} ", value, app.prose_width))
    if pins:
        click.echo()
        cells = [
            [str(pin.id), pin.status.value, app.shop_day(pin.due_at), key, pin.last_error or ""] for pin, key in pins
        ]
        notes = any(c[-1] for c in cells)  # the last error, when a pin has one
        click.echo("\n".join(table(_PIN_COLUMNS if notes else _PIN_COLUMNS[:-1], cells, app.width)))


_PIN_COLUMNS = (
    Column("pin", right=True),
    Column("status"),
    Column("due (shop time)"),
    Column("board", least=16),
    Column("note", flex=True, least=20),
)


@products.command("stock")
@click.argument("ref")
@click.option("--in/--out", "in_stock", required=True, help="Back in stock, or sold out (cancels its queued pins).")
@pass_app
def stock(app: AppContext, ref: str, in_stock: bool) -> None:
    """Mark a product sold out (its queued pins are cancelled) or back in stock (nothing is re-queued)."""
    product, change = product_service(app).set_stock(ref, in_stock)
    if change is None:
        click.echo(f"product {product.id} was already {'in stock' if in_stock else 'out of stock'}")
        return
    result = UpsertResult()
    (result.sold_out if not in_stock else result.back_in_stock).append(change)
    click.echo(f"product {product.id}: {'in stock' if in_stock else 'out of stock'}")
    _stock_lines(app, result)


products.add_command(photo)
