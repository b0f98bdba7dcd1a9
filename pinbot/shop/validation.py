"""Field rules for a pin, as Pinterest enforces them (see docs/pinterest-api.md), checked before
anything is written. Each failure is an `InvalidInput` naming the field (and row, for files).
Service helper: imports errors and the renderer's photo check only.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pinbot.errors import ImageError, InvalidInput

TITLE_MAX = 100
DESCRIPTION_MAX = 800
LINK_MAX = 2048
ALT_TEXT_MAX = 500
HEADLINE_MAX = 100  # the big text on a pin (about 40 characters read best)
BADGE_MAX = 24  # NEW, SALE, HANDMADE ...
IMAGE_MAX_BYTES = 50 * 1024 * 1024  # a product photo; rendered pins are far smaller
# Control characters (all but tab and newline), DEL and the C1 range (U+0085 next line, U+009B a
# terminal escape), and the bidi overrides/isolates that can make text read backwards.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile("[\n\t\u2028\u2029]")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2200  # far outside this, date arithmetic overflows
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp")


def check_text(
    field: str,
    value: str,
    limit: int,
    *,
    required: bool = False,
    row: int | None = None,
    source: str = "",
    single_line: bool = False,
) -> str:
    """`single_line`: a title, where a line break or tab has no place either."""
    value = value.strip()
    if required and not value:
        raise InvalidInput(field, "is required", row=row, source=source)
    if len(value) > limit:
        raise InvalidInput(
            field, f"is {len(value)} characters; Pinterest allows at most {limit}", row=row, source=source
        )
    bad = _CONTROL.search(value) or (_LINE_BREAK.search(value) if single_line else None)
    if bad:
        char = bad.group()
        what = "a line break or tab" if _LINE_BREAK.match(char) else "a control or text-direction character"
        raise InvalidInput(
            field, f"contains {what} (U+{ord(char):04X}); remove it and try again", row=row, source=source
        )
    return value


def check_link(value: str, *, required: bool = False, row: int | None = None, source: str = "") -> str:
    value = check_text("link", value, LINK_MAX, required=required, row=row, source=source)
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("link", f"must be an http(s) URL, got {value[:60]!r}", row=row, source=source)
    if len(value.split(maxsplit=1)) > 1:  # a space inside (it was stripped): as any(c.isspace() ...)
        raise InvalidInput("link", "contains a space; write it as %20 or remove it", row=row, source=source)
    if parts.username is not None or parts.password is not None:
        # A public pin would publish the user name and password to everyone.
        raise InvalidInput(
            "link", "contains a user name or password (user:pw@); remove them from the link", row=row, source=source
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port outside 0..65535
    except ValueError:
        raise InvalidInput("link", "has an invalid port number (1 to 65535)", row=row, source=source) from None
    return value


def check_image_path(
    value: str,
    *,
    base: Path | None = None,
    row: int | None = None,
    source: str = "",
    keep_fingerprint: bool = False,
) -> Path:
    """The photo must exist, be a regular non-empty file of sane size, and decode completely the
    way the renderer will decode it (damaged, truncated, bomb, zero-size and unsupported files are
    refused here, in one line naming the file), so that a bad photo never reaches a render.
    `keep_fingerprint`: the photo is about to be queued; its fingerprint is kept from the same
    decode (`pinbot.render.subject.check_photo`).
    """
    ahead = _checked_ahead.get((value, base))
    if ahead is not None:
        return ahead
    return check_image(value, base=base, row=row, source=source, keep_fingerprint=keep_fingerprint)[0]


def remember_checked(value: str, base: Path | None, path: Path) -> None:
    """`check_image_path(value, base=base)` passed in another process (an import's photo-check
    workers, `pinbot.queue.photo_check`), with `path` as its answer: the same call here gives it."""
    _checked_ahead[(value, base)] = path


def forget_checked(value: str, base: Path | None) -> None:
    _checked_ahead.pop((value, base), None)


_checked_ahead: dict[tuple[str, Path | None], Path] = {}


def check_image(
    value: str,
    *,
    base: Path | None = None,
    row: int | None = None,
    source: str = "",
    keep_fingerprint: bool = False,
) -> tuple[Path, os.stat_result, tuple[int, int]]:
    """`check_image_path`, made here, with the file's stat and its decoded size."""
    if not value.strip():
        raise InvalidInput("image", "is required", row=row, source=source)
    path = image_file(value, base)
    try:  # one stat, handed on to the photo check (an import checks 10,000 photos)
        st: os.stat_result | None = path.stat()
    except OSError as exc:
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            raise  # as Path.is_file() does
        st = None
    except ValueError:  # a NUL in the name
        st = None
    if st is None or not stat.S_ISREG(st.st_mode):
        if st is not None and stat.S_ISDIR(st.st_mode):
            reason = "is a folder, not an image file"
        elif st is not None:
            reason = "is not a regular file (a device, pipe or socket); give the photo's file"
        else:
            reason = "no such file"
        raise InvalidInput("image", f"{value}: {reason}", row=row, source=source)
    size = st.st_size
    if size == 0:
        raise InvalidInput("image", f"{value}: the file is empty", row=row, source=source)
    if size > IMAGE_MAX_BYTES:
        raise InvalidInput(
            "image",
            f"{value}: {size // (1024 * 1024)} MB is over the {IMAGE_MAX_BYTES // (1024 * 1024)} MB limit",
            row=row,
            source=source,
        )
    # Pillow and the renderer: only when a photo is checked (`import a.b as c`: no fromlist work).
    import pinbot.render.loading as loading
    import pinbot.render.subject as subject

    # Not resolve(): following links costs syscalls per path part, per row. The path the pin will
    # name: a fingerprint kept is found under it.
    named = path.absolute()
    # A photo about to be decoded is read once, here: its first bytes say whether it is an image.
    whole = size <= loading.MAX_FILE_BYTES and not loading.is_checked(named, st)
    data = _read(path, whole, size, loading.MAX_FILE_BYTES + 1)
    if len(data) > loading.MAX_FILE_BYTES:  # it grew past the limit since its stat
        limit = loading.MAX_FILE_BYTES // 2**20
        raise InvalidInput("image", f"{value}: file too large (the limit is {limit} MB)", row=row, source=source)
    if not _looks_like_image(data[:16]):
        raise InvalidInput("image", f"{value}: not a JPEG, PNG, WebP, GIF, TIFF or BMP image", row=row, source=source)
    try:
        if keep_fingerprint:
            decoded = subject.check_photo(named, st, data if whole else None)
        else:
            decoded = loading.check_photo(named, st=st, data=data if whole else None)
    except ImageError as exc:
        # `from exc`: callers may ask what kind of problem it was (a tracking pixel is no photo).
        raise InvalidInput("image", f"{value}: {exc.reason}", row=row, source=source) from exc
    return named, st, decoded


