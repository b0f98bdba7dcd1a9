"""Where the product is in a photo, and a fingerprint of the photo, from one small thumbnail.

The subject box is what every crop keeps whole and what no text, scrim or badge may cover. It is
found the way a designer would squint at a product shot: the photo's backdrop is read from its
border (per row and per column, so a wall-to-table gradient counts as backdrop), and the subject is
what differs from it in colour or carries edges. Specks are filtered out; what remains is grouped
into connected blobs and every blob of real size is kept, so a flower above a bud vase or the rim of
a cup is part of the box. A busy photo (pattern everywhere) gives a box covering most of the photo:
the honest answer, which makes the layouts keep the whole photo.

The fingerprint is a 64-bit difference hash (dHash) of the same thumbnail: a re-encoded, resized
or lightly edited copy of a photo differs from the original by a few bits, another photo by ~30.
Both are computed once per photo (keyed by the file's sha256) in a few milliseconds.
"""

from __future__ import annotations

import math
import operator
import os
from collections import OrderedDict
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from pinbot.errors import PinbotError
from pinbot.render.loading import CHECK_SLOTS, PhotoSource, open_photo, read_photo
from pinbot.render.loading import check_photo as check_decoded

FracBox = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the photo

_SIDE = 160  # analysis thumbnail, longest side
_MIN_LEVEL = 34  # backdrop difference below this (0..255) is lighting, not product
_CACHE_SIZE = 512
# Two photos are the same picture when their dHashes differ in at most this many bits and their
# 2x2 average colours by at most this many levels: a resized or re-encoded copy differs by 0-3
# bits; two product shots on the same backdrop can differ by only ~6 bits, but not in colour.
NEAR_DUPLICATE_BITS = 5
NEAR_DUPLICATE_COLOUR = 24


@dataclass(frozen=True)
class PhotoInfo:
    """What the layouts need to know about a photo before cutting it."""

    width: int  # upright, full resolution
    height: int
    subject: FracBox
    dhash: int
    colour: bytes = b""  # 2x2 average colour, 12 bytes

    def subject_px(self, size: tuple[int, int]) -> tuple[float, float, float, float]:
        w, h = size
        x0, y0, x1, y1 = self.subject
        return x0 * w, y0 * h, x1 * w, y1 * h


_cache: OrderedDict[str, PhotoInfo] = OrderedDict()


def photo_info(
    src: PhotoSource, image: Image.Image | None = None, full_size: tuple[int, int] | None = None
) -> PhotoInfo:
    """The subject box and fingerprint of `src`, cached by its sha256. `image` (any decoded copy,
    e.g. the one a render opened anyway) saves decoding it again; `full_size` is its upright size
    at full resolution when `image` was decoded smaller."""
    key = src.sha256
    hit = _cache.get(key) if key else None
    if hit is not None:
        _cache.move_to_end(key)
        return hit
    if image is None:
        opened = open_photo(src, [((_SIDE * 2, _SIDE * 2), 1.0)], (255, 255, 255))
        image, full_size = opened.image, opened.full_size
    size = full_size or image.size
    info = analyse(image, size)
    if key:
        _cache[key] = info
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return info


def analyse(image: Image.Image, size: tuple[int, int] | None = None) -> PhotoInfo:
    thumb = _thumbnail(image, _SIDE)
    fine = _thumbnail(image, _SIDE * 2)
    w, h = size or image.size
    return PhotoInfo(w, h, subject_box(thumb, _fine_edges(fine, thumb.size)), dhash(thumb), colours(thumb))


