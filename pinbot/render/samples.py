"""Synthetic product photos, drawn with Pillow: for tests, the benchmark and demos, so that no
binary sample images need to be stored or downloaded. Deterministic for a given (kind, size, seed).
"""

from __future__ import annotations

import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter

KINDS = ("mug", "planter", "earrings", "busy", "bright")


def sample_photo(kind: str = "mug", size: tuple[int, int] = (1200, 1600), seed: int = 1) -> Image.Image:
    """An RGB 'product photo' of `kind`, product placed off-centre so a centre crop would cut it."""
    w, h = size
    rnd = random.Random(f"{kind}:{seed}:{w}x{h}")
    if kind == "busy":
        im = _busy_background(size, rnd)
    elif kind == "bright":
        im = _gradient(size, (252, 250, 246), (236, 232, 224))
    elif kind == "earrings":
        im = _gradient(size, (222, 214, 200), (196, 186, 170))
        _linen(im, rnd)
    else:
        im = _gradient(size, (236, 226, 212), (205, 190, 170))
    draw = ImageDraw.Draw(im)
    s = min(w, h)
    # The product sits right of centre and a little high.
    cx, cy = int(w * 0.62), int(h * 0.42)
    if kind in ("mug", "busy", "bright"):
        _mug(draw, cx, cy, int(s * 0.22), (46, 84, 110) if kind != "bright" else (240, 236, 228))
    elif kind == "planter":
        _planter(draw, cx, cy, int(s * 0.2), rnd)
    else:
        _earrings(draw, cx, cy, int(s * 0.16))
    noise = Image.effect_noise((max(1, w // 2), max(1, h // 2)), 18).resize(size).convert("RGB")
    return ImageChops.blend(im, ImageChops.overlay(im, noise), 0.18).filter(ImageFilter.SMOOTH)


def product_box(kind: str, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Where `sample_photo` draws the product (x0, y0, x1, y1 in pixels): the ground truth the
    design check measures crops and text placement against."""
    w, h = size
    s = min(w, h)
    cx, cy = int(w * 0.62), int(h * 0.42)
    if kind in ("mug", "busy", "bright"):
        r = int(s * 0.22)
        top, bottom = cy - int(r * 1.1), cy + int(r * 1.1)
        box = (cx - int(r * 1.5), top - r // 4, cx + int(r * 1.55), bottom + r // 3)
    elif kind == "planter":
        r = int(s * 0.2)
        # Leaves reach up to ~2.1 r above the rim and ~1.5 r to each side.
        box = (cx - int(r * 1.55), cy - int(r * 2.15), cx + int(r * 1.55), cy + int(r * 1.6))
    else:
        r = int(s * 0.16)
        x_left, x_right = cx - int(r * 0.75), cx + int(r * 0.75)
        box = (x_left - r // 2 - 3, cy - r // 2 - r // 5, x_right + r // 2, cy + r + r // 2)
    return max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])


def _gradient(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    w, h = size
    mask = Image.linear_gradient("L").resize((w, h))
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _busy_background(size: tuple[int, int], rnd: random.Random) -> Image.Image:
    w, h = size
    im = Image.new("RGB", size, (30, 30, 30))
    draw = ImageDraw.Draw(im)
    palette = [(240, 200, 60), (250, 250, 245), (200, 60, 60), (60, 160, 90), (40, 90, 200), (250, 160, 190)]
    r = max(4, min(w, h) // 30)
    for _ in range(600):
        x, y = rnd.randrange(w), rnd.randrange(h)
        rr = rnd.randint(r // 2, r * 2)
        draw.ellipse((x - rr, y - rr, x + rr, y + rr), fill=rnd.choice(palette))
    return im


def _linen(im: Image.Image, rnd: random.Random) -> None:
    draw = ImageDraw.Draw(im)
    w, h = im.size
    step = max(3, w // 240)
    for x in range(0, w, step):
        shade = rnd.randint(-8, 8)
        draw.line((x, 0, x, h), fill=(208 + shade, 199 + shade, 184 + shade))


def _mug(draw: ImageDraw.ImageDraw, cx: int, cy: int, r: int, glaze: tuple[int, int, int]) -> None:
    top, bottom = cy - int(r * 1.1), cy + int(r * 1.1)
    draw.ellipse((cx - int(r * 1.5), bottom - r // 5, cx + int(r * 1.5), bottom + r // 3), fill=(150, 135, 118))
    draw.ellipse((cx + int(r * 0.6), cy - r // 2, cx + int(r * 1.55), cy + r // 2), outline=glaze, width=max(2, r // 6))
    draw.rectangle((cx - r, top, cx + r, bottom), fill=glaze)
    draw.ellipse((cx - r, bottom - r // 4, cx + r, bottom + r // 4), fill=glaze)
    lighter = tuple(min(255, c + 40) for c in glaze)
    draw.ellipse((cx - r, top - r // 4, cx + r, top + r // 4), fill=lighter)  # type: ignore[arg-type]
    darker = tuple(max(0, c - 35) for c in glaze)
    draw.ellipse((cx - int(r * 0.86), top - r // 6, cx + int(r * 0.86), top + r // 6), fill=darker)  # type: ignore[arg-type]
    for i in range(40):
        x = cx - r + (2 * r * i) // 40
        draw.point((x, cy + (i * 37) % r - r // 2), fill=(235, 230, 220))
    draw.rectangle((cx - int(r * 0.7), top + r // 5, cx - int(r * 0.55), bottom - r // 5), fill=lighter)  # type: ignore[arg-type]


def _planter(draw: ImageDraw.ImageDraw, cx: int, cy: int, r: int, rnd: random.Random) -> None:
    top = cy
    draw.ellipse((cx - int(r * 1.4), cy + int(r * 1.2), cx + int(r * 1.4), cy + int(r * 1.6)), fill=(150, 130, 110))
    draw.polygon(
        [
            (cx - r, top),
            (cx + r, top),
            (cx + int(r * 0.75), cy + int(r * 1.4)),
            (cx - int(r * 0.75), cy + int(r * 1.4)),
        ],
        fill=(196, 103, 63),
    )
    draw.rectangle((cx - int(r * 1.08), top - r // 6, cx + int(r * 1.08), top + r // 6), fill=(176, 88, 52))
    for _ in range(26):
        ang = rnd.uniform(-1.2, 1.2)
        length = rnd.uniform(0.8, 1.8) * r
        x = cx + int(length * ang * 0.6)
        y = top - int(length * (1 - abs(ang) * 0.3))
        lw = max(6, r // 5)
        green = (40 + rnd.randint(0, 40), 110 + rnd.randint(0, 60), 60 + rnd.randint(0, 30))
        draw.ellipse((x - lw, y - lw // 2 - r // 4, x + lw, y + lw // 2 + r // 4), fill=green)


def _earrings(draw: ImageDraw.ImageDraw, cx: int, cy: int, r: int) -> None:
    for dx in (-int(r * 0.75), int(r * 0.75)):
        x = cx + dx
        draw.ellipse(
            (x - r // 2, cy - r // 2, x + r // 2, cy + r + r // 2), outline=(120, 110, 100), width=max(3, r // 7)
        )
        draw.ellipse(
            (x - r // 2 - 3, cy - r // 2 - 3, x + r // 2 - 3, cy + r + r // 2 - 3),
            outline=(220, 220, 228),
            width=max(3, r // 8),
        )
        draw.ellipse((x - r // 10, cy - r // 2 - r // 5, x + r // 10, cy - r // 2), fill=(200, 170, 90))
