"""Where to cut a photo for a slot so that the product is whole and lands where no text goes.

The product's box (`pinbot.render.subject`), padded a little, must fit inside the slot's `focus`
(the part of the slot no band, pill, logo or text covers). The window is the fill crop of the
slot's aspect, zoomed for the `close` crop and out as far as the product needs; when the product
needs more room than the photo has in one direction (a tall vase in a wide slot, a landscape photo
in a 2:3 pin), the window reaches past the photo's edge and that margin is filled with the photo's
own edges, softly blurred, instead of cutting the product. `max_zoom` caps how much of a photo a
layout may throw away (no 2x zoom of a landscape photo into a portrait pin).

When no product stood out from the backdrop (a busy wall, wood grain, fabric: the subject box is
the whole photo), where the product is, is not known. Shrinking the whole photo into the focus
would leave a pin that is mostly blurred margin, so where that is what it would take, a single-photo
layout with no text over the photo cuts the plain cover crop instead (`cover_cut`): the
photographer's own framing, as long as it keeps most of the photo.

Pure arithmetic on boxes: no pixels are read here.
"""

from __future__ import annotations

from dataclasses import dataclass

CROPS = ("subject", "close", "centre")
ZOOM = {"subject": 1.0, "close": 1.35, "centre": 1.0}
# Room kept around the product: a share of its own size plus a share of the photo's.
PAD_SUBJECT = 0.05
PAD_PHOTO = 0.012
MIN_PHOTO_SHARE = 0.55  # below this, the photo is a small window in a filled slot
# A subject box wider and taller than this share of the photo: no product stood out (`subject`).
UNKNOWN_SIDE = 0.85
EDGE = 0.02  # a subject box side this close to the photo's edge runs into it
# The cover crop of a photo whose product was not found keeps at least this share of the photo's
# width and height: a product centred with the usual room around it stays whole.
COVER_KEEP = 0.7
# A cover crop that keeps this much is used even where the whole photo would fit: it loses a thin
# strip, where showing the whole photo would frame it in blurred margins.
COVER_EASY = 0.8
# Its close-up zooms in only this much (enough to be a different image): where the product's
# edges are is not known.
COVER_CLOSE = 1.04

Window = tuple[float, float, float, float]


@dataclass(frozen=True)
class Cut:
    """A crop window in source pixels (it may reach past the photo), and what it implies."""

    window: Window
    photo_size: tuple[int, int]
    slot: tuple[int, int]
    subject: Window  # the product's box in source pixels (unpadded); the whole photo when not found

    @property
    def scale(self) -> float:
        return self.slot[0] / (self.window[2] - self.window[0])

    @property
    def inside(self) -> bool:
        x0, y0, x1, y1 = self.window
        w, h = self.photo_size
        return x0 >= -0.01 and y0 >= -0.01 and x1 <= w + 0.01 and y1 <= h + 0.01

    def photo_share(self) -> float:
        """The share of the slot that shows real photo pixels (the rest is filled)."""
        x0, y0, x1, y1 = self.window
        w, h = self.photo_size
        iw = max(0.0, min(x1, w) - max(x0, 0.0))
        ih = max(0.0, min(y1, h) - max(y0, 0.0))
        return (iw * ih) / ((x1 - x0) * (y1 - y0))

    def to_slot(self, box: Window) -> Window:
        """A source-pixel box in slot pixels."""
        s = self.scale
        x0, y0 = self.window[0], self.window[1]
        return (box[0] - x0) * s, (box[1] - y0) * s, (box[2] - x0) * s, (box[3] - y0) * s

    def subject_in_slot(self) -> Window:
        return self.to_slot(self.subject)

    def upscale(self) -> float:
        """How much the photo's pixels are enlarged (> 1: the photo is too small for the slot)."""
        return self.scale


def padded(subject: Window, size: tuple[int, int]) -> Window:
    w, h = size
    x0, y0, x1, y1 = subject
    pad_x = PAD_SUBJECT * (x1 - x0) + PAD_PHOTO * max(w, h)
    pad_y = PAD_SUBJECT * (y1 - y0) + PAD_PHOTO * max(w, h)
    return max(0.0, x0 - pad_x), max(0.0, y0 - pad_y), min(float(w), x1 + pad_x), min(float(h), y1 + pad_y)


