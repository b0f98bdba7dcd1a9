"""Photo fingerprints are stored in the database and compared with new ones for near-copies, so the
value for a given file must never drift: these are the fingerprints (and check results) pinbot
computed for real files and for lossless files derived from them, pinned as literal strings. Both
ways a fingerprint is made are pinned: `fingerprint(path)` on its own, and the value kept from an
import's check (`check_image_path(..., keep_fingerprint=True)`), then the plain check.
"""

from __future__ import annotations

import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from pinbot.errors import ImageError, InvalidInput
from pinbot.render import loading, subject
from pinbot.shop.validation import check_image_path

REAL = Path(__file__).parent / "data" / "real"
IMAGES = REAL / "images"


def _png16(path: Path, rgb: Image.Image) -> None:
    """A 16-bit-per-channel RGB PNG (Pillow cannot write one): each 8-bit level v as v * 257."""
    w, h = rgb.size
    px = rgb.tobytes()
    rows = b"".join(
        b"\x00" + b"".join(struct.pack(">H", v * 257) for v in px[y * w * 3 : (y + 1) * w * 3]) for y in range(h)
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    )


def _open(name: str) -> Image.Image:
    with Image.open(IMAGES / name) as im:
        im.load()
        return im.copy()


def _nearest(name: str, factor: int) -> Image.Image:
    im = _open(name)
    return im.resize((im.width * factor, im.height * factor), Image.Resampling.NEAREST)


def _save(image: Image.Image, **params: object) -> Callable[[Path], None]:
    return lambda path: image.save(path, **params)


def _derived() -> dict[str, Callable[[Path], None]]:
    """Lossless files made from real ones by exact operations (no resampling filter, no lossy
    encoder), for the modes the corpus has only in files too small to pass the check."""
    orient = _open("exif_imagemagick_orientation.png")  # 512x512 RGB
    crop = orient.crop((130, 90, 230, 240))  # 100x150: the size of the import bench's photos
    icc_png = _open("icc_profile.png")
    hopper = _open("hopper_bad_exif.jpg")  # L, 500x500
    la = _open("uncompressed_la.png")
    return {
        "crop.png": _save(crop),
        "crop.bmp": _save(crop),
        "crop.tiff": _save(crop),
        "crop-lossless.webp": _save(crop, lossless=True),
        "crop-p.png": _save(crop.quantize(64, dither=Image.Dither.NONE)),
        "crop-rgba.png": _save(Image.merge("RGBA", (*crop.split(), crop.getchannel("G")))),
        "crop-16bit.png": lambda path: _png16(path, crop),
        "grey.png": _save(la.getchannel("L")),
        "la.png": _save(la),
        "i16.png": _save(_nearest("i_trns.png", 2)),  # 16-bit grey, 128x128
        "rgba-icc.png": _save(
            icc_png.resize((114, 114), Image.Resampling.NEAREST), icc_profile=icc_png.info["icc_profile"]
        ),
        "cmyk.tiff": _save(_open("pil_sample_cmyk.jpg")),
        "bilevel.png": _save(hopper.point(lambda v: 255 if v > 120 else 0).convert("1", dither=Image.Dither.NONE)),
        "wide.bmp": _save(_nearest("rgb32bf-rgba.bmp", 2)),  # RGBA BMP, 254x128
        "blank.png": _save(Image.new("RGB", (150, 150), (200, 180, 160))),
    }


