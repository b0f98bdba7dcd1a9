"""A photo's fingerprint kept from the check's decode is the one `fingerprint` computes on its own,
bit for bit, so fingerprints stored before and after stay comparable; and a checked photo (every
format but JPEG) is not decoded a second time for its fingerprint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from pinbot.errors import ImageError, PinbotError
from pinbot.render import subject
from pinbot.render.loading import open_photo, read_photo
from pinbot.render.subject import check_photo, fingerprint

REAL = Path(__file__).parent / "data" / "real"
SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".tif", ".tiff", ".bmp"}
REAL_PHOTOS = sorted(p for p in REAL.rglob("*") if p.suffix.lower() in SUFFIXES)


def fingerprint_as_before(path: Path) -> str | None:
    """The fingerprint as pinbot computed it before the check kept it: its own decode at a 64 px
    slot, Pillow's ImageStat for the blank test."""
    try:
        image = open_photo(read_photo(path), [((64, 64), 1.0)], (255, 255, 255)).image
    except PinbotError:
        return None
    thumb = subject._thumbnail(image, 64)
    if ImageStat.Stat(thumb.convert("L")).stddev[0] < 3.0:
        return None
    return f"{dhash_as_before(thumb):016x}{thumb.convert('RGB').resize((2, 2), Image.Resampling.BOX).tobytes().hex()}"


def dhash_as_before(thumb: Image.Image) -> int:
    px = thumb.convert("L").resize((9, 8), Image.Resampling.BOX).tobytes()
    bits = 0
    for y in range(8):
        for x in range(8):
            bits = (bits << 1) | (px[y * 9 + x] > px[y * 9 + x + 1])
    return bits


def synthetic(tmp: Path) -> list[Path]:
    """Photos in every mode and format the check lets through, with some texture."""
    base = Image.radial_gradient("L").resize((160, 120))
    rgb = Image.merge("RGB", (base, base.rotate(90), base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    out = []
    for name, image in (
        ("rgb.png", rgb),
        ("l.png", base),
        ("p.gif", rgb.convert("P")),
        ("rgba.png", rgb.convert("RGBA")),
        ("rgb.webp", rgb),
        ("rgb.tiff", rgb),
        ("cmyk.tiff", rgb.convert("CMYK")),
        ("rgb.bmp", rgb),
        ("i16.png", base.convert("I;16")),
        ("one.png", base.convert("1")),
        ("flat.png", Image.new("RGB", (150, 150), (200, 180, 160))),  # blank: no fingerprint
        ("rgb.jpg", rgb),
    ):
        path = tmp / name
        image.save(path, lossless=True) if name.endswith(".webp") else image.save(path)
        out.append(path)
    return out


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    """Copies under fresh names: nothing cached from another test."""
    copies = tmp_path / "real"
    copies.mkdir()
    out = []
    for i, p in enumerate(REAL_PHOTOS):
        out.append(Path(shutil.copyfile(p, copies / f"{i}-{p.name}")))
    return out + synthetic(tmp_path)


def test_the_corpus_is_there() -> None:
    assert len(REAL_PHOTOS) >= 30


def test_fingerprint_kept_from_the_check_equals_its_own(photos: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    expected = {p: fingerprint_as_before(p) for p in photos}
    checked = []
    for p in photos:
        try:
            check_photo(p)
        except ImageError:
            continue
        checked.append(p)
    # Photos the check decoded are not decoded again (a JPEG is: at its own 1/8 scale).
    opened: list[Path] = []
    real_open = subject.open_photo
    monkeypatch.setattr(subject, "open_photo", lambda src, *a: opened.append(src.path) or real_open(src, *a))
    assert {p: fingerprint(p) for p in photos} == expected
    not_jpeg = [p for p in checked if p.suffix != ".jpg"]
    assert len(not_jpeg) >= 15 and not set(opened) & set(not_jpeg)
    assert sum(v is not None for v in expected.values()) >= 25
    assert expected[photos[-2]] is None  # the blank photo


def test_grey_spread_is_imagestat_stddev(photos: list[Path]) -> None:
    thumbs = []
    for p in photos:
        try:
            thumbs.append(subject._thumbnail(open_photo(read_photo(p), [((64, 64), 1.0)], (0, 0, 0)).image, 64))
        except PinbotError:
            continue
    thumbs += [Image.new("RGB", (64, 40), (9, 9, 9)), Image.effect_noise((64, 64), 2).convert("RGB")]
    for thumb in thumbs:
        grey = thumb.convert("L")
        assert subject._grey_spread(grey) == ImageStat.Stat(grey).stddev[0]


def test_a_changed_file_is_fingerprinted_again(tmp_path: Path) -> None:
    path = synthetic(tmp_path)[0]
    check_photo(path)
    before = fingerprint(path)
    Image.radial_gradient("L").resize((120, 160)).save(path)
    assert fingerprint(path) == fingerprint_as_before(path) != before


def test_an_import_check_keeps_the_fingerprint_a_plain_check_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pinbot.shop.validation import check_image_path

    kept, plain = synthetic(tmp_path)[:2]
    expected = fingerprint_as_before(kept)
    check_image_path(kept.name, base=tmp_path, keep_fingerprint=True)
    check_image_path(plain.name, base=tmp_path)  # a products import: no fingerprint wanted
    decoded: list[Path] = []
    real_open = subject.open_photo
    monkeypatch.setattr(subject, "open_photo", lambda src, *a: decoded.append(src.path) or real_open(src, *a))
    assert fingerprint(kept.absolute()) == expected and decoded == []
    assert fingerprint(plain.absolute()) == fingerprint_as_before(plain) and decoded == [plain.absolute()]
