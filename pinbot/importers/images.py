"""Product photos for importers: a local path is checked, a URL is downloaded into the data dir.

Owns `ImageStore`: downloads land in `<data_dir>/photos/<sha256>.<ext>` (content-addressed, so
the same photo is stored once; written to a temp file, then `os.replace`d, so a crash never leaves
half a photo under the final name). A small URL index (`photos/.by-url/`) remembers what each URL
gave, so a re-import does not download every photo again. Every failure is an `ImageFailed` with
the URL and the reason; the importer turns it into an error on that row and goes on. A host that
does not answer at all is tried once per import: offline, an export with 200 photo URLs gives one
line and a count (`unreachable_notes`), not 200 lines and 200 waits.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from pinbot.errors import InvalidInput
from pinbot.importers.fetch import Fetch, FetchError, UrllibFetch, is_url
from pinbot.render import PhotoTooSmall
from pinbot.shop.validation import check_image_path
from pinbot.words import plural

MAX_IMAGE_BYTES = 20 * 1024 * 1024  # Pinterest's own limit for a pin image
# What a server may call a photo; the bytes are checked for a real image signature afterwards.
_IMAGE_TYPES = ("image/", "application/octet-stream", "binary/octet-stream")


SOURCES = ".source"  # photos/.source/<name>: the URL a downloaded photo came from, for messages


def source_url(path: Path) -> str | None:
    """The URL a downloaded photo came from, when an import downloaded it."""
    try:
        return (path.parent / SOURCES / path.name).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


class ImageFailed(Exception):
    """`str()` names the image (URL or path) and the reason. `too_small`: a tracking pixel, an
    emoji or an icon rather than a photo (a feed skips those quietly)."""

    def __init__(self, message: str, *, too_small: bool = False, again: bool = False) -> None:
        super().__init__(message)
        self.too_small = too_small
        self.again = again  # its host already failed to answer: counted in `unreachable_notes`, no line of its own


def _extension(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tif"
    if head[:2] == b"BM":
        return "bmp"
    return None


class ImageStore:
    """Turns the image references of an import (URLs or paths) into checked local paths.

    `download=False` (the CLI's `--no-download`) resolves local paths only; URLs then yield None
    and the importer leaves the product's current photos as they are.
    """

    def __init__(
        self,
        photos_dir: Path,
        fetch: Fetch | None = None,
        *,
        download: bool = True,
        max_bytes: int = MAX_IMAGE_BYTES,
    ) -> None:
        self.photos_dir = photos_dir
        self.fetch: Fetch = fetch or UrllibFetch()
        self.download = download
        self.max_bytes = max_bytes
        self.downloaded = 0  # photos fetched in this run (not served from the URL index)
        self._seen: dict[str, str | ImageFailed] = {}
        self._unreachable: dict[str, int] = {}  # host that did not answer -> photos skipped since

    def resolve(self, ref: str, base: Path | None = None) -> str | None:
        """A checked local path for `ref`, None for a URL when downloads are off; `ImageFailed` otherwise."""
        ref = ref.strip()
        if is_url(ref) and not self.download:
            return None
        cached = self._seen.get(ref)
        if cached is None:
            try:
                cached = self._download(ref) if is_url(ref) else self._local(ref, base)
            except ImageFailed as exc:
                cached = exc
            self._seen[ref] = cached
        if isinstance(cached, ImageFailed):
            raise cached
        return cached

    def unreachable_notes(self) -> list[str]:
        """One line per host that did not answer, with the photos not even tried because of it."""
        return [
            f"{plural(n, 'more photo')} from {host} not downloaded: {host} did not answer; "
            "import again when it does (products are updated, never duplicated)"
            for host, n in self._unreachable.items()
            if n
        ]

    def _local(self, ref: str, base: Path | None) -> str:
        if "://" in ref:
            raise ImageFailed(f"{ref}: only http(s) URLs or local paths are supported")
        try:
            return str(check_image_path(ref, base=base))
        except InvalidInput as exc:
            raise ImageFailed(exc.reason, too_small=isinstance(exc.__cause__, PhotoTooSmall)) from None

    def _index_file(self, url: str) -> Path:
        return self.photos_dir / ".by-url" / hashlib.sha256(url.encode()).hexdigest()

    def _download(self, url: str) -> str:
        index = self._index_file(url)
        if index.is_file():
            known = self.photos_dir / index.read_text(encoding="utf-8").strip()
            if known.is_file():
                return str(known.resolve())
        host = urlsplit(url).hostname or url
        if host in self._unreachable:
            self._unreachable[host] += 1
            raise ImageFailed(f"{url}: {host} did not answer earlier in this import", again=True)
        try:
            got = self.fetch(url, max_bytes=self.max_bytes)
        except FetchError as exc:
            if exc.unreachable:
                self._unreachable[host] = 0
            raise ImageFailed(f"{url}: {exc}") from None
        if not got.content_type.startswith(_IMAGE_TYPES):
            raise ImageFailed(f"{url}: the server sent {got.content_type or 'no content type'}, not an image")
        if len(got.data) > self.max_bytes:
            raise ImageFailed(f"{url}: larger than the {self.max_bytes // (1024 * 1024)} MB limit")
        ext = _extension(got.data[:16])
        if ext is None:
            raise ImageFailed(f"{url}: not a JPEG, PNG, WebP, GIF, TIFF or BMP image")
        name = f"{hashlib.sha256(got.data).hexdigest()}.{ext}"
        target = self.photos_dir / name
        if not target.is_file():
            _write_atomically(target, got.data)
        _write_atomically(index, name.encode())
        _write_atomically(self.photos_dir / SOURCES / name, url.encode())
        self.downloaded += 1
        try:
            return str(check_image_path(str(target)))
        except InvalidInput as exc:
            too_small = isinstance(exc.__cause__, PhotoTooSmall)
            raise ImageFailed(f"{url}: {exc.reason}", too_small=too_small) from None


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