def _real() -> list[Path]:
    suffixes = {".png", ".jpg", ".gif", ".webp", ".tiff", ".bmp", ".mpo"}
    return sorted(p for p in REAL.rglob("*") if p.suffix in suffixes)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every real and derived file by name; the derived ones written once."""
    out = {str(p.relative_to(REAL)): p for p in _real()}
    where = tmp_path_factory.mktemp("derived")
    for name, write in _derived().items():
        write(where / name)
        out[f"derived/{name}"] = where / name
    return out


def _fresh(files: dict[str, Path], name: str, where: Path, tag: str) -> Path:
    """A copy under a name of its own: nothing cached from another check."""
    src = files[name]
    copy = where / f"{tag}-{name.replace('/', '-')}"
    shutil.copyfile(src, copy)
    return copy


DAMAGED = "cannot decode: the image data is damaged or cut off"
# name -> (what the check says: the decoded size or the one-line reason, the fingerprint)
PINNED: dict[str, tuple[tuple[int, int] | str, str | None]] = {
    "images/apng/delay.png": ("too small (128x64 px; use at least 100 px on the short side)", None),  # PNG RGBA
    "images/apng/mode_16bit.png": ("too small (128x64 px; use at least 100 px on the short side)", None),  # PNG RGBA
    "images/broken.png": ("damaged PNG file: its header cannot be read", None),  # unidentified
    "images/broken_data_stream.png": (
        DAMAGED + " (OSError: unrecognized data stream contents when reading image file)",
        None,
    ),  # PNG RGB
    "images/decompression_bomb.gif": ("too many pixels (possible decompression bomb)", None),  # unidentified
    "images/dispose_bgnd.gif": ((100, 100), "70e0c08080c0e0704aaaf749a9f749a9f747a8f7"),  # GIF P
    "images/exif_gps.jpg": ("too small (8x8 px; use at least 100 px on the short side)", None),  # JPEG RGB
    "images/exif_imagemagick_orientation.png": ((512, 512), "d44db28e8eb24d54918f90918f90918f8f918f8f"),  # PNG RGB
    "images/hopper_bad_exif.jpg": ((500, 500), "0301851e368e8c2b6e6e6eaeaeae5d5d5d858585"),  # JPEG L
    "images/hopper_orientation_3.jpg": ((128, 128), "8e48880f29ccce2a5e49516c759b5139354c4a5d"),  # JPEG RGB
    "images/hopper_orientation_6.jpg": ((128, 128), "8e48880f2bccce6a5e49516c759b5139364c4a5d"),  # JPEG RGB
    "images/i_trns.png": ("too small (64x64 px; use at least 100 px on the short side)", None),  # PNG I;16
    "images/icc-after-SOF.jpg": ("too small (10x10 px; use at least 100 px on the short side)", None),  # JPEG L
    "images/icc_profile.png": ("too small (57x57 px; use at least 100 px on the short side)", None),  # PNG RGBA
    "images/iss634.webp": ((245, 245), "24d400e9e8e86be94c795c838c599e8e57af915d"),  # WEBP RGBA
    "images/multipage.tiff": ("too small (10x10 px; use at least 100 px on the short side)", None),  # TIFF P
    "images/p_trns_single.png": ("too small (64x64 px; use at least 100 px on the short side)", None),  # PNG P
    "images/pil123p.png": ((162, 150), "3870f0f0e0d0b800b6ab82cdccc99ea78dd8d7d7"),  # PNG P
    "images/pil_sample_cmyk.jpg": ((100, 100), "c0006b692900000035070a2206080e05060b0506"),  # JPEG CMYK
    "images/png_decompression_dos.png": (
        "too much compressed text in the file (possible decompression bomb)",
        None,
    ),  # unidentified
    "images/rgb32bf-rgba.bmp": ("too small (127x64 px; use at least 100 px on the short side)", None),  # BMP RGBA
    "images/sugarshack.mpo": ((640, 480), "cd6f7b8935e347016c64575443368881789c8d8a"),  # MPO RGB
    "images/sugarshack_bad_mpo_header.jpg": ((640, 480), "cd6f7b8935e347016c64575443368881789c8d8a"),  # JPEG RGB
    "images/tRNS_null_1x1.png": ("too small (1x1 px; use at least 100 px on the short side)", None),  # PNG P
    "images/transparent.gif": ((200, 150), "cccccce830303000b6a6d1bcc6adeddfd9eedfd9"),  # GIF P
    "images/transparent.webp": ((200, 150), "cccccce830303000b6a6d0bcc6aeeddfdaeedfd9"),  # WEBP RGBA
    "images/truncated_end_chunk.png": (
        DAMAGED + " (OSError: Truncated File Read)",
        None,
    ),  # PNG RGB
    "images/truncated_image.png": (
        DAMAGED + " (OSError: image file is truncated)",
        None,
    ),  # PNG RGB
    "images/truncated_jpeg.jpg": (
        DAMAGED + " (OSError: image file is truncated (8 bytes not processed))",
        None,
    ),  # JPEG RGB
    "images/ultrahdr.jpg": (
        DAMAGED + " (OSError: image file is truncated (0 bytes not processed))",
        None,
    ),  # JPEG RGB
    "images/uncompressed_la.png": ((128, 128), "7878a8a8a0a08000e6e6e6ebebebf6f6f6ffffff"),  # PNG LA
    "images/zero_width.gif": ("has no pixels (the GIF says 0x32)", None),  # unidentified
    "photos/CHSDM-1980-31-5MattFlynn.jpg": ((1200, 433), "ac2e32a2a66670b08a5c43865a46805442825341"),  # JPEG RGB
    "photos/pres6.jpg": ((1024, 1280), "01450e171bc80d1da4a3a3b5b9bc625b5355514c"),  # JPEG RGB
    "derived/crop.png": ((100, 150), "1a9c4c3c9ccae1e0b3b2b2a5a3a49593948a8888"),  # PNG RGB
    "derived/crop.bmp": ((100, 150), "1a9c4c3c9ccae1e0b3b2b2a5a3a49593948a8888"),  # BMP RGB
    "derived/crop.tiff": ((100, 150), "1a9c4c3c9ccae1e0b3b2b2a5a3a49593948a8888"),  # TIFF RGB
    "derived/crop-lossless.webp": ((100, 150), "1a9c4c3c9ccae1e0b3b2b2a5a3a49593948a8888"),  # WEBP RGB
    "derived/crop-p.png": ((100, 150), "1a9c4c3c9ccae1e0b3b2b2a5a3a49593948a8888"),  # PNG P
    "derived/crop-rgba.png": ((100, 150), "181c4c389f8be1e0f3f3f3f1f1f1efeeeeededed"),  # PNG RGBA
    "derived/crop-16bit.png": ((100, 150), "1a9c4c3c9ccae1e0b3b2b2a5a3a49593948a8888"),  # PNG RGB
    "derived/grey.png": ((128, 128), "565656565a5a50008383832d2d2d0b0b0b000000"),  # PNG L
    "derived/la.png": ((128, 128), "7878a8a8a0a08000e6e6e6ebebebf6f6f6ffffff"),  # PNG LA
    "derived/i16.png": ((128, 128), "0000080e060600003c3c3c757575828282bcbcbc"),  # PNG I;16
    "derived/rgba-icc.png": ((114, 114), "3070786170d8cc00bdaea4beafa5dabdb0cebeb0"),  # PNG RGBA
    "derived/cmyk.tiff": ((100, 100), "c0006b692900000035070a2206080e05060b0506"),  # TIFF CMYK
    "derived/bilevel.png": ((500, 500), "130b850e34ce8c23717171b4b4b4575757868686"),  # PNG 1
    "derived/wide.bmp": ((254, 128), "464a484c4848485800749200a680007557005c73"),  # BMP RGB
    "derived/blank.png": ((150, 150), None),  # PNG RGB
}


def test_every_file_is_pinned(files: dict[str, Path]) -> None:
    assert sorted(files) == sorted(PINNED)
    assert sum(fp is not None for _, fp in PINNED.values()) >= 29


@pytest.mark.parametrize("name", sorted(PINNED))
def test_fingerprint_on_its_own(files: dict[str, Path], name: str, tmp_path: Path) -> None:
    assert subject.fingerprint(_fresh(files, name, tmp_path, "own")) == PINNED[name][1]


@pytest.mark.parametrize("name", sorted(PINNED))
def test_fingerprint_kept_by_the_check(files: dict[str, Path], name: str, tmp_path: Path) -> None:
    result, expected = PINNED[name]
    path = _fresh(files, name, tmp_path, "kept")
    try:
        checked = check_image_path(path.name, base=tmp_path, keep_fingerprint=True)
        got: tuple[int, int] | str = subject.check_photo(checked)  # the size kept by that check
    except InvalidInput as exc:
        assert isinstance(exc.__cause__, ImageError)
        got = exc.__cause__.reason
        assert exc.reason == f"{path.name}: {got}"
    assert got == result
    assert subject.fingerprint(path) == expected


@pytest.mark.parametrize("name", sorted(PINNED))
def test_plain_check(files: dict[str, Path], name: str, tmp_path: Path) -> None:
    path = _fresh(files, name, tmp_path, "plain")
    for _ in range(2):  # the second answer comes from the cache
        try:
            got: tuple[int, int] | str = loading.check_photo(path)
        except ImageError as exc:
            got = exc.reason
        assert got == PINNED[name][0]


def _near_blank() -> list[Image.Image]:
    """Grey images around the blank threshold (a spread of 3 grey levels): gentle gradients, flat
    images with a few dark or bright pixels, two-level images."""
    ramp = Image.linear_gradient("L").resize((43, 64))
    out = [ramp.point(lambda v, k=k: 100 + v * k // 255) for k in (2, 6, 9, 10, 11, 12, 20)]
    for count in (0, 1, 5, 20, 40, 80, 300):
        flat = Image.new("L", (64, 43), 200)
        for i in range(count):
            flat.putpixel((i % 64, i // 64), 20 if i % 2 else 255)
        out.append(flat)
    for step in (1, 2, 3, 6, 7, 10):
        two = Image.new("L", (64, 64), 100)
        two.paste(100 + step, (0, 0, 64, 32))
        out.append(two)
    out += [Image.linear_gradient("L").resize((40, 64)), Image.linear_gradient("L").point(lambda v: v // 40 + 90)]
    return out


def test_the_quick_blank_test_says_what_the_exact_spread_says(files: dict[str, Path]) -> None:
    images = _near_blank()
    for path in files.values():
        try:
            photo = loading.open_photo(loading.read_photo(path), [((64, 64), 1.0)], (255, 255, 255))
        except ImageError:
            continue
        images.append(subject._thumbnail(photo.image, 64).convert("L"))
    answers = set()
    for grey in images:
        blank = subject._spread(grey.histogram()) < 3.0
        assert subject._blank(grey.im) is blank
        answers.add(blank)
    assert answers == {True, False} and len(images) > 50
