"""Small JPEG thumbnails of pins and photos for the HTML report, embedded as data: URIs.

Owns decoding a pin image (rendered pin or product photo, through the same safe loader as the
renderer) down to a thumbnail of a given width, and a cache keyed by the file's path, size and
modification time, so a report over the same pins does not decode the same 1000x1500 image twice.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from PIL import Image

from pinbot.errors import ImageError
from pinbot.render.encode import jpeg_bytes
from pinbot.render.loading import open_photo, read_photo, to_srgb

log = logging.getLogger(__name__)

THUMB_WIDTH = 120
THUMB_QUALITY = 72
WHITE = (255, 255, 255)


def thumbnail_jpeg(path: Path, width: int = THUMB_WIDTH, cache_dir: Path | None = None) -> bytes | None:
    """The image at `path` scaled to `width` px wide (aspect kept, at most 2x as tall) as JPEG bytes,
    or None when the file is missing or not an image (a report never fails for one picture)."""
    try:
        st = path.stat()
    except OSError:
        return None
    key = hashlib.sha256(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{width}".encode()).hexdigest()
    cached = cache_dir / f"{key}.jpg" if cache_dir is not None else None
    if cached is not None and cached.is_file():
        return cached.read_bytes()
    try:
        src = read_photo(path)
        opened = open_photo(src, [((width, width * 2), 1.0)], WHITE)
    except ImageError as exc:
        log.info("no thumbnail for %s: %s", path, exc)
        return None
    im = opened.image
    height = max(1, min(width * 2, round(im.height * width / im.width)))
    small = im.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    data = jpeg_bytes(to_srgb(small, opened.icc), THUMB_QUALITY)
    if cached is not None:
        _write(cached, data)
    return data


def thumbnail_uri(path: Path | None, width: int = THUMB_WIDTH, cache_dir: Path | None = None) -> str | None:
    """A data: URI an <img> can show offline, or None when there is no picture."""
    if path is None:
        return None
    data = thumbnail_jpeg(path, width, cache_dir)
    return f"data:image/jpeg;base64,{base64.b64encode(data).decode('ascii')}" if data else None


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".thumb-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only data folder costs speed, not the report
        log.info("thumbnail cache not written (%s)", exc)
