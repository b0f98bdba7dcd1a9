"""Anti-aliased masks for rounded photos, blocks and pills (ImageDraw shapes have jagged edges)."""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageDraw

_SUPERSAMPLE = 4


@lru_cache(maxsize=64)
def _disc(radius: int) -> Image.Image:
    big = Image.new("L", (2 * radius * _SUPERSAMPLE, 2 * radius * _SUPERSAMPLE), 0)
    ImageDraw.Draw(big).ellipse((0, 0, big.width - 1, big.height - 1), fill=255)
    return big.resize((2 * radius, 2 * radius), Image.Resampling.BOX)


def rounded_mask(size: tuple[int, int], radius: int, opacity: float = 1.0) -> Image.Image:
    """An L mask of a rounded rectangle with smooth corners; `opacity` scales it."""
    w, h = size
    r = max(0, min(radius, w // 2, h // 2))
    level = round(255 * opacity)
    mask = Image.new("L", (w, h), level)
    if r:
        disc = _disc(r)
        if level != 255:
            disc = disc.point(lambda v: v * level // 255)
        mask.paste(disc.crop((0, 0, r, r)), (0, 0))
        mask.paste(disc.crop((r, 0, 2 * r, r)), (w - r, 0))
        mask.paste(disc.crop((0, r, r, 2 * r)), (0, h - r))
        mask.paste(disc.crop((r, r, 2 * r, 2 * r)), (w - r, h - r))
    return mask


_SMOOTH = [round(255 * (t / 255) ** 2 * (3 - 2 * t / 255)) for t in range(256)]


@lru_cache(maxsize=64)
def vertical_fade(size: tuple[int, int], solid: tuple[int, int], alpha: float) -> Image.Image:
    """An L mask that is `alpha` between rows solid[0]..solid[1] and fades to 0 towards the ends
    (smoothstep, so the scrim has no visible edge)."""
    w, h = size
    top, bottom = max(0, solid[0]), min(h, solid[1])
    level = round(255 * alpha)
    column = Image.new("L", (1, h), level)
    ramp = Image.linear_gradient("L").point(_SMOOTH).point(lambda v: v * level // 255)  # 0 at top
    if top > 0:
        column.paste(ramp.resize((1, top)), (0, 0))
    if bottom < h:
        column.paste(ramp.transpose(Image.Transpose.FLIP_TOP_BOTTOM).resize((1, h - bottom)), (0, bottom))
    return column.resize((w, h), Image.Resampling.NEAREST)
