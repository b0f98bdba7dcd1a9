"""Colours: parsing brand colours, WCAG relative luminance and contrast, and sampling the
luminance of the pixels under a text so that the renderer can prove every text reads (>= 4.5:1).
"""

from __future__ import annotations

from PIL import Image

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


def sample_pixels(image: Image.Image, box: Box, max_pixels: int = 2400) -> list[RGB]:
    """The pixels under `box`, downsampled (box filter) to at most `max_pixels`."""
    x0, y0, x1, y1 = box
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(image.width, x1), min(image.height, y1)
    if x1 <= x0 or y1 <= y0:
        return []
    region = image.crop((x0, y0, x1, y1))
    if region.mode != "RGB":
        region = region.convert("RGB")
    w, h = region.size
    if w * h > max_pixels:
        scale = (max_pixels / (w * h)) ** 0.5
        region = region.resize((max(1, int(w * scale)), max(1, int(h * scale))), Image.Resampling.BOX)
    raw = region.tobytes()
    it = iter(raw)
    return list(zip(it, it, it, strict=True))


def worst_contrast(text: RGB, pixels: list[RGB], tolerance: float = 0.01) -> float:
    """Contrast of `text` against the background pixels, ignoring the worst `tolerance` share
    (isolated specks that a box filter cannot remove anyway)."""
    if not pixels:
        return 21.0
    lt = luminance(text)
    uniq = set(pixels)
    if len(uniq) == 1:
        return ratio(lt, luminance(next(iter(uniq))))
    values = sorted(ratio(lt, _LR[p[0]] + _LG[p[1]] + _LB[p[2]]) for p in pixels)
    return values[min(len(values) - 1, int(len(values) * tolerance))]


def blend_pixels(pixels: list[RGB], over: RGB, alpha: float) -> list[RGB]:
    """What `pixels` become under a layer of colour `over` at opacity `alpha`."""
    a = alpha
    b = 1.0 - a
    r0, g0, b0 = over[0] * a, over[1] * a, over[2] * a
    return [(round(p[0] * b + r0), round(p[1] * b + g0), round(p[2] * b + b0)) for p in pixels]


def best_text_color(candidates: list[RGB], pixels: list[RGB], target: float) -> tuple[RGB, float]:
    """The first candidate that reaches `target`, else the one with the best contrast."""
    best = candidates[0]
    best_c = -1.0
    for cand in candidates:
        c = worst_contrast(cand, pixels)
        if c >= target:
            return cand, c
        if c > best_c:
            best, best_c = cand, c
    return best, best_c


def scrim_alpha(text: RGB, over: RGB, pixels: list[RGB], target: float) -> float | None:
    """The smallest opacity of a scrim of colour `over` that lets `text` reach `target`, or None."""
    if worst_contrast(text, pixels) >= target:
        return 0.0
    if worst_contrast(text, [over]) < target:
        return None
    lo, hi = 0.0, 1.0
    for _ in range(7):
        mid = (lo + hi) / 2
        if worst_contrast(text, blend_pixels(pixels, over, mid)) >= target:
            hi = mid
        else:
            lo = mid
    return hi
