"""`pinbot render`: preview pin images before anything is posted.

    pinbot render PIN_ID [PIN_ID ...] --out DIR       the image each queued pin will be posted with
    pinbot render --product ID --template NAME        one design of a product
    pinbot render --product ID --variants N           N distinct designs (template x palette x crop)
    pinbot render --sheet --product ID                one contact sheet of every template

Renders go through the same content-addressed cache the poster uses (so a preview also warms it)
and are copied to --out. Batches run on every core with a progress bar; a bad photo fails its own
render with one line naming the file, and the rest of the batch goes on.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import click
from sqlmodel import Session

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.errors import ImageError, InvalidInput, NotFound, PinbotError
from pinbot.links import domain_of
from pinbot.posting.images import photo_error, price_label, render_request_for, source_photos, subtitle_from
from pinbot.render import (
    RenderRequest,
    list_templates,
    load_brand,
    load_template,
    make_contact_sheet,
    render_to_cache,
    variants_for,
)
from pinbot.render.cache import write_atomic
from pinbot.shop.boards import scan_boards
from pinbot.store.db import session_scope
from pinbot.store.models import Account, Board, Pin, Product

DEFAULT_TEMPLATE = "photo-band"


class RenderFailed(PinbotError):
    """Some renders of a batch failed (each was reported on its own line)."""

    exit_code = 2


@dataclass(frozen=True)
class Task:
    label: str  # names the thing in messages: "pin 7", "product 3 (collage)"
    request: RenderRequest | None  # None: posted as its photo, copied as it is
    source: Path | None
    assets_dir: Path
    cache_dir: Path
    out_stem: Path  # the output path without extension


@dataclass(frozen=True)
class Outcome:
    label: str
    path: str = ""
    content_type: str = ""
    variant: str = ""
    error: str = ""


def run_task(task: Task) -> Outcome:
    """One render (in a worker process): never raises for a bad input, reports it instead."""
    try:
        if task.request is None:
            assert task.source is not None
            if not task.source.is_file():
                return Outcome(task.label, error=f"{task.source}: file not found")
            target = task.out_stem.parent / (task.out_stem.name + (task.source.suffix.lower() or ".jpg"))
            write_atomic(target, task.source.read_bytes())
            return Outcome(task.label, str(target), "", "photo as it is")
        cached = render_to_cache(task.request, task.assets_dir, task.cache_dir)
        target = task.out_stem.parent / (task.out_stem.name + cached.suffix)
        write_atomic(target, cached.read_bytes())
        ctype = "image/png" if cached.suffix == ".png" else "image/jpeg"
        return Outcome(task.label, str(target), ctype, task.request.variant or task.request.template)
    except PinbotError as exc:
        if isinstance(exc, ImageError) and task.request is not None:
            exc = photo_error(exc, task.request.photos)  # "photo 2 (https://...)", not a cache file
        return Outcome(task.label, error=str(exc))
    except Exception as exc:  # a renderer bug must not take the batch down with it
        return Outcome(task.label, error=f"unexpected error: {type(exc).__name__}: {exc}")


def _product_photos(product: Product | None) -> tuple[Path, ...]:
    return tuple(Path(p) for p in (product.image_paths if product else []) if p)


def pin_task(app: AppContext, session: Session, account: Account, pin_id: int, out: Path, cache_dir: Path) -> Task:
    """The request the poster will render for this pin (same fields, same cache)."""
    pin = session.get(Pin, pin_id)
    if pin is None or pin.account_id != account.id:
        raise NotFound(f"pin {pin_id}: no such pin in account {account.name!r}")
    product = session.get(Product, pin.product_id) if pin.product_id else None
    board = session.get(Board, pin.board_id)
    boards, _ = scan_boards(app.settings.boards_dir)
    board_def = boards.get(board.key) if board else None
    label = f"pin {pin_id}"
    stem = out / f"pin-{pin_id}"
    request = render_request_for(pin, board_def, product)
    if request is None:
        photos = source_photos(pin, product)
        if not photos:
            raise InvalidInput(label, "has no image and no template")
        return Task(label, None, photos[0], app.settings.assets_dir, cache_dir, stem)
    return Task(label, request, None, app.settings.assets_dir, cache_dir, stem)


def product_request(product: Product, template: str, variant: str | None = None) -> RenderRequest:
    return RenderRequest(
        template=template,
        title=product.title,
        subtitle=subtitle_from(product.description),
        price=price_label(product.price_cents, product.currency),
        site_name=domain_of(product.link) if product.link else "",
        photos=_product_photos(product),
        variant=variant,
    )


def _load_product(session: Session, account: Account, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None or product.account_id != account.id:
        raise NotFound(f"product {product_id}: no such product in account {account.name!r}")
    return product


def run_batch(app: AppContext, tasks: list[Task], jobs: int) -> list[Outcome]:
    """Render every task, on `jobs` processes when there are several, with a progress bar."""
    if len(tasks) <= 1 or jobs <= 1:
        return [run_task(t) for t in tasks]
    outcomes: list[Outcome] = []
    # Fork before the progress bar starts its refresh thread; workers only render files.
    ctx = get_context("fork") if "fork" in _start_methods() else None
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx) as pool:
        futures: list[Future[Outcome]] = [pool.submit(run_task, t) for t in tasks]
        with app.progress("rendering") as bars:
            for done, fut in enumerate(as_completed(futures), 1):
                outcomes.append(fut.result())
                if bars:
                    bars.update(done, len(futures))
    order = {t.label: i for i, t in enumerate(tasks)}
    return sorted(outcomes, key=lambda o: order.get(o.label, 0))


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def _report(app: AppContext, outcomes: list[Outcome], as_json: bool, extra: list[dict[str, str]] | None = None) -> None:
    failed = [o for o in outcomes if o.error]
    for o in failed:
        click.echo(f"pinbot: {o.label}: {o.error}", err=True)
    if as_json:
        rows = [
            {"label": o.label, "path": o.path, "content_type": o.content_type, "variant": o.variant, "error": o.error}
            for o in outcomes
        ]
        app.print_json({"renders": rows, **({"sheet": extra} if extra else {})})
    else:
        for o in outcomes:
            if not o.error:
                click.echo(f"{o.label}: {o.path}  [{o.variant}]")
        for row in extra or []:
            click.echo(f"contact sheet: {row['path']}")
    if failed:
        raise RenderFailed(f"{len(failed)} of {len(outcomes)} renders failed")


@click.command("render")
@click.argument("pin_ids", nargs=-1, type=int)
@click.option("--product", "product_id", type=int, default=None, help="Render designs of this product instead.")
@click.option("--template", default=None, help="Template name (file stem in assets/templates).")
@click.option("--variant", default=None, help="Design variant id, e.g. photo-band.brand.subject.")
@click.option("--variants", "n_variants", type=int, default=None, help="With --product: N distinct designs.")
@click.option("--sheet", is_flag=True, help="With --product: one contact sheet of every template.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder for the images.")  # fmt: skip
@click.option("--jobs", type=int, default=None, help="Worker processes for batches (default: all cores).")
@json_option
@pass_app
def render(
    app: AppContext,
    pin_ids: tuple[int, ...],
    product_id: int | None,
    template: str | None,
    variant: str | None,
    n_variants: int | None,
    sheet: bool,
    out_dir: Path,
    jobs: int | None,
    as_json: bool,
) -> None:
    """Render pin images to a folder so you can look before anything is posted.

    \b
    pinbot render 12 13 --out previews          what queued pins 12 and 13 will post
    pinbot render --product 3 --template collage one design of product 3
    pinbot render --product 3                   every template for product 3
    pinbot render --product 3 --variants 6      six distinct designs (stable variant ids)
    pinbot render --sheet --product 3           one contact sheet of every template
    """
    if (sheet or n_variants is not None or template or variant) and product_id is None:
        raise InvalidInput("render", "--template, --variant, --variants and --sheet go with --product ID")
    if bool(pin_ids) == (product_id is not None):
        raise InvalidInput("render", "give PIN_ID(s) or --product ID (not both)")
    if n_variants is not None and not 1 <= n_variants <= 60:
        raise InvalidInput("--variants", "expected a number from 1 to 60")
    settings = app.settings
    assets = settings.assets_dir
    available = list_templates(assets)
    if template is not None and template not in available:
        raise NotFound(f"template {template!r} not found in {assets / 'templates'} (available: {', '.join(available)})")
    cache_dir = settings.data_dir / "renders"
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = jobs if jobs is not None else max(1, os.cpu_count() or 1)

    account = app.account()  # its own short transaction: never nest one inside another (SQLite)
    with session_scope(app.engine) as session:
        if pin_ids:
            tasks = [pin_task(app, session, account, pid, out_dir, cache_dir) for pid in dict.fromkeys(pin_ids)]
            product = None
        else:
            assert product_id is not None
            product = _load_product(session, account, product_id)
            tasks = _product_tasks(product, template, variant, n_variants, sheet, available, assets, cache_dir, out_dir)

    outcomes = run_batch(app, tasks, workers)
    extra: list[dict[str, str]] = []
    if sheet and product is not None:
        done = [(o, Path(o.path)) for o in outcomes if not o.error]
        if done:
            items = [(o.variant, p.read_bytes()) for o, p in done]
            data = make_contact_sheet(items, load_brand(assets), product.title)
            target = out_dir / f"sheet-product-{product.id}.jpg"
            write_atomic(target, data)
            for _, p in done:  # the sheet is the deliverable; the single renders stay in the cache
                p.unlink(missing_ok=True)
            outcomes = [o for o in outcomes if o.error]
            extra.append({"path": str(target), "designs": str(len(items))})
    _report(app, outcomes, as_json, extra)


def _product_tasks(
    product: Product,
    template: str | None,
    variant: str | None,
    n_variants: int | None,
    sheet: bool,
    available: list[str],
    assets: Path,
    cache_dir: Path,
    out_dir: Path,
) -> list[Task]:
    base = f"product {product.id}"
    stem = out_dir / f"product-{product.id}"
    if n_variants is not None:
        chosen = [v for v in variants_for(f"product:{product.id}", n_variants, assets) if v.template in available]
        if template is not None:
            chosen = [v for v in variants_for(f"product:{product.id}", 60, assets) if v.template == template]
            chosen = chosen[:n_variants]
        return [
            Task(
                f"{base} ({v.id})",
                product_request(product, v.template, v.id),
                None,
                assets,
                cache_dir,
                Path(f"{stem}-{v.id}"),
            )
            for v in chosen
        ]
    names = available if (sheet or template is None) else [template]
    if not names:
        raise NotFound(f"no templates in {assets / 'templates'}")
    tasks = []
    for name in names:
        vid = variant if (variant and not sheet) else f"{name}.{load_template(assets, name).default_palette}.subject"
        tasks.append(Task(f"{base} ({name})", product_request(product, name, vid), None, assets, cache_dir,
                          Path(f"{stem}-{name}")))  # fmt: skip
    return tasks
