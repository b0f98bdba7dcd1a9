"""A JPEG is checked from one decode at the fingerprint's DCT scale (1/8 for a camera photo)
instead of the scale a render of the whole canvas decodes it at (1/2 or whole). libjpeg's scaling
still entropy-decodes every byte, so a cut-off or corrupt file must be refused there too, with the
same one-line reason: shown here on genuinely damaged files (tests/data/odd-jpeg/README.md) and on
copies of real photos cut off and corrupted the ways a download or a disk does it, compared with
the canvas-scale decode the check made before.
"""

from __future__ import annotations

import io
import random
import shutil
from pathlib import Path

import pytest
from PIL import Image

from pinbot.errors import ImageError
from pinbot.render import loading, subject
from pinbot.render.draft import ROTATES, draft_size, drafted_size
from pinbot.render.types import CANVAS_H, CANVAS_W

DATA = Path(__file__).parent / "data"
ODD = DATA / "odd-jpeg"
REAL = DATA / "real"
CANVAS = [((CANVAS_W, CANVAS_H), 1.0)]  # what the check decoded at before: the whole canvas
DAMAGED = "cannot decode: the image data is damaged or cut off"


def _jpegs() -> list[Path]:
    return sorted(p for p in [*ODD.iterdir(), *REAL.rglob("*")] if p.suffix in (".jpg", ".mpo"))


def _decoded(data: bytes, slots: list[tuple[tuple[int, int], float]]) -> tuple[int, int] | str:
    """The decoded size, or the one-line reason the decode refuses the file."""
    try:
        return loading.open_photo(loading.PhotoSource(Path("photo.jpg"), data, ""), slots, (255, 255, 255)).image.size
    except ImageError as exc:
        return exc.reason


def _checked(path: Path) -> tuple[tuple[int, int] | str, str | None]:
    """`loading.check_photo` of a fresh copy's answer (size or reason), and the fingerprint the
    check kept ("none kept" when it kept none)."""
    try:
        size: tuple[int, int] | str = subject.check_photo(path)
    except ImageError as exc:
        size = exc.reason
    st = path.stat()
    return size, subject._prints.get((str(path), st.st_mtime_ns, st.st_size), "none kept")


@pytest.mark.parametrize("path", _jpegs(), ids=lambda p: p.name)
def test_the_check_answers_as_the_canvas_decode_did(path: Path, tmp_path: Path) -> None:
    """Every real JPEG and MPO: the same size or reason as the canvas-scale decode, and a kept
    fingerprint that is the one `fingerprint` makes on its own."""
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    data = path.read_bytes()
    before = _decoded(data, CANVAS)
    got, kept = _checked(copy)
    assert got == before
    alone = tmp_path / f"alone-{path.name}"
    shutil.copyfile(path, alone)
    if isinstance(got, tuple) and kept != "none kept":
        assert subject.fingerprint(alone) == kept
    elif isinstance(got, tuple):  # nothing kept: only the lossless JPEG, which has no fingerprint
        assert path.name == "jpeg_lossless_sel1-8bit.jpg"
        assert subject.fingerprint(alone) is None


def test_the_damaged_files_are_refused_at_the_reduced_scale_itself() -> None:
    """The genuinely damaged files, decoded at the check's scale with no fallback: refused, in the
    canvas decode's words, also where the canvas decode is at another scale."""
    refused = {}
    for path in _jpegs():
        data = path.read_bytes()
        canvas, scaled = _decoded(data, CANVAS), _decoded(data, loading.CHECK_SLOTS)
        if path.name == "jpeg_lossless_sel1-8bit.jpg":  # libjpeg cannot scale a lossless JPEG
            assert canvas == (512, 512) and isinstance(scaled, str) and scaled.startswith(DAMAGED)
            continue
        assert isinstance(canvas, str) == isinstance(scaled, str), path.name
        if isinstance(canvas, str):
            assert scaled == canvas, path.name
            refused[path.name] = canvas
    assert refused == {
        "f8e19feecd246156b5d7e79efc455e99.jpg": DAMAGED + " (OSError: image file is truncated (0 bytes not processed))",
        "32d08f4a5eb10332506ebedbb9bc7257.jpg": DAMAGED + " (OSError: image file is truncated (4 bytes not processed))",
        "40bb78b1ac031125a6d8466b374962a8.jpg": DAMAGED + " (OSError: broken data stream when reading image file)",
        "c3018ebe53d0046eecb58858ca869a99.jpg": DAMAGED + " (OSError: image file is truncated (0 bytes not processed))",
        "derive-huffman-codes-overflow.jpg": DAMAGED + " (OSError: broken data stream when reading image file)",
        "truncated_jpeg.jpg": DAMAGED + " (OSError: image file is truncated (8 bytes not processed))",
        "ultrahdr.jpg": DAMAGED + " (OSError: image file is truncated (0 bytes not processed))",
        "exif_gps.jpg": "too small (8x8 px; use at least 100 px on the short side)",
        "icc-after-SOF.jpg": "too small (10x10 px; use at least 100 px on the short side)",
    }
    # The canvas decode was at another scale than the check's for the real-size ones.
    for name in ("f8e19feecd246156b5d7e79efc455e99.jpg", "32d08f4a5eb10332506ebedbb9bc7257.jpg", "ultrahdr.jpg"):
        with Image.open(ODD / name if (ODD / name).exists() else REAL / "images" / name) as im:
            assert draft_size(im.size, 1, loading.CHECK_SLOTS) != draft_size(im.size, 1, CANVAS)


