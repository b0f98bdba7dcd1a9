"""Whether a template suits a product's photos, decided before anything is rendered.

A template is not used for a product when it cannot show the product whole and clear of its text:
a collage needs two or more different photos (near-duplicates count once), and every photo slot
must show mostly real photo (not a small window in a filled margin) with the product big enough
to recognise in a phone feed. The variant picker, experiments and the contact sheet ask here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from pinbot.render.loading import PhotoSource, read_photo
from pinbot.render.photos import arrange, placement
from pinbot.render.subject import PhotoInfo, distinct_photos, photo_info
from pinbot.render.templates import PhotoLayer, Template

MIN_PHOTO_SHARE = 0.55  # below this, the photo is a small window in a filled slot
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
            return False, f"needs {tpl.min_photos} or more different photos; this product has {have}"
    arranged = arrange(tpl, infos, [(i.width, i.height) for i in infos], crop)
    n = len(infos)
    for index, c in arranged.cuts.items():
        layer = arranged.layers[index]
        assert isinstance(layer, PhotoLayer)
        info = infos[layer.photo % n]
        placed = placement(layer, c, info, arranged.name)
        share = placed.photo_share
        if share < MIN_PHOTO_SHARE:
            margin = f"{100 - share * 100:.0f}%"
            sx0, sy0, sx1, sy1 = info.subject
            if (sx1 - sx0) > 0.85 and (sy1 - sy0) > 0.85:
                return False, (
                    "the product seems to fill the whole photo (or its backdrop is too busy to tell apart), so "
                    f"showing it whole in this layout would leave {margin} of the photo area as filled margin"
                )
            shape = "wide" if info.width > info.height else "tall"
            return False, (
                f"the photo is too {shape} ({info.width}x{info.height}) for this layout: showing the product "
                f"whole would leave {margin} of the photo area as filled margin"
            )
        x0, y0, x1, y1 = placed.subject
        if max(x1 - x0, y1 - y0) < MIN_SUBJECT_SIDE:
            return False, f"the product would be only {max(x1 - x0, y1 - y0)} px across (too small to see in the feed)"
    return True, ""


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
