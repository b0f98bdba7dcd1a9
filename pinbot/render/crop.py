"""Smart crop: where to cut a photo so that the product stays in view.

A small saliency map (edges + colourfulness + difference from the background colour seen on the
photo's border, with a mild centre prior) is summed into an integral image; the crop window of the
slot's aspect is slid over it to keep the most salient mass inside the template's `focus` part of the
slot (the part no band or text covers), then centred on that mass. Pure Pillow, a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter

CROPS = ("subject", "close", "centre")
ZOOM = {"subject": 1.0, "close": 1.35, "centre": 1.0}
_MAP_SIDE = 48


@dataclass(frozen=True)
class Saliency:
    width: int
    height: int
    values: tuple[float, ...]  # row-major, width*height

    def integrals(self) -> tuple[list[list[float]], list[list[float]], list[list[float]]]:
        """Summed-area tables of v, v*x and v*y (x, y at pixel centres)."""
        w, h = self.width, self.height
        tables = [[[0.0] * (w + 1) for _ in range(h + 1)] for _ in range(3)]
        vals = self.values
        t0, t1, t2 = tables
        for y in range(h):
            r0, r1, r2 = (0.0, 0.0, 0.0)
            base = y * w
            for x in range(w):
                v = vals[base + x]
                r0 += v
                r1 += v * (x + 0.5)
                r2 += v * (y + 0.5)
                t0[y + 1][x + 1] = t0[y][x + 1] + r0
                t1[y + 1][x + 1] = t1[y][x + 1] + r1
                t2[y + 1][x + 1] = t2[y][x + 1] + r2
        return t0, t1, t2


def saliency(image: Image.Image) -> Saliency:
    """A coarse map of where the subject is, from a thumbnail of `image` (any mode)."""
    w, h = image.size
    scale = _MAP_SIDE / max(w, h)
    tw, th = max(8, round(w * scale)), max(8, round(h * scale))
    thumb = image.resize((tw, th), Image.Resampling.BOX, reducing_gap=3.0)
    if thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    edges = thumb.convert("L").filter(ImageFilter.FIND_EDGES)
    # The edge filter sees the image border as an edge: blank it.
    ImageDraw.Draw(edges).rectangle((0, 0, tw - 1, th - 1), outline=0)
    sat = thumb.convert("HSV").getchannel("S")
    diff = ImageChops.difference(thumb, Image.new("RGB", thumb.size, _border_color(thumb))).convert("L")
    # Weighted sum in C: edges, colourfulness and difference from the backdrop, then a mild
    # centre prior.
    mixed = Image.merge("RGB", (edges, sat, diff)).convert("L", (0.4, 0.15, 0.45, 0.0))
    mixed = ImageChops.multiply(mixed, _centre_prior((tw, th)))
    # Only what stands out from the photo's typical level counts, so a busy background does not
    # drag the window around as much as the product does.
    mean = sum(mixed.tobytes()) / (tw * th)
    values = tuple(max(0.0, v - mean) for v in mixed.tobytes())
    return Saliency(tw, th, values)


@lru_cache(maxsize=32)
def _centre_prior(size: tuple[int, int]) -> Image.Image:
    w, h = size
    prior = Image.new("L", size, 255)
    px = prior.load()
    assert px is not None
    for y in range(h):
        dy = (y - (h - 1) / 2) / (h / 2)
        for x in range(w):
            dx = (x - (w - 1) / 2) / (w / 2)
            px[x, y] = round(255 * (1.0 - 0.25 * min(1.0, dx * dx + dy * dy)))
    return prior


def _border_color(thumb: Image.Image) -> tuple[int, int, int]:
    w, h = thumb.size
    strips = [
        thumb.crop((0, 0, w, 1)),
        thumb.crop((0, h - 1, w, h)),
        thumb.crop((0, 0, 1, h)),
        thumb.crop((w - 1, 0, w, h)),
    ]
    pixels: list[tuple[int, int, int]] = []
    for strip in strips:
        raw = strip.tobytes()
        it = iter(raw)
        pixels.extend(zip(it, it, it, strict=True))
    pixels.sort(key=lambda p: p[0] * 3 + p[1] * 6 + p[2])
    return pixels[len(pixels) // 2]


def crop_box(
    size: tuple[int, int],
    aspect: float,
    mode: str,
    sal: Saliency | None,
    focus: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
    zoom: float | None = None,
) -> tuple[float, float, float, float]:
    """The box (in `size` pixels) of aspect `aspect` (w/h) to cut. `focus` is the part of the slot,
    in fractions, where the subject should land."""
    iw, ih = size
    z = max(1.0, ZOOM.get(mode, 1.0) if zoom is None else zoom)
    win_w, win_h = _window(iw, ih, aspect, z)
    centred = _inside(((iw - win_w) / 2, (ih - win_h) / 2), (win_w, win_h), size)
    if mode == "centre" or sal is None:
        return centred
    sx, sy = sal.width / iw, sal.height / ih
    ww, wh = win_w * sx, win_h * sy
    fx0, fy0, fx1, fy1 = focus
    t0, t1, t2 = sal.integrals()

    def sums(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float]:
        a, b = max(0, round(x0)), max(0, round(y0))
        c, d = min(sal.width, round(x1)), min(sal.height, round(y1))
        if c <= a or d <= b:
            return 0.0, 0.0, 0.0
        return (
            t0[d][c] - t0[b][c] - t0[d][a] + t0[b][a],
            t1[d][c] - t1[b][c] - t1[d][a] + t1[b][a],
            t2[d][c] - t2[b][c] - t2[d][a] + t2[b][a],
        )

    if sums(0, 0, sal.width, sal.height)[0] <= 1e-9:
        return centred
    max_x, max_y = max(0.0, sal.width - ww), max(0.0, sal.height - wh)
    scored: list[tuple[float, float, float]] = []
    for y in _positions(max_y):
        for x in _positions(max_x):
            inner = sums(x + fx0 * ww, y + fy0 * wh, x + fx1 * ww, y + fy1 * wh)[0]
            whole = sums(x, y, x + ww, y + wh)[0]
            # Mass in the focus part counts fully; mass that a band will cover counts a little.
            scored.append((inner + 0.25 * (whole - inner), x, y))
    best = max(s[0] for s in scored)

    def off_centre(cand: tuple[float, float, float]) -> float:
        _, x, y = cand
        fx_a, fy_a, fx_b, fy_b = x + fx0 * ww, y + fy0 * wh, x + fx1 * ww, y + fy1 * wh
        m, mx, my = sums(fx_a, fy_a, fx_b, fy_b)
        if m <= 0:
            return float("inf")
        return ((mx / m - (fx_a + fx_b) / 2) / ww) ** 2 + ((my / m - (fy_a + fy_b) / 2) / wh) ** 2

    # Among windows that keep (almost) all of the subject, take the one that centres it best.
    near = [s for s in scored if s[0] >= 0.97 * best]
    _, bx, by = min(near, key=lambda s: (round(off_centre(s), 4), abs(s[1] - max_x / 2), abs(s[2] - max_y / 2)))
    return _inside((bx / sx, by / sy), (win_w, win_h), size)


def _window(iw: int, ih: int, aspect: float, zoom: float) -> tuple[float, float]:
    """The largest window of `aspect` that fits the image, shrunk by `zoom`. The side that limits
    it is set from the image's own size, never recomputed through the aspect: `ih * a / a` can
    come out a hair above `ih` (2592x1944 into split-block's 1000x880 gave a box 1e-13 px above
    the top, which Pillow refuses)."""
    if iw <= ih * aspect:
        win_w = iw / zoom
        win_h = min(float(ih), win_w / aspect)
    else:
        win_h = ih / zoom
        win_w = min(float(iw), win_h * aspect)
    return win_w, win_h


def _inside(
    origin: tuple[float, float], window: tuple[float, float], size: tuple[int, int]
) -> tuple[float, float, float, float]:
    """The window placed at `origin`, moved (never resized) so that it lies within the image."""
    iw, ih = size
    w, h = min(window[0], float(iw)), min(window[1], float(ih))
    x0 = min(max(0.0, origin[0]), iw - w)
    y0 = min(max(0.0, origin[1]), ih - h)
    return max(0.0, x0), max(0.0, y0), min(float(iw), x0 + w), min(float(ih), y0 + h)


def _positions(span: float) -> list[float]:
    if span <= 0:
        return [0.0]
    steps = min(32, max(1, int(span)))
    return [span * i / steps for i in range(steps + 1)]
