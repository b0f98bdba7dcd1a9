"""Safe loading of untrusted product photos.

Owns every check between a path and decoded pixels: file size, an allow-list of formats, a pixel
budget below Pillow's own (with its DecompressionBombWarning turned into an error), shape limits,
JPEG draft decoding for big photos, EXIF orientation, the first frame of an animation, and turning
CMYK / palette / alpha / 16-bit / grayscale / ICC-tagged images into plain sRGB. Every failure is
an `ImageError` naming the file and the reason in one line.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import stat
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageCms, UnidentifiedImageError

from pinbot.errors import ImageError
from pinbot.render.draft import ROTATES as _ROTATES
from pinbot.render.draft import draft_size, drafted_size
from pinbot.render.sniff import sniff, unidentified
from pinbot.render.types import CANVAS_H, CANVAS_W, RGB

log = logging.getLogger(__name__)

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP")  # JPEG covers camera MPO files
MAX_FILE_BYTES = 40 * 1024 * 1024
# Formats decoded at full size: 40 MP is 120 MB of RGB, well under Pillow's bomb limit (~89 MP).
MAX_PIXELS = 40_000_000
# A JPEG is decoded at 1/2..1/8 scale (libjpeg DCT scaling) for a 1000x1500 pin, so a 12,000 x
# 12,000 camera or scanner file costs no more memory than a 2,000 px one.
MAX_JPEG_PIXELS = 150_000_000
_SCALED_FORMATS = ("JPEG", "MPO")
MAX_ASPECT = 5.0  # longer side / shorter side
MIN_SIDE = 100
# A photo is checked decoded at these slots: a JPEG at the smallest DCT scale (1/8 for a camera
# photo) with 64 px across. libjpeg's scaling skips only inverse-transform work: every byte is still
# entropy-decoded, so a cut-off or corrupt file is refused with the same reason as at the canvas
# scale (docs/posting-exactly-once.md, untrusted images), for a fraction of the cost;
# `subject.fingerprint` decodes at these slots too, so one decode serves both.
CHECK_SLOTS: list[tuple[tuple[int, int], float]] = [((64, 64), 1.0)]
_CANVAS: list[tuple[tuple[int, int], float]] = [((CANVAS_W, CANVAS_H), 1.0)]

_Keep = Callable[[tuple[str, int, int], "Image.Image | None"], object]  # see check_photo


class PhotoTooSmall(ImageError):
    """Smaller than any pin photo can be: a tracking pixel, an emoji, an icon."""


class UndecodablePhoto(ImageError):
    """The header reads but the pixels do not decode (cut off, corrupt, or a JPEG kind libjpeg
    cannot decode at the scale asked)."""


@dataclass(frozen=True)
class PhotoSource:
    """A photo's bytes, read once: hashed for the cache key and decoded for the render."""

    path: Path
    data: bytes = field(repr=False)
    sha256: str