def _fine_edges(fine: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Edges found at twice the resolution and kept at their strongest when reduced: a thin cord,
    chain or stem a pixel wide in the thumbnail still counts."""
    edges = fine.convert("L").filter(ImageFilter.FIND_EDGES)
    w, h = edges.size
    ImageDraw.Draw(edges).rectangle((0, 0, w - 1, h - 1), outline=0)
    return edges.filter(ImageFilter.MaxFilter(3)).resize(size, Image.Resampling.NEAREST)


def _thumbnail_size(w: int, h: int, side: int) -> tuple[float, tuple[int, int]]:
    scale = side / max(w, h)
    return scale, (max(12, round(w * scale)), max(12, round(h * scale)))


def _thumbnail(image: Image.Image, side: int) -> Image.Image:
    scale, size = _thumbnail_size(*image.size, side)
    thumb = image.resize(size, Image.Resampling.BOX, reducing_gap=2.0) if scale < 1 else image.resize(size)
    return thumb if thumb.mode == "RGB" else thumb.convert("RGB")


def _backdrop(thumb: Image.Image) -> tuple[Image.Image, Image.Image]:
    """The backdrop as the border sees it: left/right border blended across each row, and
    top/bottom border blended down each column."""
    w, h = thumb.size
    left = thumb.crop((0, 0, 2, h)).resize((1, h), Image.Resampling.BOX)
    right = thumb.crop((w - 2, 0, w, h)).resize((1, h), Image.Resampling.BOX)
    top = thumb.crop((0, 0, w, 2)).resize((w, 1), Image.Resampling.BOX)
    bottom = thumb.crop((0, h - 2, w, h)).resize((w, 1), Image.Resampling.BOX)
    ramp_x = Image.linear_gradient("L").rotate(90, expand=True).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    ramp_x = ramp_x.resize((w, h))
    ramp_y = Image.linear_gradient("L").resize((w, h))
    rows = Image.composite(right.resize((w, h)), left.resize((w, h)), ramp_x)
    cols = Image.composite(bottom.resize((w, h)), top.resize((w, h)), ramp_y)
    return rows, cols


def _max_channel(diff: Image.Image) -> Image.Image:
    r, g, b = diff.split()
    return ImageChops.lighter(ImageChops.lighter(r, g), b)


def subject_mask(thumb: Image.Image, fine_edges: Image.Image | None = None) -> Image.Image:
    """255 where the thumbnail shows the product rather than its backdrop."""
    w, h = thumb.size
    soft = thumb.filter(ImageFilter.GaussianBlur(0.8))
    rows, cols = _backdrop(soft)
    diff = ImageChops.darker(
        _max_channel(ImageChops.difference(soft, rows)), _max_channel(ImageChops.difference(soft, cols))
    )
    edges = soft.convert("L").filter(ImageFilter.FIND_EDGES)
    ImageDraw.Draw(edges).rectangle((0, 0, w - 1, h - 1), outline=0)
    if fine_edges is not None:
        edges = ImageChops.lighter(edges, fine_edges)
    score = ImageChops.lighter(diff, edges.point(lambda v: min(255, v * 2)))
    level = max(_MIN_LEVEL, _otsu(score.histogram()))
    mask = score.point(lambda v: 255 if v > level else 0)
    # A closing (dilate, erode) joins a product's parts; specks are dropped later by blob size
    # (an opening would also erase thin wires and stems, which are part of the product).
    return mask.filter(ImageFilter.MaxFilter(3)).filter(ImageFilter.MinFilter(3))


def subject_box(thumb: Image.Image, fine_edges: Image.Image | None = None) -> FracBox:
    w, h = thumb.size
    mask = subject_mask(thumb, fine_edges)
    blobs = _blobs(mask)
    if not blobs:
        return 0.2, 0.2, 0.8, 0.8  # a blank photo: keep its middle
    largest = max(b[4] for b in blobs)
    keep = [b for b in blobs if b[4] >= min(0.5 * largest, max(6, 0.0008 * w * h))]
    x0 = min(b[0] for b in keep)
    y0 = min(b[1] for b in keep)
    x1 = max(b[2] for b in keep) + 1
    y1 = max(b[3] for b in keep) + 1
    # One thumbnail pixel of slack each side: the blur and the opening can shave an edge.
    return (
        max(0.0, (x0 - 1) / w),
        max(0.0, (y0 - 1) / h),
        min(1.0, (x1 + 1) / w),
        min(1.0, (y1 + 1) / h),
    )


def _blobs(mask: Image.Image) -> list[tuple[int, int, int, int, int]]:
    """Connected regions of the mask (8-neighbours): (x0, y0, x1, y1, area) each."""
    w, h = mask.size
    data = bytearray(mask.tobytes())
    out: list[tuple[int, int, int, int, int]] = []
    for start in range(w * h):
        if not data[start]:
            continue
        data[start] = 0
        stack = [start]
        x0 = x1 = start % w
        y0 = y1 = start // w
        area = 0
        while stack:
            i = stack.pop()
            area += 1
            y, x = divmod(i, w)
            x0, x1, y0, y1 = min(x0, x), max(x1, x), min(y0, y), max(y1, y)
            for dy in (-1, 0, 1):
                ny = y + dy
                if not 0 <= ny < h:
                    continue
                for dx in (-1, 0, 1):
                    nx = x + dx
                    if 0 <= nx < w:
                        j = ny * w + nx
                        if data[j]:
                            data[j] = 0
                            stack.append(j)
        out.append((x0, y0, x1, y1, area))
    return out


def _otsu(hist: list[int]) -> int:
    total = sum(hist)
    if not total:
        return 0
    sum_all = sum(i * n for i, n in enumerate(hist))
    best, level = -1.0, 0
    weight = 0
    acc = 0.0
    for i, n in enumerate(hist):
        weight += n
        if weight == 0:
            continue
        rest = total - weight
        if rest == 0:
            break
        acc += i * n
        m0 = acc / weight
        m1 = (sum_all - acc) / rest
        between = weight * rest * (m0 - m1) ** 2
        if between > best:
            best, level = between, i
    return level


def dhash(thumb: Image.Image) -> int:
    """64-bit difference hash: is each of 8x8 cells brighter than its right neighbour."""
    grey = thumb if thumb.mode == "L" else thumb.convert("L")  # convert("L") of an L image: a copy
    small = grey.resize((9, 8), Image.Resampling.BOX)
    return _brighter_bits(small.tobytes())


def _brighter_bits(cells: bytes) -> int:
    """The hash of 9x8 grey cells: row by row, each cell against its right neighbour, the
    b"\x00\x01..." of the comparisons read as a binary number."""
    return int(bytes(map(operator.gt, _LEFT_CELLS(cells), _RIGHT_CELLS(cells))).translate(_AS_DIGITS), 2)


_LEFT_CELLS = operator.itemgetter(*(y * 9 + x for y in range(8) for x in range(8)))
_RIGHT_CELLS = operator.itemgetter(*(y * 9 + x + 1 for y in range(8) for x in range(8)))
_AS_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


def colours(thumb: Image.Image) -> bytes:
    return thumb.convert("RGB").resize((2, 2), Image.Resampling.BOX).tobytes()


def hash_distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def same_picture(a: tuple[int, bytes], b: tuple[int, bytes]) -> bool:
    """(dhash, colour) pairs of two photos: is one a copy of the other (resized, re-encoded)?"""
    if (a[0] ^ b[0]).bit_count() > NEAR_DUPLICATE_BITS:
        return False
    if not a[1] or not b[1]:
        return True
    # A loop that stops at the first colour apart: photos of one layout share their hash, and an
    # import compares thousands of them.
    for x, y in zip(a[1], b[1], strict=True):
        if x - y > NEAR_DUPLICATE_COLOUR or y - x > NEAR_DUPLICATE_COLOUR:
            return False
    return True


def distinct_photos(infos: list[PhotoInfo]) -> int:
    """How many different pictures there are among `infos` (near-duplicates count once)."""
    kept: list[tuple[int, bytes]] = []
    for info in infos:
        key = (info.dhash, info.colour)
        if not any(same_picture(key, k) for k in kept):
            kept.append(key)
    return len(kept)


_FLAT_SPREAD = 3.0  # grey-level spread below which a photo is blank: its hash says nothing


FINGERPRINT_CHARS = 40


def fingerprint(path: Path, st: os.stat_result | None = None) -> str | None:
    """The photo's perceptual hash (16 hex digits of dHash, 24 of average colour), cached while
    the file is unchanged; None for a file that cannot be read or a blank image (every blank image
    hashes alike)."""
    try:
        st = st or path.stat()
    except OSError:
        return None
    key = (str(path), st.st_mtime_ns, st.st_size)
    try:  # one lookup: another thread may drop the entry between a test and a read
        return _prints[key]
    except KeyError:
        pass
    try:
        src = read_photo(path, st, hashed=False)
        # The pixels a check decodes, so that one kept from a check is this value (`check_photo`).
        value = _fingerprint_of(open_photo(src, CHECK_SLOTS, (255, 255, 255)).image)
    except PinbotError:
        value = None
    remember_fingerprint(key, value)
    return value


def check_photo(path: Path, st: os.stat_result | None = None, data: bytes | None = None) -> tuple[int, int]:
    """`loading.check_photo` (the same checks and errors), keeping the photo's fingerprint from the
    same decode: an import checks and fingerprints every photo, and decoding is most of the cost."""
    return check_decoded(path, _keep_fingerprint, st, data)


def _keep_fingerprint(key: tuple[str, int, int], image: Image.Image | None) -> None:
    # The check decodes at `CHECK_SLOTS`, as `fingerprint` does (a JPEG at the same DCT scale,
    # every other format whole): these are the very pixels, so the value is the same.
    if image is not None:
        remember_fingerprint(key, _fingerprint_of(image))


def remember_fingerprint(key: tuple[str, int, int], value: str | None) -> None:
    """Keep the fingerprint of (path, mtime_ns, size), as `fingerprint` does: also for one made in
    another process (`pinbot.render.batch`)."""
    _prints[key] = value
    while len(_prints) > _PRINTS_KEPT:
        _prints.popitem(last=False)


# (path, mtime, size) -> fingerprint, oldest first; an import of 100,000 rows checks every photo
# before it fingerprints any, so this holds as many photos as a big import names.
_prints: OrderedDict[tuple[str, int, int], str | None] = OrderedDict()
_PRINTS_KEPT = 1 << 16


def _fingerprint_of(image: Image.Image) -> str | None:
    """The fingerprint of an upright photo. On Pillow's core images: the wrappers (mode checks,
    info copies, an encoder per tobytes) cost more than these small pixels."""
    thumb = _core_thumbnail(image, 64)
    whole = (0, 0, *thumb.size)
    grey = thumb.convert("L")
    if _blank(grey):
        return None
    # dhash reads grey, colours an RGB thumbnail: the same pixels as `dhash` and `colours`.
    cells = bytes(grey.resize((9, 8), Image.Resampling.BOX, whole))
    colour = bytes(chain.from_iterable(thumb.resize((2, 2), Image.Resampling.BOX, whole)))
    return f"{_brighter_bits(cells):016x}{colour.hex()}"


def _core_thumbnail(image: Image.Image, side: int) -> Any:
    """`_thumbnail(image, side).im`; for L or RGB shrunk less than 4x (no reduce() step), the
    single resize `Image.resize` makes, without its wrapper."""
    w, h = image.size
    scale, size = _thumbnail_size(w, h, side)
    if image.mode not in ("L", "RGB") or not (scale < 1 and 1 < w / size[0] < 4 and 1 < h / size[1] < 4):
        return _thumbnail(image, side).im
    pixels = image.im
    thumb = pixels.resize(size, Image.Resampling.BOX, (0, 0, w, h))
    return thumb if thumb.mode == "RGB" else thumb.convert("RGB")


def _blank(grey: Any) -> bool:
    """`_spread(hist) < _FLAT_SPREAD` for a grey image (Pillow's core image), the same answer, most
    often without the exact sums: the pixels in its darkest and brightest thirds alone (nL and nH,
    means at least (b - a) apart) give var >= nL*nH*(b - a)**2 / ((nL + nH) * N), and at 10 or
    more (the threshold squared is 9) the float formula cannot come out below 3 either."""
    hist = grey.histogram()
    lo, hi = grey.getextrema()
    a, b = lo + (hi - lo) // 3, hi - (hi - lo) // 3
    low, high = sum(hist[: a + 1]), sum(hist[b:])
    if b > a and low * high * (b - a) ** 2 >= 10 * (low + high) * sum(hist):
        return False
    return _spread(hist) < _FLAT_SPREAD


def _grey_spread(grey: Image.Image) -> float:
    return _spread(grey.histogram())


def _spread(hist: list[int]) -> float:
    """`ImageStat.Stat(grey).stddev[0]` of a grey image's histogram, the same integer sums and float
    formula, without its per-bin Python loops."""
    count = sum(hist)
    total = sum(map(operator.mul, range(256), hist))
    squares = sum(map(operator.mul, _SQUARES, hist))
    return math.sqrt((squares - total**2 / count) / count)


_SQUARES = [j**2 for j in range(256)]


def parse_fingerprint(value: str) -> tuple[int, bytes] | None:
    try:
        return int(value[:16], 16), bytes.fromhex(value[16:])
    except ValueError:
        return None
