"""A plain PNG (signature, 8-bit grey or RGB header, image data, end) is decoded without Pillow's
Python chunk reader: the pixels, the check's answer, the fingerprint kept from it and every error
are those of the usual way, for files made from real photos, whole, split, cut short or damaged."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from pinbot.errors import ImageError
from pinbot.render import loading, subject
from pinbot.render.plain_png import plain_png_header, plain_png_pixels

REAL = Path(__file__).parent / "data" / "real"
SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        out.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


def _png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    def one(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return SIGNATURE + b"".join(one(kind, body) for kind, body in chunks)


def _photos() -> dict[str, bytes]:
    """Real photos as Pillow writes them, in RGB and grey: plain PNGs."""
    out = {}
    for name in ("photos/pres6.jpg", "photos/CHSDM-1980-31-5MattFlynn.jpg", "images/hopper_orientation_6.jpg"):
        with Image.open(REAL / name) as im:
            im.thumbnail((400, 400))
            for mode in ("RGB", "L"):
                pixels = im.convert(mode)  # without the JPEG's colour profile, which a PNG would keep
                out[f"{Path(name).stem}-{mode}.png"] = _encoded(Image.frombytes(mode, im.size, pixels.tobytes()))
    return out


def _encoded(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


PHOTOS = _photos()


def _split(data: bytes) -> bytes:
    """The image data in three chunks (and an empty one), as some encoders write it."""
    chunks = _chunks(data)
    idat = b"".join(body for kind, body in chunks if kind == b"IDAT")
    third = len(idat) // 3
    parts = [idat[:third], b"", idat[third : 2 * third], idat[2 * third :]]
    return _png([chunks[0], *[(b"IDAT", p) for p in parts], (b"IEND", b"")])


def _variants(data: bytes) -> dict[str, bytes]:
    chunks = _chunks(data)
    ihdr, idat = chunks[0][1], b"".join(body for kind, body in chunks if kind == b"IDAT")
    bad_crc = bytearray(data)
    bad_crc[29] ^= 0xFF
    damaged = bytearray(idat)
    damaged[len(damaged) // 2] ^= 0x55
    return {
        "whole": data,
        "split": _split(data),
        "cut in the data": _png([(b"IHDR", ihdr), (b"IDAT", idat[: len(idat) // 2]), (b"IEND", b"")]),
        "no end chunk": _png([(b"IHDR", ihdr), (b"IDAT", idat)]),
        "cut off": data[: len(data) // 2],
        "damaged data": _png([(b"IHDR", ihdr), (b"IDAT", bytes(damaged)), (b"IEND", b"")]),
        "bad header checksum": bytes(bad_crc),
        "text after the data": _png([(b"IHDR", ihdr), (b"IDAT", idat), (b"tEXt", b"k\x00v"), (b"IEND", b"")]),
        "interlace flag": _png([(b"IHDR", ihdr[:12] + b"\x01"), (b"IDAT", idat), (b"IEND", b"")]),
    }


def _outcome(path: Path) -> tuple[tuple[int, int] | str, str | None]:
    """(the check's answer or its error, the fingerprint kept by the check), from cold caches."""
    loading._checked.clear()
    subject._prints.clear()
    try:
        size: tuple[int, int] | str = subject.check_photo(path)
    except ImageError as exc:
        return str(exc), None
    return size, subject._prints.get((str(path), *_stat(path)))


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_the_same_answers_as_the_usual_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    accepted: list[str] = []
    for label, data in _variants(PHOTOS[name]).items():
        path = tmp_path / f"{label}.png"
        path.write_bytes(data)
        quick = _outcome(path)
        with monkeypatch.context() as m:
            m.setattr(loading, "plain_png_pixels", lambda *a: None)
            usual = _outcome(path)
        assert quick == usual, label
        if plain_png_pixels(data, lambda w, h: True) is not None:
            accepted.append(label)
    # Whole and split files take the quick way (with a fingerprint); none of the others does.
    assert accepted == ["whole", "split"]
    assert isinstance(_outcome(tmp_path / "whole.png")[1], str)


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_the_same_pixels_as_pillow(name: str) -> None:
    data = PHOTOS[name]
    pixels = plain_png_pixels(data, lambda w, h: True)
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        assert pixels is not None and (pixels.mode, pixels.size) == (im.mode, im.size)
        assert Image.Image()._new(pixels).tobytes() == im.tobytes()


def test_only_plain_files_and_sizes_the_caller_accepts() -> None:
    data = PHOTOS["pres6-RGB.png"]
    assert plain_png_pixels(data, lambda w, h: False) is None  # too small, too big: the usual way says so
    others = [_encoded(Image.new(mode, (120, 120))) for mode in ("RGBA", "P", "LA", "I;16")]
    for other in (*others, b"GIF89a" + data[6:], data[:44]):
        assert plain_png_header(other) is None
