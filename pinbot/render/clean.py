"""A photo posted as it is (a board without a template) still goes through the renderer's gate:
safe loading (size, format allow-list, pixel budget and bomb checks, orientation) and a fresh
JPEG encode in sRGB, so no metadata leaves the machine (GPS position, camera make, owner name,
thumbnails) and every upload is a JPEG Pinterest takes, whatever the photo's format was.
Cached by the photo's bytes like any render.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image

from pinbot.render.cache import RENDERER_VERSION, cached_path, write_atomic
from pinbot.render.encode import encode
from pinbot.render.loading import open_photo, read_photo, to_srgb

MAX_SIDE = 2400  # Pinterest shows pins at most ~1000 px wide; more only makes the upload heavier
WHITE = (255, 255, 255)


def clean_photo(path: Path, cache_dir: Path) -> Path:
    """The photo re-encoded without metadata, in `cache_dir` (ImageError when it is unsafe)."""
    src = read_photo(path)
    key = hashlib.sha256(f"clean-photo:{RENDERER_VERSION}:{MAX_SIDE}:{src.sha256}".encode()).hexdigest()
    hit = cached_path(cache_dir, key)
    if hit is not None:
        return hit
    opened = open_photo(src, [], WHITE)
    image = to_srgb(opened.image, opened.icc)
    # Pillow writes a decoded JPEG's comment (and PNG text) back out from `info`: start clean.
    image = image.copy()
    image.info = {}
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A PNG source (a graphic, text) stays PNG when that is small enough; photos become JPEG.
    rendered = encode(image, sharp=src.data.startswith(b"\x89PNG"))
    target = cache_dir / f"{key}.{rendered.extension}"
    write_atomic(target, rendered.data)
    return target
