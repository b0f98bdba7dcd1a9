"""Previews: the images queued pins and products will be posted with, rendered into a folder.

Owns the batch behind `pinbot render`: one task per pin (the same request the poster renders, so a
preview is what gets posted, and it warms the same content-addressed cache) or per design of a
product (its templates, N distinct variants, or a contact sheet of every template that suits its
photos). Batches run on several processes; a bad photo fails its own render with one line naming
the product and the photo, and the rest of the batch goes on.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from pinbot.errors import ImageError, InvalidInput, NotFound, PinbotError
from pinbot.links import site_of
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
from pinbot.render.cache import cached_notes, write_atomic
from pinbot.render.variants import suitable_templates
from pinbot.shop.boards import scan_boards
from pinbot.shop.products import find_product, typed_ref
from pinbot.store.db import session_scope
from pinbot.store.models import Account, Board, Pin, Product
from pinbot.words import clip

Progress = Callable[[int, int], None]


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
    notes: tuple[str, ...] = ()


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
        variant = task.request.variant or task.request.template
        return Outcome(task.label, str(target), ctype, variant, notes=tuple(cached_notes(cached)))
    except PinbotError as exc:
        if isinstance(exc, ImageError) and task.request is not None:
            exc = photo_error(exc, task.request.photos)  # "photo 2 (https://...)", not a cache file
        return Outcome(task.label, error=str(exc))
    except Exception as exc:  # a renderer bug must not take the batch down with it
        return Outcome(task.label, error=f"unexpected error: {type(exc).__name__}: {exc}")


def _product_photos(product: Product | None) -> tuple[Path, ...]:
    return tuple(Path(p) for p in (product.image_paths if product else []) if p)


def pin_task(
    session: Session, account: Account, pin_id: int, boards_dir: Path, assets_dir: Path, out: Path, cache_dir: Path
) -> Task:
    """The request the poster will render for this pin (same fields, same cache)."""
    pin = session.get(Pin, pin_id)
    if pin is None or pin.account_id != account.id:
        raise NotFound(f"pin {pin_id}: no such pin in account {account.name!r}")
    product = session.get(Product, pin.product_id) if pin.product_id else None
    board = session.get(Board, pin.board_id)
    boards, _ = scan_boards(boards_dir)
    board_def = boards.get(board.key) if board else None
    label = f"pin {pin_id}"
    stem = out / f"pin-{pin_id}"
    request = render_request_for(pin, board_def, product)
    if request is None:
        photos = source_photos(pin, product)
        if not photos:
            raise InvalidInput(label, "has no image and no template")
        return Task(label, None, photos[0], assets_dir, cache_dir, stem)
    return Task(label, request, None, assets_dir, cache_dir, stem)


def product_request(product: Product, template: str, variant: str | None = None) -> RenderRequest:
    return RenderRequest(
        template=template,
        title=product.title,
        headline=product.headline or "",
        badge=product.badge or "",
        subtitle=subtitle_from(product.description),
        price=price_label(product.price_cents, product.currency),
        site_name=site_of(product.link or ""),
        photos=_product_photos(product),
        variant=variant,
    )


def load_product(session: Session, account: Account, ref: str) -> Product:
    """By key (the shop's SKU or handle) or by id, like every other command."""
    assert account.id is not None
    return find_product(session, account.id, ref)


def run_batch(tasks: list[Task], jobs: int, progress: Progress | None = None) -> list[Outcome]:
    """Render every task, on `jobs` processes when there are several; `progress(done, total)`."""
    if len(tasks) <= 1 or jobs <= 1:
        return [run_task(t) for t in tasks]
    outcomes: list[Outcome] = []
    # Fork before a progress display starts its refresh thread; workers only render files.
    ctx = get_context("fork") if "fork" in _start_methods() else None
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx) as pool:
        futures: list[Future[Outcome]] = [pool.submit(run_task, t) for t in tasks]
        for done, fut in enumerate(as_completed(futures), 1):
            outcomes.append(fut.result())
            if progress is not None:
                progress(done, len(futures))
    order = {t.label: i for i, t in enumerate(tasks)}
    return sorted(outcomes, key=lambda o: order.get(o.label, 0))


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def product_tasks(
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
        key = f"product:{product.id}"
        try:
            picked = variants_for(key, n_variants, assets, _product_photos(product) or None)
        except PinbotError:  # a photo that cannot be read: its render says so
            picked = variants_for(key, n_variants, assets)
        chosen = [v for v in picked if v.template in available]
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
        tasks.append(
            Task(
                f"{base} ({name})", product_request(product, name, vid), None, assets, cache_dir, Path(f"{stem}-{name}")
            )
        )
    return tasks


def fitting(product: Product, assets: Path) -> tuple[list[str], dict[str, str]]:
    """The templates that suit the product's photos, and why the others do not. A photo that cannot
    be read is reported by its render, so then every template is tried."""
    photos = _product_photos(product)
    if not photos:
        return list_templates(assets), {}
    try:
        return suitable_templates(assets, photos)
    except PinbotError:
        return list_templates(assets), {}


@dataclass
class PreviewResult:
    outcomes: list[Outcome]
    sheets: list[dict[str, str]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # template -> why it does not suit the photos


@dataclass(frozen=True)
class PreviewOptions:
    pin_ids: tuple[int, ...] = ()
    product_id: str | None = None  # the product's key (SKU, handle) or id
    template: str | None = None
    variant: str | None = None
    n_variants: int | None = None
    sheet: bool = False
    jobs: int | None = None


def preview(
    engine: Engine,
    account: Account,
    opts: PreviewOptions,
    *,
    boards_dir: Path,
    assets_dir: Path,
    cache_dir: Path,
    out_dir: Path,
    progress: Progress | None = None,
) -> PreviewResult:
    """Render what `opts` asks for into `out_dir` (the renders themselves stay in `cache_dir`)."""
    if (opts.sheet or opts.n_variants is not None or opts.template or opts.variant) and opts.product_id is None:
        raise InvalidInput("render", "--template, --variant, --variants and --sheet go with --product ID")
    if opts.pin_ids and opts.product_id is not None:
        raise InvalidInput("render", "give PIN_ID(s) or --product ID_OR_KEY, not both")
    if not opts.pin_ids and opts.product_id is None:
        raise InvalidInput(
            "render", "give PIN_ID(s) or --product ID_OR_KEY: which pins to draw (`pinbot queue list` shows their ids)"
        )
    if opts.n_variants is not None and not 1 <= opts.n_variants <= 60:
        raise InvalidInput("--variants", "expected a number from 1 to 60")
    available = list_templates(assets_dir)
    if opts.template is not None and opts.template not in available:
        raise NotFound(
            f"template {opts.template!r} not found in {assets_dir / 'templates'} (available: {', '.join(available)})"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = opts.jobs if opts.jobs is not None else max(1, os.cpu_count() or 1)
    skipped: dict[str, str] = {}
    with session_scope(engine) as session:
        if opts.pin_ids:
            tasks = [
                pin_task(session, account, pid, boards_dir, assets_dir, out_dir, cache_dir)
                for pid in dict.fromkeys(opts.pin_ids)
            ]
            product = None
        else:
            assert opts.product_id is not None
            product = load_product(session, account, opts.product_id)
            fit, skipped = fitting(product, assets_dir) if opts.template is None else (available, {})
            if not fit and skipped:
                # Said "no templates in assets/templates" for a panorama no layout can show whole.
                assert product.id is not None
                reason = Counter(skipped.values()).most_common(1)[0][0]
                ref = typed_ref(product.id, product.source, product.external_id)
                raise InvalidInput(
                    "--product",
                    f"no design suits the photos of product {product.id} ({clip(product.title, 40)}): {reason}; "
                    f"add one with `pinbot products photo {ref} --image PHOTO`",
                )
            tasks = product_tasks(
                product, opts.template, opts.variant, opts.n_variants, opts.sheet, fit, assets_dir, cache_dir, out_dir
            )
            session.expunge(product)
    result = PreviewResult(run_batch(tasks, workers, progress), skipped=skipped)
    if opts.sheet and product is not None:
        done = [(o, Path(o.path)) for o in result.outcomes if not o.error]
        if done:
            items = [(o.variant, p.read_bytes()) for o, p in done]
            data = make_contact_sheet(items, load_brand(assets_dir), product.title, skipped=list(skipped.items()))
            target = out_dir / f"sheet-product-{product.id}.jpg"
            write_atomic(target, data)
            for _, p in done:  # the sheet is the deliverable; the single renders stay in the cache
                p.unlink(missing_ok=True)
            result.outcomes = [o for o in result.outcomes if o.error]
            result.sheets.append({"path": str(target), "designs": str(len(items))})
    return result
