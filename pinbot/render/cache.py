"""Content-addressed render cache: the file name is the sha256 of everything that shapes the
image (request fields, photo bytes, template file, brand kit files, renderer version), so a hit
returns at once and a crash mid-write never leaves a half file under a real name.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from PIL import __version__ as PIL_VERSION
from PIL import features

from pinbot.render.api import render_sources
from pinbot.render.brand import load_brand
from pinbot.render.loading import PhotoSource, read_photo
from pinbot.render.template_file import load_template
from pinbot.render.types import RenderRequest
from pinbot.render.variants import resolve_variant

# Bump when a change to the renderer changes its output for the same inputs.
RENDERER_VERSION = "3"


def cache_key(req: RenderRequest, assets_dir: Path, sources: tuple[PhotoSource, ...]) -> str:
    brand = load_brand(assets_dir)
    tpl = load_template(assets_dir, req.template)
    payload = {
        "renderer": RENDERER_VERSION,
        "pillow": PIL_VERSION,
        "raqm": bool(features.check("raqm")),
        "template": [tpl.name, tpl.sha256],
        "brand": [[p.name, _file_sha(str(p), *_stat(p))] for p in brand.files],
        "request": {
            "title": req.title,
            "headline": req.headline,
            "subtitle": req.subtitle,
            "price": req.price,
            "badge": req.badge,
            "site_name": req.site_name,
            # The resolved look: no variant, the bare template name and its default id are one image.
            "variant": resolve_variant(req, tpl).id,
        },
        "photos": [s.sha256 for s in sources],
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


@lru_cache(maxsize=64)
def _file_sha(path: str, _mtime_ns: int, _size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cached_path(cache_dir: Path, key: str) -> Path | None:
    for ext in ("jpg", "png"):
        candidate = cache_dir / f"{key}.{ext}"
        if candidate.is_file() and candidate.stat().st_size > 0:
            return candidate
    return None


def render_to_cache(req: RenderRequest, assets_dir: Path, cache_dir: Path) -> Path:
    """The path of the rendered pin in `cache_dir`, rendering it only on a miss."""
    sources = tuple(read_photo(p) for p in req.photos)
    key = cache_key(req, assets_dir, sources)
    hit = cached_path(cache_dir, key)
    if hit is not None:
        return hit
    rendered = render_sources(req, assets_dir, sources)
    target = cache_dir / f"{key}.{rendered.extension}"
    if rendered.notes:  # written first: an image in the cache always has its notes beside it
        write_atomic(notes_path(target), "\n".join(rendered.notes).encode("utf-8"))
    write_atomic(target, rendered.data)
    return target


def notes_path(image: Path) -> Path:
    return image.with_suffix(".notes.txt")


def cached_notes(image: Path) -> list[str]:
    """What the render of a cached image noted (text left out or shortened); [] for none."""
    try:
        return [line for line in notes_path(image).read_text("utf-8").splitlines() if line]
    except OSError:
        return []


def write_atomic(target: Path, data: bytes) -> None:
    """temp file in the same folder, fsync, rename over, fsync the folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
