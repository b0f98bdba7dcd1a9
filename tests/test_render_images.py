"""Untrusted photos: every hostile file fails with one line naming the file and the reason, and
every odd-but-valid one (EXIF-rotated, CMYK, palette, alpha, 16-bit, grayscale, animated, huge
JPEG) renders correctly. The tests build all of these files themselves."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from pinbot.errors import ImageError
from pinbot.render import RenderRequest, read_photo, render_pin
from pinbot.render.loading import MAX_PIXELS, open_photo, to_srgb
from tests.test_render import ASSETS


def _png_with_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG that claims `width` x `height` pixels but carries almost no data (a bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\0" * 64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


def _jpeg(path: Path, size: tuple[int, int] = (600, 800), color: tuple[int, int, int] = (90, 120, 160)) -> Path:
    Image.new("RGB", size, color).save(path, "JPEG", quality=85)
    return path


def missing(p: Path) -> Path:
    return p / "nope.jpg"


def zero_bytes(p: Path) -> Path:
    (p / "empty.jpg").write_bytes(b"")
    return p / "empty.jpg"


def truncated_jpeg(p: Path) -> Path:
    full = _jpeg(p / "full.jpg").read_bytes()
    (p / "truncated.jpg").write_bytes(full[: len(full) // 2])
    return p / "truncated.jpg"


def truncated_png(p: Path) -> Path:
    buf = io.BytesIO()
    Image.effect_noise((600, 600), 40).convert("RGB").save(buf, "PNG")
    (p / "truncated.png").write_bytes(buf.getvalue()[:5000])
    return p / "truncated.png"


def text_file(p: Path) -> Path:
    (p / "notes.jpg").write_text("this is not an image at all\n" * 20)
    return p / "notes.jpg"


def svg(p: Path) -> Path:
    (p / "logo.svg").write_text(
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    )
    return p / "logo.svg"


def html_page(p: Path) -> Path:
    (p / "product.jpg").write_text("<!DOCTYPE html><html><body>Not found</body></html>")
    return p / "product.jpg"


def bomb(p: Path) -> Path:
    return _png_with_header_only(p / "bomb.png", 60_000, 60_000)


def over_budget(p: Path) -> Path:
    side = int((MAX_PIXELS * 1.2) ** 0.5)
    return _png_with_header_only(p / "huge.png", side, side)


def absurd_shape(p: Path) -> Path:
    return _jpeg(p / "strip.jpg", (4000, 120))


def tiny(p: Path) -> Path:
    return _jpeg(p / "tiny.jpg", (40, 40))


def folder(p: Path) -> Path:
    (p / "dir.jpg").mkdir()
    return p / "dir.jpg"


HOSTILE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing": (missing, "file not found"),
    "zero-byte": (zero_bytes, "empty file"),
    "truncated-jpeg": (truncated_jpeg, "cannot decode"),
    "truncated-png": (truncated_png, "cannot decode"),
    "not-an-image": (text_file, "not a supported image"),
    "svg": (svg, "SVG"),
    "html": (html_page, "HTML page"),
    "decompression-bomb": (bomb, "too many pixels"),
    "over-pixel-budget": (over_budget, "too many pixels"),
    "absurd-shape": (absurd_shape, "absurd shape"),
    "tiny": (tiny, "too small"),
    "a-folder": (folder, "not a regular file"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_image_fails_with_one_line_naming_file_and_reason(case: str, tmp_path: Path) -> None:
    build, reason = HOSTILE[case]
    path = build(tmp_path)
    req = RenderRequest(template="photo-band", title="Mug", photos=(path,))
    with pytest.raises(ImageError) as info:
        render_pin(req, ASSETS)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert reason in message, message
    assert "\n" not in message and len(message) < 300
    assert info.value.path == str(path)


def test_a_bad_photo_among_good_ones_names_the_bad_one(tmp_path: Path) -> None:
    good = _jpeg(tmp_path / "good.jpg")
    bad = truncated_jpeg(tmp_path)
    with pytest.raises(ImageError, match=r"truncated\.jpg: cannot decode"):
        render_pin(RenderRequest(template="collage", title="Set", photos=(good, bad)), ASSETS)
    # The renderer is not left in a bad state: the next pin renders.
    assert render_pin(RenderRequest(template="collage", title="Set", photos=(good,)), ASSETS).data


def _open(path: Path, slot: tuple[int, int] = (1000, 1500)) -> Image.Image:
    opened = open_photo(read_photo(path), [(slot, 1.0)], (255, 255, 255))
    return to_srgb(opened.image, opened.icc)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    im = Image.new("RGB", (600, 300), (0, 0, 255))
    im.paste((255, 0, 0), (0, 0, 300, 300))  # red on the left as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90° clockwise: the red half ends up on top
    path = tmp_path / "rotated.jpg"
    im.save(path, "JPEG", exif=exif.tobytes(), quality=95)
    upright = _open(path)
    assert upright.size == (300, 600)
    top, bottom = upright.getpixel((150, 100)), upright.getpixel((150, 500))
    assert top[0] > 200 and top[2] < 60, top  # type: ignore[index]
    assert bottom[2] > 200 and bottom[0] < 60, bottom  # type: ignore[index]


def test_big_jpeg_is_decoded_in_draft_mode(tmp_path: Path) -> None:
    path = _jpeg(tmp_path / "big.jpg", (2400, 3200))
    opened = open_photo(read_photo(path), [((500, 750), 1.0)], (255, 255, 255))
    assert opened.image.size == (600, 800)  # 1/4 scale still covers a 500x750 slot
    assert open_photo(read_photo(path), [((1000, 1500), 1.0)], (255, 255, 255)).image.size == (1200, 1600)


def _save(image: Image.Image, path: Path, **kw: object) -> Path:
    image.save(path, **kw)
    return path


def cmyk_jpeg(p: Path) -> Path:
    return _save(Image.new("CMYK", (600, 800), (0, 255, 255, 0)), p / "cmyk.jpg", quality=90)  # pure red ink


def palette_png(p: Path) -> Path:
    im = Image.new("RGB", (600, 800), (220, 30, 30)).quantize(colors=8)
    return _save(im, p / "palette.png")


def alpha_png(p: Path) -> Path:
    im = Image.new("RGBA", (600, 800), (0, 0, 0, 0))
    im.paste((220, 30, 30, 255), (0, 0, 600, 400))
    return _save(im, p / "alpha.png")


def gray16_png(p: Path) -> Path:
    im = Image.new("I;16", (600, 800), 0)
    im.paste(4095, (0, 0, 600, 400))  # a 12-bit scan: full white is 4095
    return _save(im, p / "gray16.png")


def gray_jpeg(p: Path) -> Path:
    return _save(Image.new("L", (600, 800), 200), p / "gray.jpg")


def bilevel_png(p: Path) -> Path:
    return _save(Image.new("1", (600, 800), 1), p / "bw.png")


def la_png(p: Path) -> Path:
    return _save(Image.new("LA", (600, 800), (120, 255)), p / "la.png")


def animated_gif(p: Path) -> Path:
    frames = [Image.new("RGB", (600, 800), c) for c in ((220, 30, 30), (30, 30, 220), (30, 220, 30))]
    return _save(frames[0], p / "anim.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)


def webp(p: Path) -> Path:
    return _save(Image.new("RGB", (600, 800), (220, 30, 30)), p / "photo.webp")


def tiff16_rgb(p: Path) -> Path:
    return _save(Image.new("RGB", (600, 800), (220, 30, 30)), p / "photo.tiff")


# name -> (builder, expected colour of the top-left area after loading)
ODD: dict[str, tuple[Callable[[Path], Path], tuple[int, int, int]]] = {
    "cmyk": (cmyk_jpeg, (237, 28, 36)),
    "palette": (palette_png, (220, 30, 30)),
    "alpha-flattened-on-white": (alpha_png, (220, 30, 30)),
    "16-bit-gray": (gray16_png, (255, 255, 255)),
    "grayscale": (gray_jpeg, (200, 200, 200)),
    "bilevel": (bilevel_png, (255, 255, 255)),
    "gray-alpha": (la_png, (120, 120, 120)),
    "animated-first-frame": (animated_gif, (220, 30, 30)),
    "webp": (webp, (220, 30, 30)),
    "tiff": (tiff16_rgb, (220, 30, 30)),
}


@pytest.mark.parametrize("case", sorted(ODD))
def test_odd_but_valid_images_load_as_srgb_and_render(case: str, tmp_path: Path) -> None:
    build, expected = ODD[case]
    path = build(tmp_path)
    image = _open(path)
    assert image.mode == "RGB" and image.size == (600, 800)
    got = image.getpixel((50, 50))
    assert isinstance(got, tuple)
    assert all(abs(a - b) <= 40 for a, b in zip(got, expected, strict=True)), (got, expected)
    img = render_pin(RenderRequest(template="photo-band", title="Odd photo", photos=(path,)), ASSETS)
    assert Image.open(io.BytesIO(img.data)).size == (1000, 1500)


def test_16_bit_bottom_half_stays_dark(tmp_path: Path) -> None:
    image = _open(gray16_png(tmp_path))
    assert image.getpixel((50, 700)) == (0, 0, 0)


def _swapped_rgb_profile() -> bytes:
    """A minimal ICC v2 RGB matrix/TRC profile whose red and blue primaries are swapped: a photo
    tagged with it that stores (255, 0, 0) means blue."""

    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ " + b"\0" * 4 + s15(x) + s15(y) + s15(z)

    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, 0x0233) + b"\0\0"  # gamma 2.2
    text = b"swapped"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(text) + 1) + text + b"\0" + b"\0" * 8 + b"\0" * 3 + b"\0" * 67
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.1431, 0.0606, 0.7141)),  # sRGB's blue primary
        (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", xyz(0.4361, 0.2225, 0.0139)),  # sRGB's red primary
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def test_embedded_icc_profile_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "tagged.jpg"
    Image.new("RGB", (600, 800), (255, 0, 0)).save(path, "JPEG", quality=95, icc_profile=_swapped_rgb_profile())
    opened = open_photo(read_photo(path), [((1000, 1500), 1.0)], (255, 255, 255))
    assert opened.icc is not None
    r, g, b = to_srgb(opened.image, opened.icc).getpixel((10, 10))  # type: ignore[misc]
    assert b > 200 and r < 60, (r, g, b)  # the profile says this "red" is blue
    rendered = render_pin(RenderRequest(template="photo-band", title="Tagged", photos=(path,)), ASSETS)
    assert "icc_profile" not in Image.open(io.BytesIO(rendered.data)).info