def _damaged_copies(data: bytes, rng: random.Random) -> list[bytes]:
    """Cut off at points through the file (an interrupted download or copy), and with bytes of the
    image data overwritten (a bad sector, a flipped bit)."""
    size = len(data)
    cuts = [data[: size * k // 14] for k in range(1, 14)] + [data[:-1], data[:-2], data[:-700]]
    spots = [rng.randrange(size // 10, size - 2) for _ in range(10)]
    changed = [data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :] for i in spots[:6]]
    changed += [data[:i] + bytes(256) + data[i + 256 :] for i in spots[6:]]
    return cuts + changed


REAL_PHOTOS = [
    REAL / "photos" / "pres6.jpg",  # a potter's photo: canvas decode whole, check at 1/8
    REAL / "photos" / "CHSDM-1980-31-5MattFlynn.jpg",  # EXIF and ICC
    REAL / "images" / "sugarshack.mpo",  # a camera's MPO
    ODD / "extraneous-bytes-after-sos.jpg",  # a real-size scan, 1744x2464
    ODD / "testimgari.jpg",  # arithmetic-coded
]


@pytest.mark.parametrize("path", REAL_PHOTOS, ids=lambda p: p.name)
def test_cut_and_corrupted_photos_are_refused_at_the_reduced_scale(path: Path) -> None:
    rng = random.Random(path.name)
    answers = []
    for copy in _damaged_copies(path.read_bytes(), rng):
        canvas, scaled = _decoded(copy, CANVAS), _decoded(copy, loading.CHECK_SLOTS)
        if isinstance(canvas, str):  # refused: at the check's scale too, in the same words
            assert scaled == canvas
        else:  # passed: at the check's scale too (where only the size differs)
            assert isinstance(scaled, tuple)
        answers.append(canvas)
    # Most copies are refused while decoding (a cut in an MPO's second picture or in a header
    # segment is not), and some still decode (a flipped bit in the image data often does).
    assert sum(isinstance(a, str) and a.startswith(DAMAGED) for a in answers) >= 6
    assert any(isinstance(a, tuple) for a in answers)


def _with_size(data: bytes, width: int, height: int) -> bytes:
    """A JPEG's bytes with the size in its frame header replaced (what Image.open reads)."""
    at = next(i for i in range(2, len(data) - 9) if data[i] == 0xFF and data[i + 1] in (0xC0, 0xC1, 0xC2))
    return data[: at + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + data[at + 9 :]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # headers only: no pixels
def test_the_size_reported_is_the_canvas_decodes_from_the_header() -> None:
    """`drafted_size` (no decoding) says what Pillow's draft for the whole canvas makes of every
    size, turned by EXIF or not: the size `check_photo` reports for a JPEG, as before."""
    rng = random.Random(16)
    upright = REAL / "photos" / "pres6.jpg"
    turned = REAL / "images" / "hopper_orientation_6.jpg"
    sizes = [(rng.randrange(100, 12_000), rng.randrange(100, 12_000)) for _ in range(400)]
    sizes += [(1000, 1500), (2000, 3000), (2001, 3000), (4000, 6000), (3000, 4000), (8000, 12_000)]
    for source in (upright, turned):
        for w, h in sizes:
            with Image.open(io.BytesIO(_with_size(source.read_bytes(), w, h))) as im:
                orientation = im.getexif().get(0x0112, 1)
                need = draft_size(im.size, orientation, CANVAS)
                if need is not None:
                    im.draft("RGB", need)
                got = (im.height, im.width) if orientation in ROTATES else im.size
            full = (h, w) if orientation in ROTATES else (w, h)
            assert drafted_size(full, CANVAS) == got, (w, h, orientation)


def test_a_real_size_photo_reports_the_size_a_render_decodes(tmp_path: Path) -> None:
    """A 12 MP photo (made from a real one): the canvas decodes it at 1/2, the check at 1/8."""
    path = tmp_path / "big.jpg"
    with Image.open(REAL / "photos" / "pres6.jpg") as im:
        im.resize((3000, 4000)).save(path, quality=85)
    assert _decoded(path.read_bytes(), CANVAS) == (1500, 2000)
    assert loading.check_photo(path) == (1500, 2000)
    assert _decoded(path.read_bytes(), loading.CHECK_SLOTS) == (375, 500)