def image_file(value: str, base: Path | None = None) -> Path:
    """The file an image cell names: `~` expanded, a relative path taken from `base`."""
    text = value.strip()
    if base is not None and "~" not in text:
        return base / text  # as below: nothing to expand, and base / an absolute path is that path
    path = Path(text).expanduser()
    return base / path if base is not None and not path.is_absolute() else path


def _read(path: Path, whole: bool, size: int, limit: int) -> bytes:
    """All of the file up to `limit` bytes (`size`: its size when last seen; read on to the end
    whatever it is now), or its first 16 bytes; in os-level calls, as an import reads 10,000 photos."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        if not whole:
            return os.read(fd, 16)
        parts = [os.read(fd, min(size + 1, limit))]
        got = len(parts[0])
        while parts[-1] and got < limit and (chunk := os.read(fd, min(1 << 20, limit - got))):
            parts.append(chunk)
            got += len(chunk)
        return parts[0] if len(parts) == 1 else b"".join(parts)
    finally:
        os.close(fd)


def _looks_like_image(head: bytes) -> bool:
    return (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or head[:6] in (b"GIF87a", b"GIF89a")
        or head[:4] in (b"II*\x00", b"MM\x00*")
        or head[:2] == b"BM"
    )


def parse_when(value: str, tz: ZoneInfo, *, field: str = "at", row: int | None = None, source: str = "") -> datetime:
    """An ISO-8601 time; without an offset it is read in the shop's timezone. Returns UTC."""
    text = value.strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise InvalidInput(
            field, f"not an ISO-8601 time: {value!r} (e.g. 2026-12-01T18:30)", row=row, source=source
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    try:
        utc = when.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        utc = None
    if utc is None or not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
        raise InvalidInput(
            field, f"{value!r} is not a plausible time (years {EARLIEST_YEAR} to {LATEST_YEAR})", row=row, source=source
        )
    return utc
