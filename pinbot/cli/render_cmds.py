"""`pinbot render`: preview pin images before anything is posted.

    pinbot render PIN_ID [PIN_ID ...] --out DIR       the image each queued pin will be posted with
    pinbot render --product KEY --template NAME       one design of a product (its key or id)
    pinbot render --product KEY --variants N          N distinct designs (template x palette x crop)
    pinbot render --sheet --product KEY               one contact sheet of every template

Parsing and printing only: `pinbot.posting.previews` renders (through the poster's own cache, on
every core) and this module shows the progress and what came out.
"""

from __future__ import annotations

from pathlib import Path

import click

from pinbot.cli.context import AppContext, json_option, pass_app
from pinbot.errors import PinbotError
from pinbot.posting.previews import PreviewOptions, PreviewResult, preview


class RenderFailed(PinbotError):
    """Some renders of a batch failed (each was reported on its own line)."""

    exit_code = 2


def _report(app: AppContext, result: PreviewResult, as_json: bool) -> None:
    outcomes, extra, skipped = result.outcomes, result.sheets, result.skipped
    failed = [o for o in outcomes if o.error]
    for o in failed:
        click.echo(f"pinbot: {o.label}: {o.error}", err=True)
    if as_json:
        rows = [
            {
                "label": o.label,
                "path": o.path,
                "content_type": o.content_type,
                "variant": o.variant,
                "error": o.error,
                "notes": list(o.notes),
            }
            for o in outcomes
        ]
        app.print_json({"renders": rows, **({"sheet": extra} if extra else {}), "skipped": skipped or {}})
    else:
        for o in outcomes:
            if not o.error:
                click.echo(f"{o.label}: {o.path}  [{o.variant}]")
                for note in o.notes:
                    click.echo(f"  note: {note}")
        for name, why in (skipped or {}).items():
            click.echo(f"{name}: not used for this product: {why}")
        for row in extra or []:
            click.echo(f"contact sheet: {row['path']}")
    if failed:
        raise RenderFailed(f"{len(failed)} of {len(outcomes)} renders failed")


@click.command("render")
@click.argument("pin_ids", nargs=-1, type=int)
@click.option("--product", "product_id", default=None, help="Render designs of this product (key or id) instead.")
@click.option("--template", default=None, help="Template name (file stem in assets/templates).")
@click.option("--variant", default=None, help="Design variant id, e.g. photo-band.brand.subject.")
@click.option("--variants", "n_variants", type=int, default=None, help="With --product: N distinct designs.")
@click.option("--sheet", is_flag=True, help="With --product: one contact sheet of every template.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder for the images.",
)
@click.option("--jobs", type=int, default=None, help="Worker processes for batches (default: all cores).")
@json_option
@pass_app
def render(
    app: AppContext,
    pin_ids: tuple[int, ...],
    product_id: str | None,
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
    pinbot render 12 13 --out previews            what pins 12 and 13 will post
    pinbot render --product 3 --template collage  one design of product 3
    pinbot render --product 3                     every template for product 3
    pinbot render --product 3 --variants 6        six distinct designs
    pinbot render --sheet --product 3             one contact sheet of them all
    """
    settings = app.settings
    account = app.account()  # its own short transaction: never nest one inside another (SQLite)
    opts = PreviewOptions(pin_ids, product_id, template, variant, n_variants, sheet, jobs)
    with app.progress("rendering") as bars:
        result = preview(
            app.engine,
            account,
            opts,
            boards_dir=settings.boards_dir,
            assets_dir=settings.assets_dir,
            cache_dir=settings.data_dir / "renders",
            out_dir=out_dir,
            progress=bars.update if bars else None,
        )
    _report(app, result, as_json)