def cut(
    size: tuple[int, int],
    slot: tuple[int, int],
    subject: Window,
    mode: str = "subject",
    focus: Window = (0.0, 0.0, 1.0, 1.0),
    zoom: float = 1.0,
    max_zoom: float = 0.0,
) -> Cut:
    """The window to cut from a photo of `size` (pixels) for a slot of `slot` (pixels).

    `subject` is the product in photo pixels; `focus` the part of the slot (fractions) where it
    must land; `zoom` a template's close-up factor on top of the crop mode's; `max_zoom` (0: none)
    the most the fill crop may enlarge the photo beyond showing it whole."""
    iw, ih = size
    sw, sh = slot
    aspect = sw / sh
    fx0, fy0, fx1, fy1 = focus
    fw, fh = max(0.05, fx1 - fx0), max(0.05, fy1 - fy0)
    px0, py0, px1, py1 = padded(subject, size)

    fill_w = min(iw, ih * aspect) / max(1.0, zoom)  # the largest window inside the photo
    fit_w = max(iw, ih * aspect)  # the smallest window showing the whole photo
    # The padded product must fit inside the focus part of the window.
    need_w = max((px1 - px0) / fw, (py1 - py0) * aspect / fh)
    # The three crops always differ in scale (a variant must never render the same image as
    # another): close is the tightest the product allows, subject at least 10% wider, centre
    # (the photo's own framing, centred on the photo) wider again.
    floor = fit_w / (max_zoom * max(1.0, zoom)) if max_zoom > 0 else 0.0  # no more zoom than max_zoom
    close_w = max(fill_w / ZOOM["close"], floor / ZOOM["close"], need_w)
    subject_w = max(fill_w, floor, close_w * 1.1)
    win_w = {"close": close_w, "centre": subject_w * 1.12}.get(mode, subject_w)
    win_h = win_w / aspect

    def place(lo_s: float, hi_s: float, span: float, win: float, ideal: float) -> float:
        # lo_s..hi_s keeps the product in focus; 0..span-win keeps the window on the photo.
        lo_p, hi_p = (0.0, span - win) if win <= span else (span - win, 0.0)
        lo, hi = max(lo_s, lo_p), min(hi_s, hi_p)
        if lo <= hi:
            return min(max(ideal, lo), hi)
        # The product needs the window off the photo: stay as close to the photo as it allows.
        target = min(max(ideal, lo_p), hi_p)
        return min(max(target, lo_s), hi_s)

    cx = (px0 + px1) / 2
    cy = (py0 + py1) / 2
    if mode == "centre":
        ideal_x, ideal_y = (iw - win_w) / 2, (ih - win_h) / 2
    else:
        ideal_x = cx - (fx0 + fx1) / 2 * win_w
        ideal_y = cy - (fy0 + fy1) / 2 * win_h
    x0 = place(px1 - fx1 * win_w, px0 - fx0 * win_w, iw, win_w, ideal_x)
    y0 = place(py1 - fy1 * win_h, py0 - fy0 * win_h, ih, win_h, ideal_y)
    return Cut((x0, y0, x0 + win_w, y0 + win_h), size, slot, subject)


def subject_unknown(subject: Window) -> bool:
    """Whether a subject box (fractions of the photo) says that no product stood out: it covers
    nearly the whole photo and runs into three or four of its edges (a busy backdrop, or a product
    that fills the frame). A big product found with backdrop around it is known."""
    x0, y0, x1, y1 = subject
    edges = (x0 <= EDGE, y0 <= EDGE, x1 >= 1 - EDGE, y1 >= 1 - EDGE)
    return x1 - x0 > UNKNOWN_SIDE and y1 - y0 > UNKNOWN_SIDE and sum(edges) >= 3


def cover_kept(size: tuple[int, int], slot: tuple[int, int]) -> float:
    """The share of the photo's width or height that the plain cover crop for `slot` keeps."""
    iw, ih = size
    aspect = slot[0] / slot[1]
    return min(iw, ih * aspect) / max(iw, ih * aspect)


def cover_keeps_enough(size: tuple[int, int], slot: tuple[int, int], max_zoom: float = 0.0) -> bool:
    """Whether the plain cover crop of a photo of `size` for `slot` keeps at least `COVER_KEEP` of
    the photo's width and height (and zooms no more than the layout's `max_zoom`): a 4:5 photo in a
    squarish slot, not a panorama in a portrait pin (a patchwork panel that fills a 3:1 frame would
    lose two thirds of itself)."""
    return cover_kept(size, slot) >= max(COVER_KEEP, 1 / max_zoom if max_zoom else 0.0) - 1e-9


def cover_cut(
    size: tuple[int, int],
    slot: tuple[int, int],
    mode: str = "subject",
    focus: Window = (0.0, 0.0, 1.0, 1.0),
    zoom: float = 1.0,
) -> Cut:
    """The window for a photo whose product was not found: the largest window of the slot's aspect
    inside the photo, with the photo's centre (where the product is most often framed) on the
    focus's centre as far as the photo allows. `close` zooms in a little, `centre` shows a little
    more (its margin filled), so the three crops still differ in scale."""
    iw, ih = size
    aspect = slot[0] / slot[1]
    fx0, fy0, fx1, fy1 = focus
    cover_w = min(iw, ih * aspect) / max(1.0, zoom)
    win_w = cover_w * {"close": 1 / COVER_CLOSE, "centre": 1.12}.get(mode, 1.0)
    win_h = win_w / aspect

    def place(span: float, win: float, at: float) -> float:
        ideal = span / 2 - at * win if mode != "centre" else (span - win) / 2
        lo, hi = (0.0, span - win) if win <= span else (span - win, 0.0)
        return min(max(ideal, lo), hi)

    x0 = place(iw, win_w, (fx0 + fx1) / 2)
    y0 = place(ih, win_h, (fy0 + fy1) / 2)
    return Cut((x0, y0, x0 + win_w, y0 + win_h), size, slot, (0.0, 0.0, float(iw), float(ih)))
