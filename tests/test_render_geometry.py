"""Every template renders every photo from 200 to 12,000 px at any aspect ratio (issue 11).

A property-style test, deterministic: thousands of generated photo sizes go through the same
geometry the renderer uses (the JPEG draft size Pillow really picks, read from a header-only JPEG;
the cut of every photo slot of every template, in every crop mode, for a product anywhere in the
photo), and each box handed to Pillow must be one it accepts: inside the photo and not empty (and
of the slot's aspect when the cut stays on the photo; a cut that reaches past it is filled).
A sample of sizes is then rendered for real through the pipeline, from cheap solid
and gradient JPEGs and PNGs. 2592x1944 (a 5-megapixel camera) once crashed split-block with
"box offset can't be negative": the window's height came out 1e-13 px taller than the photo.
"""

from __future__ import annotations

import functools
import io
import random
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from pinbot.errors import ImageError
from pinbot.render import CROPS, RenderRequest, check_photo, list_templates, load_template, render_pin
from pinbot.render.crop import ZOOM, Cut, cut
from pinbot.render.loading import MAX_ASPECT, MAX_JPEG_PIXELS, MAX_PIXELS, draft_size
from pinbot.render.templates import PhotoLayer, Template

REPO = Path(__file__).resolve().parent.parent
ASSETS = REPO / "assets"
TEMPLATES = list_templates(ASSETS)

# Sizes real shops upload: phone and camera sensors, both orientations, square crops.
CAMERA_SIZES = [
    (2592, 1944), (1944, 2592), (4032, 3024), (3024, 4032), (4000, 3000), (6000, 4000), (4000, 6000),
    (3264, 2448), (2048, 1536), (1600, 1200), (5472, 3648), (8256, 5504), (1080, 1350), (1080, 1920),
    (640, 480), (1200, 1200), (2000, 2000), (12000, 12000), (200, 200), (12000, 200), (200, 12000),
]  # fmt: skip


def generated_sizes(n: int, seed: int) -> list[tuple[int, int]]:
    """`n` sizes with sides in 200..12,000 px: log-uniform widths, aspect ratios from 1:60 to 60:1
    (the loader refuses beyond 5:1 with one line; the geometry must hold anyway)."""
    rng = random.Random(seed)
    out: list[tuple[int, int]] = []
    while len(out) < n:
        w = round(200 * 60 ** rng.random())
        h = round(200 * 60 ** rng.random()) if rng.random() < 0.5 else round(w / (0.2 + 4.8 * rng.random()))
        if 200 <= h <= 12_000:
            out.append((w, h))
    return out


def _tiny_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (120, 90, 60)).save(buf, "JPEG")
    return buf.getvalue()


TINY_JPEG = _tiny_jpeg()


