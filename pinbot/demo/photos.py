"""Drawing the demo shop's product photos with Pillow, so the demo needs no downloaded images.

Warm backdrops, a table, soft shadows and simple shapes of mugs, bowls, planters, vases, rings and
hoops. Deterministic: the same call draws the same pixels.
"""

from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw, ImageFilter

PHOTO_W, PHOTO_H = 1000, 1200
SS = 2  # supersampling: shapes are drawn at twice the size and reduced, for smooth edges

# (backdrop top, backdrop bottom, table) per photo, warm neutrals and soft pastels.
BACKDROPS = (
    ((236, 228, 216), (222, 208, 190), (201, 182, 160)),
    ((226, 232, 226), (205, 216, 205), (176, 160, 140)),
    ((240, 226, 220), (226, 204, 196), (190, 168, 150)),
    ((224, 230, 238), (204, 214, 226), (186, 170, 152)),
)

RGB = tuple[int, int, int]
Box = tuple[float, float, float, float]


# -- drawing --------------------------------------------------------------------------------------
def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def _shade(c: RGB, f: float) -> RGB:
    return _mix(c, (0, 0, 0), f) if f > 0 else _mix(c, (255, 255, 255), -f)


def backdrop(index: int) -> Image.Image:
    """Wall and table with a soft window light from the upper left; smooth, so drawn small and scaled."""
    top, bottom, table = BACKDROPS[index % len(BACKDROPS)]
    w, h = PHOTO_W // 8, PHOTO_H // 8
    horizon = int(h * 0.62)
    small = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(small)
    for y in range(h):
        if y < horizon:
            color = _mix(top, bottom, y / horizon)
        else:
            color = _mix(table, _shade(table, 0.12), (y - horizon) / (h - horizon))
        d.line((0, y, w, y), fill=color)
    light = Image.radial_gradient("L").resize((w * 2, h * 2)).crop((w // 2, h // 3, w // 2 + w, h // 3 + h))
    glow = Image.new("RGB", (w, h), (255, 250, 240))
    small = Image.composite(small, glow, light.point(lambda v: min(255, 150 + v // 2)))
    return small.resize((PHOTO_W * SS, PHOTO_H * SS), Image.Resampling.BICUBIC)


def _shadow(image: Image.Image, box: Box, strength: int = 90) -> None:
    """A soft contact shadow: a blurred ellipse, drawn at 1/8 size and scaled up (blur is costly)."""
    x0, y0, x1, y1 = (int(v) for v in box)
    pad = (y1 - y0) // 2 + 8
    rx0, ry0, rx1, ry1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    small = Image.new("L", ((rx1 - rx0) // 8, (ry1 - ry0) // 8), 0)
    ImageDraw.Draw(small).ellipse(((x0 - rx0) / 8, (y0 - ry0) / 8, (x1 - rx0) / 8, (y1 - ry0) / 8), fill=strength)
    mask = small.filter(ImageFilter.GaussianBlur(6)).resize((rx1 - rx0, ry1 - ry0), Image.Resampling.BILINEAR)
    image.paste((60, 45, 35), (rx0, ry0, rx1, ry1), mask)


def _body(img: Image.Image, box: Box, color: RGB, radius: float) -> None:
    """A glazed body lit from the left: a rounded shape with a horizontal light gradient."""
    x0, y0, x1, y1 = (int(v) for v in box)
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((x0, y0, x1, y1), radius=int(radius), fill=255)
    shade = Image.linear_gradient("L").rotate(90, expand=True).resize((x1 - x0, y1 - y0))
    lit = Image.composite(
        Image.new("RGB", shade.size, _shade(color, -0.25)), Image.new("RGB", shade.size, _shade(color, 0.3)), shade
    )
    img.paste(lit, (x0, y0), mask.crop((x0, y0, x1, y1)))


def _mug(img: Image.Image, d: ImageDraw.ImageDraw, cx: float, base: float, s: float, color: RGB, rim: RGB) -> None:
    w, h = 300 * s, 340 * s
    _shadow(img, (cx - w * 0.75, base - 40 * s, cx + w * 0.85, base + 40 * s))
    d.ellipse(
        (cx + w * 0.32, base - h * 0.78, cx + w * 0.78, base - h * 0.28), outline=_shade(color, 0.15), width=int(34 * s)
    )
    _body(img, (cx - w / 2, base - h, cx + w / 2, base), color, 40 * s)
    d.ellipse(
        (cx - w / 2, base - h - 28 * s, cx + w / 2, base - h + 28 * s),
        fill=_shade(color, 0.35),
        outline=rim,
        width=int(12 * s),
    )


def _speckles(d: ImageDraw.ImageDraw, box: Box, seed: int, color: RGB) -> None:
    rng = random.Random(seed)
    x0, y0, x1, y1 = box
    for _ in range(220):
        x, y, r = rng.uniform(x0 + 20, x1 - 20), rng.uniform(y0 + 40, y1 - 20), rng.uniform(2, 5) * SS
        d.ellipse((x - r, y - r, x + r, y + r), fill=color)


def _bowl(img: Image.Image, d: ImageDraw.ImageDraw, cx: float, base: float, s: float, color: RGB) -> None:
    w, h = 640 * s, 300 * s
    _shadow(img, (cx - w * 0.55, base - 40 * s, cx + w * 0.55, base + 50 * s))
    top = base - h
    d.chord((cx - w / 2, top - h, cx + w / 2, base), 0, 180, fill=color)
    d.chord((cx - w / 2 + 30 * s, top - h + 30 * s, cx - 10 * s, base - 20 * s), 90, 180, fill=_shade(color, -0.18))
    d.ellipse(
        (cx - w / 2, top - 60 * s, cx + w / 2, top + 60 * s),
        fill=_shade(color, 0.25),
        outline=_shade(color, -0.2),
        width=int(10 * s),
    )
    d.rectangle((cx - 110 * s, base - 18 * s, cx + 110 * s, base), fill=_shade(color, 0.2))


def _leaf(d: ImageDraw.ImageDraw, x: float, y: float, length: float, angle: float, color: RGB) -> None:
    a = math.radians(angle)
    ux, uy = math.cos(a), math.sin(a)
    px, py = -uy, ux
    pts = []
    for i in range(13):
        t = i / 12
        width = math.sin(math.pi * t) * length * 0.22
        pts.append((x + ux * length * t + px * width, y + uy * length * t + py * width))
    for i in range(12, -1, -1):
        t = i / 12
        width = math.sin(math.pi * t) * length * 0.22
        pts.append((x + ux * length * t - px * width, y + uy * length * t - py * width))
    d.polygon(pts, fill=color)
    d.line((x, y, x + ux * length * 0.9, y + uy * length * 0.9), fill=_shade(color, 0.25), width=3 * SS)


def _planter(img: Image.Image, d: ImageDraw.ImageDraw, cx: float, base: float, s: float) -> None:
    clay, green = (192, 110, 72), (96, 138, 96)
    w, h = 420 * s, 380 * s
    _shadow(img, (cx - w * 0.6, base - 40 * s, cx + w * 0.6, base + 45 * s))
    for i, ang in enumerate((-150, -120, -95, -70, -40, -135, -55)):
        _leaf(
            d,
            cx + (i - 3) * 18 * s,
            base - h + 10 * s,
            (300 - abs(ang + 95) * 1.2) * s,
            ang,
            _shade(green, (i % 3) * 0.1 - 0.1),
        )
    d.polygon([(cx - w / 2, base - h), (cx + w / 2, base - h), (cx + w * 0.36, base), (cx - w * 0.36, base)], fill=clay)
    d.polygon(
        [(cx - w / 2, base - h), (cx - w * 0.1, base - h), (cx - w * 0.05, base), (cx - w * 0.36, base)],
        fill=_shade(clay, -0.12),
    )
    d.rectangle(
        (cx - w / 2 - 16 * s, base - h - 10 * s, cx + w / 2 + 16 * s, base - h + 60 * s), fill=_shade(clay, 0.08)
    )


def _vase(img: Image.Image, d: ImageDraw.ImageDraw, cx: float, base: float, s: float) -> None:
    white = (238, 236, 230)
    w, h = 300 * s, 520 * s
    _shadow(img, (cx - w * 0.6, base - 35 * s, cx + w * 0.7, base + 40 * s))
    d.line((cx + 10 * s, base - h - 330 * s, cx, base - h + 20 * s), fill=(92, 120, 84), width=int(9 * s))
    _leaf(d, cx + 6 * s, base - h - 160 * s, 150 * s, -30, (110, 150, 100))
    d.ellipse((cx - 26 * s, base - h - 370 * s, cx + 46 * s, base - h - 300 * s), fill=(226, 150, 140))
    d.rectangle((cx - 45 * s, base - h, cx + 45 * s, base - h * 0.55), fill=_shade(white, 0.06))
    _body(img, (cx - w / 2, base - h * 0.62, cx + w / 2, base), white, 140 * s)
    for i in range(1, 8):
        x = cx - w / 2 + w * i / 8
        d.line((x, base - h * 0.58, x, base - 20 * s), fill=_shade(white, 0.12), width=int(4 * s))


def _hoop(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, metal: RGB) -> None:
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=_shade(metal, 0.25), width=int(r * 0.14))
    d.arc((cx - r, cy - r, cx + r, cy + r), 200, 300, fill=_shade(metal, -0.5), width=int(r * 0.07))
    d.line((cx, cy - r - r * 0.25, cx, cy - r + r * 0.05), fill=_shade(metal, 0.3), width=int(r * 0.05))


def _ring(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, metal: RGB) -> None:
    d.ellipse((cx - r, cy - r * 0.45, cx + r, cy + r * 0.45), outline=_shade(metal, 0.2), width=int(r * 0.16))
    d.arc((cx - r, cy - r * 0.45, cx + r, cy + r * 0.45), 160, 260, fill=_shade(metal, -0.45), width=int(r * 0.08))


def _draw_scene(name: str, img: Image.Image, index: int) -> None:
    d = ImageDraw.Draw(img)
    w, h = img.size
    cx, base, s = w / 2, h * 0.78, SS * 1.0
    silver, brass, copper = (192, 196, 200), (201, 164, 92), (190, 118, 80)
    if name == "mug":
        _mug(img, d, cx - 20 * s, base, s * 1.3, (232, 222, 204), (70, 104, 150))
        _speckles(d, (cx - 215 * s, base - 440 * s, cx + 175 * s, base - 10 * s), index, (120, 100, 80))
    elif name == "cups":
        _mug(img, d, cx - 200 * s, base, s * 0.9, (48, 96, 138), (220, 230, 236))
        _mug(img, d, cx + 170 * s, base + 30 * s, s * 0.9, (40, 84, 124), (220, 230, 236))
    elif name == "bowl":
        _bowl(img, d, cx, base, s, (150, 176, 146))
    elif name == "planter":
        _planter(img, d, cx, base, s)
    elif name == "vase":
        _vase(img, d, cx, base, s)
    elif name == "hoops":
        _shadow(img, (cx - 330 * s, base - 60 * s, cx + 330 * s, base + 40 * s), 60)
        _hoop(d, cx - 160 * s, base - 300 * s, 150 * s, silver)
        _hoop(d, cx + 170 * s, base - 280 * s, 150 * s, silver)
    elif name == "studs":
        _shadow(img, (cx - 300 * s, base - 110 * s, cx + 320 * s, base + 20 * s), 60)
        _leaf(d, cx - 290 * s, base - 30 * s, 290 * s, -22, brass)
        _leaf(d, cx + 20 * s, base + 5 * s, 290 * s, -38, _shade(brass, 0.08))
    elif name == "rings":
        _shadow(img, (cx - 320 * s, base - 70 * s, cx + 320 * s, base + 40 * s), 60)
        for i, metal in enumerate((silver, brass, copper)):
            _ring(d, cx + (i - 1) * 190 * s, base - 160 * s - (i % 2) * 60 * s, 120 * s, metal)
    elif name == "pendant":
        d.arc((cx - 360 * s, base - 980 * s, cx + 360 * s, base - 180 * s), 20, 160, fill=silver, width=int(6 * s))
        _shadow(img, (cx - 100 * s, base - 60 * s, cx + 120 * s, base + 20 * s), 70)
        d.ellipse((cx - 80 * s, base - 300 * s, cx + 80 * s, base - 60 * s), fill=_shade(silver, 0.15))
        d.ellipse((cx - 62 * s, base - 280 * s, cx + 62 * s, base - 80 * s), fill=(214, 226, 236))
        d.ellipse((cx - 40 * s, base - 260 * s, cx + 5 * s, base - 190 * s), fill=(236, 244, 250))
    elif name == "crystal":
        _shadow(img, (cx - 260 * s, base - 50 * s, cx + 300 * s, base + 40 * s), 60)
        pts = [
            (cx - 70 * s, base - 120 * s),
            (cx - 40 * s, base - 460 * s),
            (cx + 30 * s, base - 520 * s),
            (cx + 80 * s, base - 420 * s),
            (cx + 60 * s, base - 110 * s),
        ]
        d.polygon(pts, fill=(178, 150, 206))
        d.polygon([pts[1], pts[2], (cx + 10 * s, base - 120 * s)], fill=(204, 182, 226))
        for i in range(7):
            y = base - 170 * s - i * 45 * s
            d.arc((cx - 95 * s, y - 30 * s, cx + 105 * s, y + 30 * s), 0, 200, fill=copper, width=int(7 * s))
        d.ellipse((cx + 170 * s, base - 170 * s, cx + 330 * s, base - 10 * s), fill=_shade(copper, 0.1))
        d.ellipse((cx + 225 * s, base - 115 * s, cx + 275 * s, base - 65 * s), fill=_shade(copper, 0.45))
    elif name == "glaze":
        _bowl(img, d, cx - 60 * s, base, s * 0.85, (236, 230, 220))
        for i in range(6):
            x = cx - 280 * s + i * 80 * s
            d.rounded_rectangle(
                (x, base - 270 * s, x + 34 * s, base - (170 - 25 * (i % 3)) * s), 16 * s, fill=(70, 120, 160)
            )
        d.line((cx + 200 * s, base - 40 * s, cx + 380 * s, base - 420 * s), fill=(150, 110, 70), width=int(18 * s))
        d.ellipse((cx + 176 * s, base - 70 * s, cx + 236 * s, base - 10 * s), fill=(70, 120, 160))
    else:  # macrame
        cord = (236, 226, 206)
        d.ellipse((cx - 60 * s, h * 0.08, cx + 60 * s, h * 0.08 + 120 * s), outline=brass, width=int(12 * s))
        top, pot_top = h * 0.08 + 110 * s, base - 300 * s
        for i in range(8):
            end_x = cx - 250 * s + i * (500 / 7) * s
            d.line((cx + (i - 3.5) * 8 * s, top, end_x, pot_top), fill=cord, width=int(7 * s))
            for k in (0.3, 0.55, 0.8):
                x, y = cx + (end_x - cx) * k, top + (pot_top - top) * k
                d.ellipse((x - 12 * s, y - 12 * s, x + 12 * s, y + 12 * s), fill=_shade(cord, 0.08))
        _planter(img, d, cx, base, s * 0.8)


def draw_photo(name: str, index: int) -> Image.Image:
    """A 1000x1200 product photo: backdrop and table, soft shadow, the product drawn in simple shapes."""
    image = backdrop(index)
    _draw_scene(name, image, index)
    return image.reduce(SS)
