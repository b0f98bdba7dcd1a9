"""How small a JPEG may be decoded (libjpeg's DCT scaling: 1/2, 1/4, 1/8) and still fill every
place a layout cuts from it; pure geometry, used by `pinbot.render.loading`."""

from __future__ import annotations

import math

ROTATES = (5, 6, 7, 8)  # EXIF orientations that swap width and height


def draft_size(
    size: tuple[int, int], orientation: int, slots: list[tuple[tuple[int, int], float]]
) -> tuple[int, int] | None:
    """The size (as stored, before EXIF rotation) a JPEG must be decoded at to fill every slot;
    None when it is needed in full."""
    w, h = size
    upright = (h, w) if orientation in ROTATES else (w, h)
    needs = [draft_request(upright, slot, zoom) for slot, zoom in slots]
    if not needs or any(n is None for n in needs):
        return None
    nw = max(n[0] for n in needs if n is not None)
    nh = max(n[1] for n in needs if n is not None)
    return (nh, nw) if orientation in ROTATES else (nw, nh)


def draft_request(size: tuple[int, int], slot: tuple[int, int], zoom: float) -> tuple[int, int] | None:
    """The decoded size needed so that a crop of `slot`'s aspect (zoomed in by `zoom`) still has at
    least `slot` pixels; None when the full image is needed."""
    iw, ih = size
    sw, sh = slot
    aspect = sw / sh
    win_w = min(iw, ih * aspect) / zoom
    scale = sw / win_w
    if scale >= 1:
        return None
    return math.ceil(iw * scale), math.ceil(ih * scale)


def drafted_size(upright: tuple[int, int], slots: list[tuple[tuple[int, int], float]]) -> tuple[int, int]:
    """The upright size a JPEG of `upright` size decodes to when drafted for `slots`, from its
    header alone: Pillow's `JpegImageFile.draft` takes the smallest of 1/8, 1/4, 1/2 that keeps
    both sides at least the size asked for, and libjpeg rounds the scaled sides up. (Worked out
    upright: the stored size and the request are swapped alike, so the scale is the same.)"""
    need = draft_size(upright, 1, slots)
    if need is None:
        return upright
    w, h = upright
    most = min(w // need[0], h // need[1])
    scale = next((s for s in (8, 4, 2, 1) if most >= s), 1)
    return -(-w // scale), -(-h // scale)
