"""Photos in a layout: opening each source once at the resolution its slots need, cutting it so
the product is whole and in the slot's focus (`pinbot.render.crop`), choosing the template's
arrangement that keeps the product clear of the text, and producing the slot's pixels (with a
soft fill of the photo's own edges where the cut reaches past the photo).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageFilter

from pinbot.render.crop import (
    COVER_EASY,
    MIN_PHOTO_SHARE,
    ZOOM,
    Cut,
    cover_cut,
    cover_keeps_enough,
    cover_kept,
    cut,
    subject_unknown,
)
from pinbot.render.loading import OpenedPhoto, PhotoSource, open_photo, to_srgb
from pinbot.render.subject import PhotoInfo, photo_info
from pinbot.render.templates import AnyLayer, PhotoLayer, Template, text_over
from pinbot.render.types import RGB, Box, PhotoPlacement

_FILL_STEP = 12  # the fill is drawn at 1/12 size and blurred: it is backdrop, not detail
# Shrink by whole factors first (a box filter) and finish with Lanczos: what Pillow recommends for
# big reductions, indistinguishable at a gap of 3 and several times faster than Lanczos alone.
_GAP = 3.0
_FEATHER = 28  # px over which the photo fades into its fill


@dataclass
class Photo:
    opened: OpenedPhoto | None
    info: PhotoInfo


@dataclass(frozen=True)
class Arranged:
    """One arrangement of a template for a request's photos: its layers and each photo's cut."""

    name: str
    layers: list[AnyLayer]
    cuts: dict[int, Cut]  # by layer index in `layers`

    def photo_share(self) -> float:
        return min((c.photo_share() for c in self.cuts.values()), default=1.0)


def slot_focus(layer: PhotoLayer) -> tuple[tuple[int, int], tuple[float, float, float, float]]:
    x0, y0, x1, y1 = layer.box
    w, h = x1 - x0, y1 - y0
    fx0, fy0, fx1, fy1 = layer.focus
    return (w, h), ((fx0 - x0) / w, (fy0 - y0) / h, (fx1 - x0) / w, (fy1 - y0) / h)


def open_sources(tpl: Template, sources: tuple[PhotoSource, ...], crop: str, background: RGB) -> list[Photo]:
    """Every source decoded once, at the size the largest slot using it needs."""
    n = len(sources)
    layers = [lay for lay in tpl.layers if isinstance(lay, PhotoLayer) and lay.active(n)]
    out: list[Photo] = []
    for i, src in enumerate(sources):
        uses = [lay for lay in layers if lay.photo % n == i]
        if not uses:
            out.append(Photo(None, photo_info(src)))
            continue
        zoom = ZOOM.get(crop, 1.0)
        slots = [((lay.box[2] - lay.box[0], lay.box[3] - lay.box[1]), max(zoom, lay.zoom)) for lay in uses]
        opened = open_photo(src, slots, background)
        out.append(Photo(opened, photo_info(src, opened.image, opened.full_size)))
    return out


def photo_cut(layer: PhotoLayer, info: PhotoInfo, size: tuple[int, int], crop: str, may_guess: bool = False) -> Cut:
    """The slot's cut. A photo whose product did not stand out from a busy backdrop is shown whole,
    or, where that would leave the slot mostly filled margin or the cover crop loses only a thin
    strip, and `may_guess` (one photo, no text over it: nothing to keep clear of a product whose
    place is not known), as a plain cover crop."""
    slot, focus = slot_focus(layer)
    subject = info.subject_px(size)
    if may_guess and subject_unknown(info.subject) and cover_keeps_enough(size, slot, layer.max_zoom):
        # Decided on the subject crop, so that every crop of the design makes the same choice.
        whole = cut(size, slot, subject, "subject", focus, layer.zoom, layer.max_zoom)
        if whole.photo_share() < MIN_PHOTO_SHARE or cover_kept(size, slot) >= COVER_EASY:
            return cover_cut(size, slot, crop, focus, layer.zoom)
    return cut(size, slot, subject, crop, focus, layer.zoom, layer.max_zoom)


def arrange(tpl: Template, infos: list[PhotoInfo], sizes: list[tuple[int, int]], crop: str) -> Arranged:
    """The first arrangement whose cuts all stay on their photos; else the one that shows the most
    photo (the rest of its slots filled)."""
    n = len(infos)
    # A collage picks the arrangement that shows every photo whole; a guessed crop would always
    # pass for whole and tip that choice.
    guess = tpl.min_photos <= 1
    best: Arranged | None = None
    for name in tpl.arrangements:
        layers = tpl.layers_for(name, n)
        cuts = {
            i: photo_cut(lay, infos[lay.photo % n], sizes[lay.photo % n], crop, guess and not text_over(layers, lay))
            for i, lay in enumerate(layers)
            if isinstance(lay, PhotoLayer) and n
        }
        arranged = Arranged(name, layers, cuts)
        if all(c.inside for c in cuts.values()):
            return arranged
        if best is None or arranged.photo_share() > best.photo_share() + 1e-6:
            best = arranged
    assert best is not None
    return best


def placement(layer: PhotoLayer, c: Cut, info: PhotoInfo, arrangement: str) -> PhotoPlacement:
    """Where the photo and its product ended up on the canvas (for checks and the contact sheet)."""
    x0, y0, x1, y1 = layer.box
    iw, ih = c.photo_size
    wx0, wy0, wx1, wy1 = c.window
    sx0, sy0, sx1, sy1 = c.subject_in_slot()
    subject = (
        max(x0, round(x0 + sx0)),
        max(y0, round(y0 + sy0)),
        min(x1, round(x0 + sx1)),
        min(y1, round(y0 + sy1)),
    )
    full_w = info.width * (wx1 - wx0) / iw  # the window in full-resolution pixels
    return PhotoPlacement(
        slot=layer.box,
        window=(wx0 / iw, wy0 / ih, wx1 / iw, wy1 / ih),
        subject=subject,
        photo_share=round(c.photo_share(), 4),
        upscale=round((x1 - x0) / full_w, 3) if full_w > 0 else 0.0,
        arrangement=arrangement,
        photo=layer.photo,
    )


def pixels(image: Image.Image, icc: bytes | None, c: Cut) -> Image.Image:
    """The slot's pixels: the window resized, or, when the window reaches past the photo, the part
    on the photo over a soft extension of the photo's own edges."""
    w, h = c.slot
    iw, ih = image.size
    x0, y0, x1, y1 = c.window
    if c.inside:
        box = (max(0.0, x0), max(0.0, y0), min(float(iw), x1), min(float(ih), y1))
        return to_srgb(_resize(image, (w, h), box), icc)
    s = c.scale
    ix0, iy0, ix1, iy1 = max(0.0, x0), max(0.0, y0), min(float(iw), x1), min(float(ih), y1)
    tx0, ty0 = round((ix0 - x0) * s), round((iy0 - y0) * s)
    tw = max(1, min(w - tx0, round((ix1 - x0) * s) - tx0))
    th = max(1, min(h - ty0, round((iy1 - y0) * s) - ty0))
    sharp = _resize(image, (tw, th), (ix0, iy0, ix1, iy1))
    sx0, sy0, sx1, sy1 = c.subject
    near = 0.01 * max(iw, ih)
    # Where the product itself runs off the photo, stretching that edge would smear the product
    # across the fill: that side is filled with the edge's typical (median) colour instead.
    flat = (sx0 <= near, sy0 <= near, sx1 >= iw - near, sy1 >= ih - near)
    out = _edge_fill(sharp, (w, h), (tx0, ty0), flat)
    # Where the photo meets the fill, it fades in over a few pixels: no visible seam. Only those
    # strips are blended; the rest of the photo is a plain copy.
    ramp = max(2, min(_FEATHER, tw // 4, th // 4))
    x1, y1 = tx0 + tw, ty0 + th
    strips = [
        (tx0 > 0, (tx0, ty0, tx0 + ramp, y1), "left"),
        (x1 < w, (x1 - ramp, ty0, x1, y1), "right"),
        (ty0 > 0, (tx0, ty0, x1, ty0 + ramp), "top"),
        (y1 < h, (tx0, y1 - ramp, x1, y1), "bottom"),
    ]
    under = [(box, side, out.crop(box)) for is_open, box, side in strips if is_open]
    out.paste(sharp, (tx0, ty0))
    for box, side, fill in under:
        blended = Image.composite(out.crop(box), fill, _ramp(side, (box[2] - box[0], box[3] - box[1])))
        out.paste(blended, box[:2])
    return to_srgb(out, icc)


@lru_cache(maxsize=64)
def _ramp(side: str, size: tuple[int, int]) -> Image.Image:
    """An L mask rising from 0 at the `side` edge to 255 across `size`."""
    vertical = Image.linear_gradient("L")  # 0 at the top
    if side == "top":
        return vertical.resize(size)
    if side == "bottom":
        return vertical.transpose(Image.Transpose.FLIP_TOP_BOTTOM).resize(size)
    horizontal = vertical.rotate(90, expand=True)  # 0 on the left
    if side == "left":
        return horizontal.resize(size)
    return horizontal.transpose(Image.Transpose.FLIP_LEFT_RIGHT).resize(size)


def _resize(image: Image.Image, size: tuple[int, int], box: tuple[float, float, float, float]) -> Image.Image:
    # The two-step reduction only pays for big reductions; below it, plain Lanczos is faster.
    gap = _GAP if (box[2] - box[0]) >= _GAP * 1.5 * size[0] else None
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=gap)


def _bands(size: tuple[int, int], inner: tuple[int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """The parts of a (w, h) rectangle outside `inner`: top, bottom, left, right."""
    w, h = size
    x0, y0 = max(0, inner[0]), max(0, inner[1])
    x1, y1 = max(x0, min(w, inner[2])), max(y0, min(h, inner[3]))
    boxes = [(0, 0, w, y0), (0, y1, w, h), (0, y0, x0, y1), (x1, y0, w, y1)]
    return [b for b in boxes if b[2] > b[0] and b[3] > b[1]]


def _median(strip: Image.Image) -> Image.Image:
    """A strip (one row or column) replaced by its median colour."""
    w, h = strip.size
    pixels = [strip.getpixel((x, y)) for y in range(h) for x in range(w)]  # a few dozen pixels
    pixels.sort(key=lambda p: sum(p) if isinstance(p, tuple) else float(p or 0))
    return Image.new(strip.mode, strip.size, pixels[len(pixels) // 2])


def _edge_fill(
    sharp: Image.Image,
    size: tuple[int, int],
    at: tuple[int, int],
    flat: tuple[bool, bool, bool, bool] = (False, False, False, False),
) -> Image.Image:
    """A backdrop of `size`: `sharp` placed at `at`, its edge rows and columns stretched outward
    (or, on a `flat` side (left, top, right, bottom), their median colour), drawn small, blurred
    and scaled up."""
    k = _FILL_STEP
    w, h = size
    sw, sh = max(1, -(-w // k)), max(1, -(-h // k))
    small = sharp.reduce(k) if sharp.width >= k and sharp.height >= k else sharp.resize((1, 1))
    ax, ay = min(sw - 1, at[0] // k), min(sh - 1, at[1] // k)
    pw, ph = min(small.width, sw - ax), min(small.height, sh - ay)
    small = small.crop((0, 0, pw, ph))
    canvas = Image.new(sharp.mode, (sw, sh))
    canvas.paste(small, (ax, ay))

    def edge(strip: Image.Image, is_flat: bool) -> Image.Image:
        return _median(strip) if is_flat else strip

    if ay > 0:
        canvas.paste(edge(small.crop((0, 0, pw, 1)), flat[1]).resize((pw, ay)), (ax, 0))
    if ay + ph < sh:
        canvas.paste(edge(small.crop((0, ph - 1, pw, ph)), flat[3]).resize((pw, sh - ay - ph)), (ax, ay + ph))
    if ax > 0:
        canvas.paste(edge(canvas.crop((ax, 0, ax + 1, sh)), flat[0]).resize((ax, sh)), (0, 0))
    if ax + pw < sw:
        strip = edge(canvas.crop((ax + pw - 1, 0, ax + pw, sh)), flat[2])
        canvas.paste(strip.resize((sw - ax - pw, sh)), (ax + pw, 0))
    blurred = canvas.filter(ImageFilter.GaussianBlur(1.5))
    # Only the margins are scaled up (the photo covers the rest): far less work than the whole slot.
    out = Image.new(sharp.mode, (w, h))
    f = _FEATHER  # the fill reaches under the photo's faded edge, too
    inner = (at[0] + f, at[1] + f, at[0] + sharp.width - f, at[1] + sharp.height - f)
    for x0, y0, x1, y1 in _bands((w, h), inner):
        box = (x0 / k, y0 / k, min(sw, x1 / k), min(sh, y1 / k))
        out.paste(blurred.resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR, box=box), (x0, y0))
    return out


def subject_boxes(arranged: Arranged, photos: list[Photo], n: int) -> list[Box]:
    """The product's box on the canvas for every photo slot of an arrangement."""
    out: list[Box] = []
    for i, c in arranged.cuts.items():
        layer = arranged.layers[i]
        assert isinstance(layer, PhotoLayer)
        out.append(placement(layer, c, photos[layer.photo % n].info, arranged.name).subject)
    return out