@functools.cache
def jpeg_draft(size: tuple[int, int], plan: tuple[int, int]) -> tuple[int, int]:
    """The size Pillow's JPEG plugin really decodes a `size` photo at when asked for `plan`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # header only, never decoded
        im = header_only_jpeg(size)
    im.draft("RGB", plan)
    return im.size


def header_only_jpeg(size: tuple[int, int]) -> Image.Image:
    """A JPEG whose header claims `size` (the pixel data is a 16x16 one, never decoded): Pillow
    computes its real draft size from the header alone, so a 12,000 px photo costs nothing."""
    data = bytearray(TINY_JPEG)
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 7] = size[1].to_bytes(2, "big")
    data[sof + 7 : sof + 9] = size[0].to_bytes(2, "big")
    return Image.open(io.BytesIO(bytes(data)))


@dataclass(frozen=True)
class Slot:
    template: str
    photo: int
    size: tuple[int, int]
    focus: tuple[float, float, float, float]
    zoom: float
    max_zoom: float


def photo_slots(tpl: Template) -> list[tuple[int, list[Slot]]]:
    """(number of photos, slots) for every photo count the template lays out differently."""
    out = []
    for n in range(1, 5):
        layers = [lay for lay in tpl.layers if isinstance(lay, PhotoLayer) and lay.active(n)]
        slots = []
        for lay in layers:
            x0, y0, x1, y1 = lay.box
            w, h = x1 - x0, y1 - y0
            fx0, fy0, fx1, fy1 = lay.focus
            focus = ((fx0 - x0) / w, (fy0 - y0) / h, (fx1 - x0) / w, (fy1 - y0) / h)
            slots.append(Slot(tpl.name, lay.photo % n, (w, h), focus, lay.zoom, lay.max_zoom))
        out.append((n, slots))
    return out


ALL_SLOTS = [(n, slots) for name in TEMPLATES for n, slots in photo_slots(load_template(ASSETS, name))]


def decoded_sizes(size: tuple[int, int], slots: list[Slot], crop: str) -> list[tuple[int, int]]:
    """The sizes the renderer can hold this photo at: the JPEG draft Pillow picks for these slots,
    and the full size (PNG, WebP: decoded whole) when it is within the pixel budget."""
    out = []
    if size[0] * size[1] <= MAX_JPEG_PIXELS:
        plan = draft_size(size, 1, [(s.size, max(ZOOM[crop], s.zoom)) for s in slots])
        if plan is not None:
            out.append(jpeg_draft(size, plan))
    if size[0] * size[1] <= MAX_PIXELS:
        out.append(size)
    return out


def pillow_box(c: Cut) -> tuple[float, float, float, float]:
    """The box `render.photos.pixels` hands to Image.resize for this cut: the window on the photo."""
    x0, y0, x1, y1 = c.window
    iw, ih = c.photo_size
    return max(0.0, x0), max(0.0, y0), min(float(iw), x1), min(float(ih), y1)


def assert_pillow_accepts(c: Cut, slot: Slot, what: str) -> None:
    x0, y0, x1, y1 = box = pillow_box(c)
    iw, ih = c.photo_size
    # The checks Image.resize(box=...) makes, and the aspect the slot needs.
    assert x0 >= 0 and y0 >= 0, f"{what}: box offset can't be negative {box}"
    assert x1 <= iw and y1 <= ih, f"{what}: box can't exceed original image size {box}"
    assert x1 - x0 >= 1 and y1 - y0 >= 1, f"{what}: box is empty {box}"
    if c.inside:
        aspect = slot.size[0] / slot.size[1]
        assert abs((x1 - x0) / (y1 - y0) - aspect) <= aspect * 1e-6, f"{what}: aspect {(x1 - x0) / (y1 - y0)}"


def whole(size: tuple[int, int]) -> tuple[float, float, float, float]:
    """No product found: the whole photo is the subject."""
    return 0.0, 0.0, float(size[0]), float(size[1])


def somewhere(size: tuple[int, int], seed: int) -> tuple[float, float, float, float]:
    """A product of random size somewhere in the photo (off-centre, possibly at an edge)."""
    rng = random.Random(seed)
    w, h = size
    bw, bh = rng.uniform(0.05, 0.9) * w, rng.uniform(0.05, 0.9) * h
    x0, y0 = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
    return x0, y0, x0 + bw, y0 + bh


def slot_cut(decoded: tuple[int, int], slot: Slot, subject: tuple[float, float, float, float], crop: str) -> Cut:
    return cut(decoded, slot.size, subject, crop, slot.focus, slot.zoom, slot.max_zoom)


def test_the_5_megapixel_camera_photo_fits_split_block() -> None:
    """The reported crash: 2592x1944, decoded at half size (1296x972) for split-block's 1000x880."""
    tpl = load_template(ASSETS, "split-block")
    (_, slots), *_ = photo_slots(tpl)
    for crop in CROPS:
        for decoded in decoded_sizes((2592, 1944), slots, crop):
            for slot in slots:
                assert_pillow_accepts(slot_cut(decoded, slot, whole(decoded), crop), slot, f"{crop} {decoded}")