def read_photo(path: Path, st: os.stat_result | None = None, *, hashed: bool = True) -> PhotoSource:
    """Read a photo file with its size checked first; no decoding yet (`st`: its stat, just taken;
    `hashed`: False when nothing will be cached by its sha256, which then is "")."""
    name = str(path)
    try:
        st = st or path.stat()
    except FileNotFoundError:
        raise ImageError(name, "file not found") from None
    except OSError as exc:
        raise ImageError(name, f"cannot read: {exc.strerror or exc}") from None
    size = st.st_size
    if not stat.S_ISREG(st.st_mode):
        raise ImageError(name, "not a regular file")
    if size == 0:
        raise ImageError(name, "empty file (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise ImageError(name, f"file too large ({size / 1e6:.0f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImageError(name, f"cannot read: {exc.strerror or exc}") from None
    return PhotoSource(path=path, data=data, sha256=hashlib.sha256(data).hexdigest() if hashed else "")


@dataclass
class OpenedPhoto:
    """A photo decoded at (at least) the resolution the layout needs, orientation applied.

    `image` is in one of the working modes L, RGB or CMYK; `icc` is its embedded profile, applied
    only after cropping and resizing (colour management is per pixel, so it is cheaper then).
    """

    path: Path
    image: Image.Image
    icc: bytes | None
    full_size: tuple[int, int] = (0, 0)  # upright size at full resolution (before draft scaling)
    scalable: bool = False  # a JPEG: decoded at a scale chosen from the slots (other slots, other pixels)


def open_photo(src: PhotoSource, slots: list[tuple[tuple[int, int], float]], background: RGB) -> OpenedPhoto:
    """Decode a photo safely. `slots` are the (size, zoom) of every place the photo will fill; big
    JPEGs are decoded at a reduced scale (libjpeg DCT scaling) that still covers all of them."""
    name = str(src.path)
    with warnings.catch_warnings(record=True, action="always") as caught:  # see `_log_warnings`
        im = _open(src)
        scalable = im.format in _SCALED_FORMATS
        stored = im.size  # before any draft scaling
        # A JPEG's EXIF is in its header; for other formats reading EXIF may decode the whole file
        # (a PNG's eXIf chunk can follow the pixels), so it waits until the pixels are loaded:
        # a decode error inside getexif() would be lost and the half-decoded pixels kept.
        orientation = _orientation(im) if scalable else 1
        need = draft_size(stored, orientation, slots) if scalable else None
        if need is not None:
            im.draft(im.mode if im.mode in ("L", "CMYK") else "RGB", need)
        _decode(im, name)
        if not scalable:
            orientation = _orientation(im)
        full = (stored[1], stored[0]) if orientation in _ROTATES else stored
        icc = im.info.get("icc_profile") or None
        out = _working_mode(im, background, name)
    _log_warnings(name, caught)
    if orientation != 1:
        out = _transpose(out, orientation)
    icc = icc if isinstance(icc, bytes) else None
    return OpenedPhoto(src.path, out, icc, full_size=full, scalable=scalable)


def _decode(im: Image.Image, name: str) -> None:
    """Decode the first frame completely, or refuse the file: never keep half-decoded pixels."""
    try:
        im.seek(0)  # first frame of an animation
        im.load()
    except Exception as exc:
        reason = f"cannot decode: the image data is damaged or cut off ({_describe(exc)})"
        raise UndecodablePhoto(name, reason) from None
    width, height = im.size
    if width < 1 or height < 1:
        raise ImageError(name, f"has no pixels ({width}x{height})")


def _log_warnings(name: str, caught: list[warnings.WarningMessage]) -> None:
    """Pillow's UserWarnings (bad EXIF, odd palettes, malformed MPO), recorded while a photo was
    opened, are logged at debug level instead of reaching the owner's terminal; the
    decompression-bomb warning is handled by our own pixel limits in `_open`. (Recorded in a plain
    `catch_warnings` by the caller: a context manager of our own would cost a generator per photo.)"""
    for w in caught:
        if not issubclass(w.category, Image.DecompressionBombWarning):
            log.debug("%s: Pillow warning: %s", name, w.message)


def check_photo(
    path: Path, keep: _Keep | None = None, st: os.stat_result | None = None, data: bytes | None = None
) -> tuple[int, int]:
    """Decode `path` completely and return the size a render decodes it at for the whole canvas.
    Raises ImageError naming the file when no template could render it (damaged, truncated, too
    many pixels, too small, unsupported). Run when a photo is queued or imported. Cached by path,
    size and mtime; `keep` is handed the cache key and the decoded image (at `CHECK_SLOTS`: what
    `subject.fingerprint` decodes; None when only the canvas scale decodes) when decoded; `st` and
    `data`: the file's stat and bytes, when the caller has them."""
    try:
        st = st or path.stat()
    except OSError:
        read_photo(path)  # raises the one-line reason
        raise
    key = (str(path), st.st_mtime_ns, st.st_size)
    size = _checked.get(key)
    if size is None:
        src = read_photo(path, st, hashed=False) if data is None else PhotoSource(path, data, "")
        try:
            opened = open_photo(src, CHECK_SLOTS, (255, 255, 255))
            image: Image.Image | None = opened.image
        except UndecodablePhoto:
            if not src.data.startswith(b"\xff\xd8\xff"):
                raise
            # libjpeg cannot scale a lossless JPEG (SOF3): its scaled decode fails where a decode
            # for the whole canvas, a render's, may pass. That decode decides, as before, in its
            # own words; the fingerprint (which fails to decode too) is left to `fingerprint`.
            opened, image = open_photo(src, _CANVAS, (255, 255, 255)), None
        # A JPEG decoded smaller: the size a render for the largest slot, the whole canvas,
        # decodes it at (from its header, as Pillow drafts it).
        scaled = opened.scalable and image is not None
        size = drafted_size(opened.full_size, _CANVAS) if scaled else opened.image.size
        remember_check(key, size)
        if keep is not None:
            keep(key, image)
    return size


def is_checked(path: Path, st: os.stat_result) -> bool:
    """Has `check_photo` passed this file (as it is now) already?"""
    return (str(path), st.st_mtime_ns, st.st_size) in _checked


def remember_check(key: tuple[str, int, int], size: tuple[int, int]) -> None:
    """Keep a passed check of (path, mtime_ns, size) as `check_photo` does: for one made in another
    process (an import checks many photos in worker processes: `pinbot.render.batch`)."""
    _checked[key] = size
    while len(_checked) > _CHECKED_KEPT:
        _checked.popitem(last=False)


# (path, mtime, size) -> decoded size, oldest first; as many as an import's read-ahead checks at once.
_checked: OrderedDict[tuple[str, int, int], tuple[int, int]] = OrderedDict()
_CHECKED_KEPT = 1 << 12


def _open(src: PhotoSource) -> Image.Image:
    name = str(src.path)
    reason = sniff(src.data)
    if reason:
        raise ImageError(name, reason)
    register_formats()
    try:
        im = Image.open(io.BytesIO(src.data), formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError:
        raise ImageError(name, "too many pixels (possible decompression bomb)") from None
    except UnidentifiedImageError:
        raise ImageError(name, unidentified(src.data)) from None
    except Exception as exc:
        if "Decompressed data too large" in str(exc):  # a PNG text chunk that inflates to gigabytes
            raise ImageError(name, "too much compressed text in the file (possible decompression bomb)") from None
        raise ImageError(name, f"cannot read image header ({_describe(exc)})") from None
    w, h = im.size
    limit = MAX_JPEG_PIXELS if im.format in _SCALED_FORMATS else MAX_PIXELS
    if w * h > limit:
        im.close()
        hint = "" if im.format in _SCALED_FORMATS else "; save it as JPEG or scale it down"
        raise ImageError(
            name,
            f"too many pixels for a {im.format} ({w}x{h} = {w * h / 1e6:.0f} MP; "
            f"the limit is {limit // 1_000_000} MP{hint}; possible decompression bomb)",
        )
    if min(w, h) < 1:
        im.close()
        raise ImageError(name, f"has no pixels ({w}x{h})")
    if min(w, h) < MIN_SIDE:
        im.close()
        raise PhotoTooSmall(name, f"too small ({w}x{h} px; use at least {MIN_SIDE} px on the short side)")
    if max(w, h) / min(w, h) > MAX_ASPECT:
        im.close()
        raise ImageError(name, f"absurd shape ({w}x{h} px; a pin photo needs an aspect ratio under {MAX_ASPECT:g}:1)")
    return im


@cache
def register_formats() -> None:
    """Register the allowed formats' plugins with Pillow (its own start registers BMP, GIF, JPEG,
    PPM and PNG), so that `Image.open(..., formats=ALLOWED_FORMATS)` finds each of them without
    calling `Image.init()`: that imports all ~45 plugins, tens of ms a process for formats never
    opened. (The JPEG plugin imports MPO's itself when a file is one.)"""
    # Importing a plugin registers it: the names themselves are not needed.
    from PIL import BmpImagePlugin, GifImagePlugin, JpegImagePlugin, PngImagePlugin, TiffImagePlugin, WebPImagePlugin

    del BmpImagePlugin, GifImagePlugin, JpegImagePlugin, PngImagePlugin, TiffImagePlugin, WebPImagePlugin


def photo_size(path: Path) -> tuple[int, int] | None:
    """A photo's upright size from its header alone (no decoding); None when it cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                w, h = im.size
                return (h, w) if _orientation(im) in _ROTATES else (w, h)
    except Exception:
        return None


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:
        return 1  # a broken EXIF block is not worth refusing the photo for
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


_TRANSPOSES = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def _transpose(im: Image.Image, orientation: int) -> Image.Image:
    for method in _TRANSPOSES[orientation]:
        im = im.transpose(method)
    return im


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, Image.DecompressionBombWarning | Image.DecompressionBombError):
        return "too many pixels"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _working_mode(im: Image.Image, background: RGB, name: str) -> Image.Image:
    """L, RGB or CMYK, with transparency flattened onto `background` and deep images scaled to 8 bits."""
    mode = im.mode
    if mode in ("L", "RGB", "CMYK"):
        return im
    try:
        if mode == "1":
            return im.convert("L")
        if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
            return _to_8bit(im)
        if mode == "P":
            im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        elif mode in ("PA", "LA", "La", "RGBa"):
            im = im.convert("RGBA")
        elif mode in ("YCbCr", "LAB", "HSV", "RGBX"):
            return im.convert("RGB")
        if im.mode == "RGBA":
            flat = Image.new("RGB", im.size, background)
            flat.paste(im, (0, 0), im)
            return flat
        return im.convert("RGB")
    except Exception as exc:
        raise ImageError(name, f"unsupported colour mode {mode} ({_describe(exc)})") from None


def _to_8bit(im: Image.Image) -> Image.Image:
    """Stretch a 16/32-bit grayscale image's actual range to 0..255 (12-bit scans use 0..4095)."""
    wide = im.convert("F") if im.mode == "F" else im.convert("I")
    lo, hi = wide.getextrema()
    lo_f, hi_f = float(lo), float(hi)  # type: ignore[arg-type]
    if hi_f <= lo_f:
        return Image.new("L", im.size, 0 if hi_f <= 0 else 255)
    if lo_f >= 0 and hi_f <= 255:
        lo_f, hi_f = 0.0, 255.0
    scale = 255.0 / (hi_f - lo_f)
    stretched = wide.convert("F").point(lambda v: (v - lo_f) * scale)  # type: ignore[arg-type, operator]
    return stretched.convert("L")


_SRGB = ImageCms.createProfile("sRGB")


def to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Apply the embedded colour profile (when it is not sRGB already) and return RGB pixels."""
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            desc = (ImageCms.getProfileDescription(profile) or "").lower()
            if not (im.mode == "RGB" and "srgb" in desc):
                out = ImageCms.profileToProfile(im, profile, _SRGB, outputMode="RGB")
                if out is not None:
                    return out
        except Exception as exc:  # a broken profile: fall back to the plain conversion
            log.debug("ignoring unusable ICC profile: %s", exc)
    return im if im.mode == "RGB" else im.convert("RGB")


def load_logo(path: Path, box: tuple[int, int]) -> Image.Image:
    """The brand logo as RGBA, scaled to fit `box` (same checks as a photo; alpha kept)."""
    stat_key = path.stat().st_mtime_ns if path.exists() else 0
    return _load_logo(str(path), stat_key, box).copy()


@lru_cache(maxsize=32)
def _load_logo(path: str, _mtime_ns: int, box: tuple[int, int]) -> Image.Image:
    src = read_photo(Path(path))
    with warnings.catch_warnings(record=True, action="always") as caught:
        im = _open(src)
        _decode(im, path)
        logo = im.convert("RGBA")
    _log_warnings(path, caught)
    scale = min(box[0] / logo.width, box[1] / logo.height)
    size = (max(1, round(logo.width * scale)), max(1, round(logo.height * scale)))
    return logo.resize(size, Image.Resampling.LANCZOS)
