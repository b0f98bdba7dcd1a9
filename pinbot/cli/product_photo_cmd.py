"""`pinbot products photo KEY --image PATH`: photos the owner adds by hand to a product, imported
or not, and the refusal of `products add --key` on a key an import already has (which made a second
product next to the imported one). A re-import keeps these photos (docs/data-model.md)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.cli.tables import hanging
from pinbot.errors import InvalidInput
from pinbot.importers.fetch import UrllibFetch
from pinbot.importers.images import ImageFailed, ImageStore
from pinbot.shop.product_photos import add_photos, imported_with_key
from pinbot.shop.products import SOURCES, typed_ref
from pinbot.words import clip, plural

FETCH_TIMEOUT = 20.0  # as `products add`: a photo URL is fetched once, with the same patience


def refuse_imported_key(app: AppContext, key: str) -> None:
    """Products are keyed by where they come from: `add --key 32` next to an Etsy listing with SKU
    32 made a second, hand-made product instead of changing the listing."""
    source, colon, rest = key.strip().partition(":")
    if colon and source in SOURCES and source != "manual":
        # `etsy:32` is how the owner names the Etsy product 32 everywhere: a hand-made product keyed
        # so would be found first by every later `etsy:32`, in place of the listing.
        raise InvalidInput(
            "--key",
            f"{key} names the {source} product with key {rest}; give a key of your own without "
            f"'{source}:', or to add photos to that product: pinbot products photo {key} --image PHOTO",
        )
    account = app.account()
    assert account.id is not None
    other = imported_with_key(app.engine, account.id, key.strip())
    if other is not None:
        ref = typed_ref(other.id or 0, other.source, other.external_id)
        raise InvalidInput(
            "--key",
            f"{key} is already product {other.id} from your {other.source} import ({clip(other.title, 40)}); "
            f"to give it photos: pinbot products photo {ref} --image PHOTO "
            f"(its text, price and stock come from your {other.source} file)",
        )


def checked_photos(app: AppContext, images: Sequence[str]) -> dict[str, str]:
    """Each photo the owner gave (a path, or a URL fetched into the shop's photos), checked as every
    photo input is, in order and once each: its checked path -> what the owner typed."""
    store = ImageStore(app.settings.data_dir / "photos", UrllibFetch(FETCH_TIMEOUT))
    given: dict[str, str] = {}
    for ref in images:
        try:
            path = store.resolve(ref, base=Path.cwd())
        except ImageFailed as exc:
            raise InvalidInput("image", str(exc)) from None
        assert path is not None
        given.setdefault(path, ref)
    return given


@click.command("photo")
@click.argument("key")
@click.option("--image", "images", multiple=True, required=True, help="Photo path or URL. Repeatable.")
@click.option("--replace", is_flag=True, help="These become its only photos (a re-import then leaves them).")
@json_option
@pass_app
def photo(app: AppContext, key: str, images: tuple[str, ...], replace: bool, as_json: bool) -> None:
    """Add photos to a product, imported or not (KEY: its key in `products list`). A re-import keeps them."""
    given = checked_photos(app, images)
    account = app.account()
    assert account.id is not None
    change = add_photos(app.engine, account.id, app.clock(), key, list(given), replace=replace)
    if as_json:
        app.print_json(change.as_dict() | {"replace": replace})
        return
    names = {path: Path(given.get(path, path)).name for path in [*given, *change.removed]}
    who = f"product {change.product_id} ({clip(change.title, 40)}, {change.source}:{change.key})"
    now = plural(len(change.photos), "photo")
    if not change.changed:
        said = f"already has {', '.join(names[p] for p in change.already)}; nothing changed"
    elif replace:
        off = f" ({len(change.removed)} taken off)" if change.removed else ""
        photos = ", ".join(names[p] for p in change.photos)
        said = f"its photos are now {photos}{off}; a re-import leaves its photos alone"
    else:
        said = f"added {', '.join(names[p] for p in change.added)}; {now} now, kept by a re-import"
    line, width = f"{who}: {said}", app.prose_width
    if width is None or len(line) <= width:  # one line in a pipe
        click.echo(line)
    else:  # a terminal's 80 columns: the product on the first line, what changed under it
        click.echo(f"{who}:\n" + hanging("  ", said, width))
