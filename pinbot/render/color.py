"""Colours: parsing brand colours, WCAG relative luminance and contrast, and sampling the
luminance of the pixels under a text so that the renderer can prove every text reads (>= 4.5:1).
"""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageStat

from pinbot.render.types import RGB, Box

WCAG_MIN = 4.5


def _channel(c: int) -> float:
    v = c / 255.0
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


# Linear-light contribution of each 8-bit channel value to relative luminance (WCAG 2.x).
_LR = tuple(0.2126 * _channel(i) for i in range(256))
_LG = tuple(0.7152 * _channel(i) for i in range(256))
_LB = tuple(0.0722 * _channel(i) for i in range(256))


def parse_color(value: object, where: str) -> RGB:
    """'#RRGGBB' or '#RGB' to a tuple; raises ValueError naming `where`."""
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected a colour like '#2E4A3F', got {value!r}")
    text = value.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    if len(text) != 6:
        raise ValueError(f"{where}: expected a colour like '#2E4A3F', got {value!r}")
    try:
        n = int(text, 16)
    except ValueError:
        raise ValueError(f"{where}: expected a colour like '#2E4A3F', got {value!r}") from None
    return (n >> 16) & 255, (n >> 8) & 255, n & 255


def to_hex(rgb: RGB) -> str:
    return "#{:02X}{:02X}{:02X}".format(*rgb)


def luminance(rgb: RGB) -> float:
    return _LR[rgb[0]] + _LG[rgb[1]] + _LB[rgb[2]]


def ratio(l1: float, l2: float) -> float:
    hi, lo = (l1, l2) if l1 >= l2 else (l2, l1)
    return (hi + 0.05) / (lo + 0.05)


def contrast(a: RGB, b: RGB) -> float:
    return ratio(luminance(a), luminance(b))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """`t` of the way from a to b."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


# sRGB channel value -> linear light in 0..255, for Image.point on an RGB image (R, G, B tables).
_TO_LINEAR = [round(255 * _channel(i)) for i in range(256)] * 3
# One bin of the 8-bit luminance histogram is uncertain by about one step (two roundings).
_BIN_SLACK = 1.0


class Sample:
    """The pixels under a text, downsampled: luminance statistics in C (Pillow), so that a
    contrast check or a scrim search costs well under a millisecond."""

    def __init__(self, image: Image.Image) -> None:
        self.image = image if image.mode == "RGB" else image.convert("RGB")
        bands: Any = self.image.getextrema()  # ((min, max),) per band for RGB
        self.solid: RGB | None = None
        if all(lo == hi for lo, hi in bands):
            self.solid = (int(bands[0][0]), int(bands[1][0]), int(bands[2][0]))
        self._hist: list[int] | None = None

    @property
    def count(self) -> int:
        return self.image.width * self.image.height

    def histogram(self) -> list[int]:
        """256 bins of relative luminance (linear light, 0..255)."""
        if self._hist is None:
            linear = self.image.point(_TO_LINEAR)
            self._hist = linear.convert("L", (0.2126, 0.7152, 0.0722, 0.0)).histogram()
        return self._hist

    @staticmethod
    def stack(samples: list[Sample]) -> Sample:
        """One sample of all the pixels of several (each scaled to a common width)."""
        width = 64
        parts = [sm.image.resize((width, max(1, round(sm.image.height * width / sm.image.width)))) for sm in samples]
        out = Image.new("RGB", (width, sum(p.height for p in parts)))
        y = 0
        for part in parts:
            out.paste(part, (0, y))
            y += part.height
        return Sample(out)

    def blend(self, over: RGB, alpha: float) -> Sample:
        """What these pixels become under a layer of `over` at opacity `alpha`."""
        return Sample(Image.blend(self.image, Image.new("RGB", self.image.size, over), alpha))

    def average(self) -> RGB:
        if self.solid is not None:
            return self.solid
        tiny = self.image.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
        assert isinstance(tiny, tuple)
        return tiny[0], tiny[1], tiny[2]

    def spread(self) -> float:
        """Standard deviation of the gray levels: how much a background still competes with text."""
        return float(ImageStat.Stat(self.image.convert("L")).stddev[0])

    def is_busy(self) -> bool:
        """A photo-like area (more than a handful of distinct colours), not a flat fill."""
        return self.image.getcolors(8) is None


def sample_pixels(image: Image.Image, box: Box, max_pixels: int = 6000) -> Sample | None:
    """The pixels under `box` (clipped to the image), box-filtered down to at most `max_pixels`."""
    x0, y0, x1, y1 = box
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(image.width, x1), min(image.height, y1)
    if x1 <= x0 or y1 <= y0:
        return None
    region = image.crop((x0, y0, x1, y1))
    w, h = region.size
    if w * h > max_pixels:
        scale = (max_pixels / (w * h)) ** 0.5
        region = region.resize((max(1, int(w * scale)), max(1, int(h * scale))), Image.Resampling.BOX)
    return Sample(region)


def worst_contrast(text: RGB, sample: Sample | None, tolerance: float = 0.01) -> float:
    """Contrast of `text` against the sampled pixels, ignoring the worst `tolerance` share
    (isolated specks); each histogram bin is taken at its edge nearest the text (conservative)."""
    if sample is None:
        return 21.0
    lt = luminance(text)
    if sample.solid is not None:
        return ratio(lt, luminance(sample.solid))
    worst: list[tuple[float, int]] = []
    for b, n in enumerate(sample.histogram()):
        if not n:
            continue
        lo = max(0.0, (b - 0.5 - _BIN_SLACK) / 255)
        hi = min(1.0, (b + 0.5 + _BIN_SLACK) / 255)
        nearest = min(max(lt, lo), hi)
        worst.append((ratio(lt, nearest), n))
    worst.sort()
    allowed = int(sample.count * tolerance)
    seen = 0
    for value, n in worst:
        seen += n
        if seen > allowed:
            return value
    return worst[-1][0]


def best_text_color(candidates: list[RGB], sample: Sample | None, target: float) -> tuple[RGB, float]:
    """The first candidate that reaches `target`, else the one with the best contrast."""
    best = candidates[0]
    best_c = -1.0
    for cand in candidates:
        c = worst_contrast(cand, sample)
        if c >= target:
            return cand, c
        if c > best_c:
            best, best_c = cand, c
    return best, best_c


def scrim_alpha(text: RGB, over: RGB, sample: Sample | None, target: float) -> float | None:
    """The smallest opacity of a scrim of colour `over` that lets `text` reach `target`, or None."""
    if worst_contrast(text, sample) >= target:
        return 0.0
    if sample is None or contrast(text, over) < target:
        return None
    lo, hi = 0.0, 1.0
    for _ in range(6):  # opacity to within 1/64
        mid = (lo + hi) / 2
        if worst_contrast(text, sample.blend(over, mid)) >= target:
            hi = mid
        else:
            lo = mid
    return hi