def test_every_template_crops_every_size_inside_the_photo() -> None:
    sizes = CAMERA_SIZES + generated_sizes(1500, seed=11)
    checked = 0
    for size in sizes:
        for n, slots in ALL_SLOTS:
            for crop in CROPS:
                for decoded in decoded_sizes(size, slots, crop):
                    for slot in slots:
                        what = f"{slot.template} ({n} photos) {crop} {size} decoded {decoded}"
                        assert_pillow_accepts(slot_cut(decoded, slot, whole(decoded), crop), slot, what)
                        checked += 1
    assert checked > 150_000  # the property was really exercised


def test_subject_crops_give_pillow_a_box_it_accepts() -> None:
    """With a product anywhere the window slides to it (and may reach past the photo, to be
    filled); the part Pillow is asked to resize must still be a valid box inside the photo."""
    sizes = CAMERA_SIZES + generated_sizes(300, seed=12)
    for i, size in enumerate(sizes):
        _, slots = ALL_SLOTS[i % len(ALL_SLOTS)]
        for crop in CROPS:
            for decoded in decoded_sizes(size, slots, crop):
                subject = somewhere(decoded, i)
                for slot in slots:
                    c = slot_cut(decoded, slot, subject, crop)
                    assert_pillow_accepts(c, slot, f"{slot.template} {crop} {size} {decoded}")


RENDER_SIZES = [
    ((2592, 1944), "JPEG"), ((12000, 12000), "JPEG"), ((200, 200), "JPEG"), ((12000, 2400), "JPEG"),
    ((2400, 12000), "JPEG"), ((1000, 200), "JPEG"), ((200, 1000), "PNG"), ((4032, 3024), "PNG"),
    ((1944, 2592), "PNG"), ((1201, 799), "JPEG"), ((333, 1111), "PNG"), ((7001, 4999), "JPEG"),
]  # fmt: skip


@pytest.fixture(scope="module")
def sample_photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("sizes")
    out = []
    for i, ((w, h), fmt) in enumerate(RENDER_SIZES):
        if i % 2:
            im = Image.new("RGB", (w, h), (181, 140, 104))  # a plain uniform photo
        else:
            im = Image.linear_gradient("L").resize((w, h), Image.Resampling.NEAREST).convert("RGB")
        path = folder / f"{w}x{h}.{fmt.lower()}"
        im.save(path, fmt, **({"quality": 80} if fmt == "JPEG" else {"compress_level": 1}))
        out.append(path)
    return out


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_a_sample_of_sizes(template: str, sample_photos: list[Path]) -> None:
    tpl = load_template(ASSETS, template)
    for i, (path, ((w, h), _)) in enumerate(zip(sample_photos, RENDER_SIZES, strict=True)):
        crop = CROPS[i % len(CROPS)]
        if max(w, h) / min(w, h) > MAX_ASPECT:
            continue  # refused when queued (test below); never reaches a render
        photos = (path,) * (1 + i % max(1, tpl.photo_slots()))
        req = RenderRequest(template=template, title="Speckled mug", price="$24", photos=photos,
                            variant=f"{template}.{tpl.default_palette}.{crop}")  # fmt: skip
        out = render_pin(req, ASSETS)
        assert (out.width, out.height) == (1000, 1500), path.name


@pytest.mark.parametrize("size", [(6000, 200), (200, 12000), (1100, 200)])
def test_a_shape_no_template_can_use_is_refused_when_queued(size: tuple[int, int], tmp_path: Path) -> None:
    """Beyond 5:1 the slot would show a sliver of the photo blown up: refused in one line instead."""
    path = tmp_path / "strip.png"
    Image.new("RGB", size, (90, 90, 90)).save(path, compress_level=1)
    with pytest.raises(ImageError, match=rf"strip\.png: absurd shape \({size[0]}x{size[1]} px; .* under 5:1\)"):
        check_photo(path)
