"""Whether a template suits a product's photos, decided before anything is rendered.

A template is not used for a product when it cannot show the product whole and clear of its text:
a collage needs two or more different photos (near-duplicates count once), and every photo slot
must show mostly real photo (not a small window in a filled margin) with the product big enough
to recognise in a phone feed. A photo whose product does not stand out from a busy backdrop is cut
as a plain cover crop by a single-photo layout with no text over the photo (`render.crop.cover_cut`);
a layout that sets its headline over the photo refuses it. The variant picker, experiments and the contact sheet
ask here; every reason is one sentence for the owner that ends with what to do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from pinbot.render.crop import MIN_PHOTO_SHARE, cover_keeps_enough, subject_unknown
from pinbot.render.loading import PhotoSource, read_photo
from pinbot.render.photos import arrange, placement
from pinbot.render.subject import PhotoInfo, distinct_photos, photo_info
from pinbot.render.templates import AnyLayer, PhotoLayer, Template, text_over

MIN_SUBJECT_SIDE = 220  # px on the 1000 px canvas: ~52 px in a 236 px feed column


def infos_for(photos: Sequence[Path | PhotoSource]) -> list[PhotoInfo]:
    return [photo_info(p if isinstance(p, PhotoSource) else read_photo(p)) for p in photos]


def template_fits(
    photos: Sequence[Path | PhotoSource | PhotoInfo], tpl: Template, crop: str = "subject"
) -> tuple[bool, str]:
    """(True, "") when `tpl` can show these photos' product whole and uncovered, else (False, why).
    Raises ImageError for a photo that cannot be read."""
    infos = [p if isinstance(p, PhotoInfo) else infos_for([p])[0] for p in photos]
    if not infos:
        return True, ""  # no photo: the template's text-only design
    if tpl.min_photos > 1:
        distinct = distinct_photos(infos)
        if distinct < tpl.min_photos:
            have = "one photo" if distinct == 1 else f"{distinct} different photos"
            return False, (
                f"needs {tpl.min_photos} or more different photos; this product has {have} "
                "(add another photo of it to use this design)"
            )
    arranged = arrange(tpl, infos, [(i.width, i.height) for i in infos], crop)
    n = len(infos)
    for index, c in arranged.cuts.items():
        layer = arranged.layers[index]
        assert isinstance(layer, PhotoLayer)
        info = infos[layer.photo % n]
        placed = placement(layer, c, info, arranged.name)
        share = placed.photo_share
        if share < MIN_PHOTO_SHARE:
            return False, _shape_reason(info, layer, arranged.layers, share)
        x0, y0, x1, y1 = placed.subject
        if max(x1 - x0, y1 - y0) < MIN_SUBJECT_SIDE:
            return False, (
                f"the product would be only {max(x1 - x0, y1 - y0)} px across (too small to see in the feed); "
                "a closer photo of it would suit this design"
            )
    return True, ""


def _shape_reason(info: PhotoInfo, layer: PhotoLayer, layers: list[AnyLayer], share: float) -> str:
    """Why a photo cannot be shown whole in a slot without a large filled margin, and what to do."""
    size = f"{info.width}x{info.height}"
    slot = (layer.box[2] - layer.box[0], layer.box[3] - layer.box[1])
    margin = f"{100 - share * 100:.0f}%"
    if cover_keeps_enough((info.width, info.height), slot, layer.max_zoom):
        if subject_unknown(info.subject) and text_over(layers, layer):
            return (
                "the product can't be told apart from its busy backdrop, so the headline this design sets over "
                "the photo could cover it; photograph it on a plain background to use this design"
            )
        if subject_unknown(info.subject):  # a collage: its cells show every photo whole
            return (
                "the product can't be told apart from its busy backdrop, and showing the whole photo in this "
                f"layout would leave {margin} of it as filled margin; photograph it on a plain background to use "
                "this design"
            )
        return (
            f"the product fills too much of the photo ({size}) for this layout: showing it whole would leave "
            f"{margin} of the photo area as filled margin; a photo with more room around the product would suit it"
        )
    # The photo's shape is too far from the slot's for the layout to crop it without losing too much.
    wide = info.width * slot[1] > info.height * slot[0]
    shape, other = ("wide", "taller") if wide else ("tall", "wider")
    if subject_unknown(info.subject):
        return (
            f"the product seems to fill the whole photo, which is too {shape} ({size}) to show whole in this "
            f"layout; a {other} photo would suit it"
        )
    return (
        f"the photo is too {shape} ({size}) for this layout: showing the product whole would leave {margin} "
        f"of the photo area as filled margin; a {other} photo would suit it"
    )


SOFT_UPSCALE = 1.5  # a photo enlarged more than this looks soft or blocky on a pin


def upscale_needed(size: tuple[int, int], tpl: Template) -> float:
    """How much `tpl` enlarges a photo of `size` (full resolution, upright) at most, before knowing
    where the product is: zooming out for a big product only needs fewer pixels."""
    iw, ih = size
    worst = 0.0
    for layer in tpl.layers_for(tpl.arrangements[0], 1):
        if not isinstance(layer, PhotoLayer):
            continue
        sw, sh = layer.box[2] - layer.box[0], layer.box[3] - layer.box[1]
        aspect = sw / sh
        window = min(iw, ih * aspect) / max(1.0, layer.zoom)
        if layer.max_zoom > 0:
            window = max(window, max(iw, ih * aspect) / (layer.max_zoom * max(1.0, layer.zoom)))
        worst = max(worst, sw / window)
    return worst


def upscale_warning(path: Path, size: tuple[int, int], tpl: Template) -> str:
    """One line for the owner when the photo is too small for the design, else ""."""
    factor = upscale_needed(size, tpl)
    if factor <= SOFT_UPSCALE:
        return ""
    w, h = size
    need = (math.ceil(w * factor), math.ceil(h * factor))
    return (
        f"{path.name} ({w}x{h} px) would be enlarged {factor:.1f}x in the {tpl.name} design and look soft; "
        f"use a photo of at least {need[0]}x{need[1]} px"
    )
