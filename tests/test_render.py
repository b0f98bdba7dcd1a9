"""The pin renderer: every template with short, long and non-Latin titles stays inside its
regions and the safe area, every text measures >= 4.5:1 on the output pixels, renders are
byte-identical, cached by content, and variants are stable."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from pinbot.errors import InvalidInput, NotFound
from pinbot.render import (
    CROPS,
    PALETTES,
    SAFE_AREA,
    RenderedImage,
    RenderRequest,
    cache_key,
    list_templates,
    load_brand,
    read_photo,
    render_pin,
    render_to_cache,
    resolve_variant,
    variants_for,
)
from pinbot.render import api as render_api
from pinbot.render.color import luminance, ratio
from pinbot.render.fonts import missing_glyphs
from pinbot.render.headline import headline_from
from pinbot.render.samples import sample_photo
from pinbot.render.template_file import load_template
from pinbot.render.text import TextStyle, fit_text

REPO = Path(__file__).resolve().parent.parent
ASSETS = REPO / "assets"

SHORT = "Mug"
LONG = (
    "The speckled stoneware mug that our studio throws by hand in small batches, glazed twice in "
    "fern green and fired for two days, so that no two are ever quite the same shape or colour"
)
ACCENTED = "Crème brûlée bowls, façonnés à la main — Кружка ручной работы"


def save_jpeg(image: Image.Image, path: Path, **kw: object) -> Path:
    image.save(path, "JPEG", quality=90, **kw)
    return path


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("photos")
    return {
        kind: save_jpeg(sample_photo(kind, (900, 1200)), folder / f"{kind}.jpg")
        for kind in ("mug", "busy", "bright", "planter")
    }


def request(template: str, title: str, photos: tuple[Path, ...], **kw: str) -> RenderRequest:
    fields = {
        "subtitle": "Glazed in fern green · dishwasher safe",
        "price": "$38",
        "badge": "New",
        "site_name": "fernandkiln.com",
    }
    fields.update(kw)
    return RenderRequest(template=template, title=title, photos=photos, **fields)


def decode(img: RenderedImage) -> Image.Image:
    im = Image.open(io.BytesIO(img.data))
    im.load()
    return im


def measured_contrast(textless: Image.Image, box: tuple[int, int, int, int], color: tuple[int, int, int]) -> float:
    """Contrast of `color` against the output pixels under `box` in a render without glyphs:
    the value at the 1st percentile (99% of the pixels under the text do at least this well)."""
    region = textless.convert("RGB").crop(box)
    lt = luminance(color)
    raw = region.tobytes()
    it = iter(raw)
    values = sorted(ratio(lt, luminance(p)) for p in zip(it, it, it, strict=True))
    return values[len(values) // 100]


def inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def test_ships_the_four_required_templates_and_more() -> None:
    names = list_templates(ASSETS)
    assert {"photo-band", "split-block", "collage", "text-forward"} <= set(names)
    descriptions = {load_template(ASSETS, n).description for n in names}
    assert len(descriptions) == len(names)  # each is its own design


@pytest.mark.parametrize("template", ["photo-band", "split-block", "collage", "text-forward", "photo-overlay"])
@pytest.mark.parametrize("title", [SHORT, LONG, ACCENTED], ids=["short", "long", "accented"])
def test_every_template_fits_reads_and_stays_safe(template: str, title: str, photos: dict[str, Path]) -> None:
    kind = "busy" if template == "photo-overlay" else "mug"
    req = request(template, title, (photos[kind], photos["planter"]))
    img = render_pin(req, ASSETS)
    out = decode(img)
    assert out.size == (1000, 1500)
    assert img.content_type == {"JPEG": "image/jpeg", "PNG": "image/png"}[out.format or ""]
    assert len(img.data) < 1_500_000
    fields = {t.field for t in img.texts}
    assert {"title", "eyebrow", "subtitle"} <= fields
    assert ("price" in fields) is (template != "text-forward")  # a blog post has no price
    for text in img.texts:
        assert inside(text.bbox, text.region), (text.field, text.bbox, text.region)
        assert inside(text.bbox, SAFE_AREA), (text.field, text.bbox)
        assert text.bbox[2] - text.bbox[0] > 10 and text.bbox[3] - text.bbox[1] > 8
    title_text = next(t for t in img.texts if t.field == "title")
    # The headline is the title's first ~40 characters, cut at a natural break, never with an
    # ellipsis, and at a size that reads in the phone feed.
    assert not title_text.truncated
    assert " ".join(title_text.lines) == headline_from(title)
    assert len(" ".join(title_text.lines)) <= 40
    assert title_text.size >= load_template_item_min(template, "title")

    # Contrast on the output pixels, measured independently of the renderer's own check.
    textless = decode(
        render_api.render_sources(req, ASSETS, tuple(read_photo(p) for p in req.photos), paint_text=False)
    )
    for text in img.texts:
        assert measured_contrast(textless, text.bbox, text.color) >= 4.5, (text.field, text.color)
        # ...and the text really is there in the final image.
        before = textless.convert("L").crop(text.bbox).tobytes()
        after = out.convert("L").crop(text.bbox).tobytes()
        changed = sum(1 for a, b in zip(before, after, strict=True) if abs(a - b) > 60)
        assert changed > 0.03 * len(before), text.field


def load_template_item_min(template: str, field: str) -> int:
    from pinbot.render.templates import StackLayer, TextItem

    tpl = load_template(ASSETS, template)
    sizes = [
        item.size[0]
        for layer in tpl.layers
        if isinstance(layer, StackLayer) and layer.min_photos <= 2 <= layer.max_photos
        for item in layer.items
        if isinstance(item, TextItem) and item.field == field
    ]
    return sizes[0]


def test_busy_or_bright_photo_gets_a_scrim_calm_dark_one_does_not(photos: dict[str, Path], tmp_path: Path) -> None:
    dark = save_jpeg(Image.new("RGB", (900, 1200), (20, 24, 30)), tmp_path / "dark.jpg")
    for photo, expect_scrim in ((photos["bright"], True), (photos["busy"], True), (dark, False)):
        req = request("photo-overlay", "Evening mug", (photo,))
        textless = decode(render_api.render_sources(req, ASSETS, (read_photo(photo),), paint_text=False))
        plain = Image.open(photo).convert("RGB").resize((1000, 1500))  # roughly the same crop
        y = 1300
        darkened = sum(plain.getpixel((x, y))[0] - textless.getpixel((x, y))[0] for x in range(100, 900, 50))  # type: ignore[index]
        assert (darkened > 16 * 40) is expect_scrim, (photo.name, darkened)


def test_identical_input_gives_identical_bytes(photos: dict[str, Path]) -> None:
    req = request("photo-band", "Speckled mug", (photos["mug"],))
    a, b = render_pin(req, ASSETS), render_pin(req, ASSETS)
    assert a.data == b.data and a.sha256 == b.sha256
    other = render_pin(request("photo-band", "Speckled mugs", (photos["mug"],)), ASSETS)
    assert other.sha256 != a.sha256


def test_text_only_design_is_png_and_photo_designs_are_jpeg(photos: dict[str, Path]) -> None:
    text_only = render_pin(request("text-forward", "How to glaze a mug at home", ()), ASSETS)
    assert text_only.content_type == "image/png" and text_only.extension == "png"
    assert decode(text_only).format == "PNG"
    with_photo = render_pin(request("text-forward", "How to glaze a mug at home", (photos["mug"],)), ASSETS)
    assert with_photo.content_type == "image/jpeg" and with_photo.data[:3] == b"\xff\xd8\xff"


def test_metadata_is_stripped(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0110] = "SecretCam Model X"  # camera model
    exif[0x9286] = "GPS home address"  # user comment
    photo = tmp_path / "tagged.jpg"
    sample_photo("mug", (900, 1200)).save(photo, "JPEG", exif=exif.tobytes(), comment=b"private note")
    assert b"SecretCam" in photo.read_bytes()
    img = render_pin(request("photo-band", "Mug", (photo,)), ASSETS)
    assert b"SecretCam" not in img.data and b"private note" not in img.data and b"Exif" not in img.data
    info = decode(img).info
    assert "exif" not in info and "icc_profile" not in info and "comment" not in info


def test_smart_crop_keeps_an_off_centre_subject(tmp_path: Path) -> None:
    # A wide photo with the product at the far left: a centre crop would cut it away.
    scene = Image.new("RGB", (2400, 1000), (235, 228, 216))
    scene.paste((200, 30, 30), (120, 350, 420, 650))
    photo = save_jpeg(scene, tmp_path / "wide.jpg")

    def red_pixels(variant: str) -> int:
        out = decode(render_pin(request("photo-band", "Mug", (photo,), variant=variant), ASSETS)).convert("RGB")
        raw = out.crop((0, 200, 1000, 900)).resize((100, 70)).tobytes()
        return sum(1 for i in range(0, len(raw), 3) if raw[i] > 150 and raw[i + 1] < 80)

    # Every crop keeps the whole product (the centre crop used to cut it away).
    whole = red_pixels("photo-band.brand.subject")
    assert whole > 300
    for crop in ("close", "centre"):
        assert red_pixels(f"photo-band.brand.{crop}") > 0.6 * whole


def test_cache_is_content_addressed_and_hits_without_rendering(
    photos: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    req = request("split-block", "Planter", (photos["planter"],))
    path = render_to_cache(req, ASSETS, cache)
    sources = tuple(read_photo(p) for p in req.photos)
    assert path.name == f"{cache_key(req, ASSETS, sources)}.jpg"
    assert path.read_bytes() == render_pin(req, ASSETS).data
    assert [p.name for p in cache.iterdir()] == [path.name]  # no temp files left behind

    def boom(*_: object, **__: object) -> None:
        raise AssertionError("a cache hit must not render")

    monkeypatch.setattr("pinbot.render.cache.render_sources", boom)
    assert render_to_cache(req, ASSETS, cache) == path
    # Any input change is a different name: the photo's bytes...
    changed = tmp_path / "planter2.jpg"
    changed.write_bytes(photos["planter"].read_bytes() + b"\0")
    with pytest.raises(AssertionError, match="cache hit"):
        render_to_cache(request("split-block", "Planter", (changed,)), ASSETS, cache)
    # ...and the template file.
    assets = copy_assets(tmp_path)
    tpl = assets / "templates" / "split-block.toml"
    tpl.write_text(tpl.read_text() + "\n# edited\n")
    key2 = cache_key(req, assets, sources)
    assert key2 != cache_key(req, ASSETS, sources)


def copy_assets(tmp_path: Path) -> Path:
    target = tmp_path / "assets"
    shutil.copytree(ASSETS, target)
    return target


def test_variants_are_distinct_stable_and_render(photos: dict[str, Path]) -> None:
    first = variants_for("product:42", 8, ASSETS)
    assert first == variants_for("product:42", 8, ASSETS)
    ids = [v.id for v in first]
    assert len(set(ids)) == 8
    assert len({v.template for v in first}) == len(list_templates(ASSETS))  # templates vary first
    for v in first:
        template, palette, crop = v.id.split(".")
        assert template in list_templates(ASSETS) and palette in PALETTES and crop in CROPS
    everything = variants_for("product:42", 1000, ASSETS)
    assert (
        len(everything) == len({v.id for v in everything}) == len(list_templates(ASSETS)) * len(PALETTES) * len(CROPS)
    )
    rendered = {
        render_pin(request(v.template, "Mug", (photos["mug"],), variant=v.id), ASSETS).sha256 for v in first[:4]
    }
    assert len(rendered) == 4
    img = render_pin(request("collage", "Mug", (photos["mug"],), variant="collage.dark.close"), ASSETS)
    assert img.variant == "collage.dark.close"


def test_bad_variant_and_template_names_fail_clearly(photos: dict[str, Path]) -> None:
    tpl = load_template(ASSETS, "photo-band")
    for bad in ("photo-band.neon.subject", "photo-band.brand.zoomed", "split-block.brand.subject", "x"):
        with pytest.raises(InvalidInput, match="variant"):
            resolve_variant(request("photo-band", "Mug", (), variant=bad), tpl)
    with pytest.raises(NotFound, match="template 'nope'"):
        render_pin(request("nope", "Mug", (photos["mug"],)), ASSETS)


def test_a_bare_template_name_is_that_template_in_its_default_look(photos: dict[str, Path], tmp_path: Path) -> None:
    """An experiment arm named `split-block`, or a pin queued with --template alone, renders the
    template's default palette and crop: the same image and the same cache entry as its full id."""
    tpl = load_template(ASSETS, "split-block")
    default = f"split-block.{tpl.default_palette}.subject"
    bare = request("split-block", "Mug", (photos["mug"],), variant="split-block")
    assert resolve_variant(bare, tpl).id == default
    looks = [
        render_pin(request("split-block", "Mug", (photos["mug"],), **kw), ASSETS)
        for kw in ({}, {"variant": "split-block"}, {"variant": default})
    ]
    assert {img.sha256 for img in looks} == {looks[0].sha256} and {img.variant for img in looks} == {default}
    other = render_pin(request("split-block", "Mug", (photos["mug"],), variant="split-block.dark.close"), ASSETS)
    assert other.sha256 != looks[0].sha256
    sources = (read_photo(photos["mug"]),)
    keys = {
        cache_key(request("split-block", "Mug", (photos["mug"],), variant=v), ASSETS, sources)
        for v in ("", "split-block", default)
    }
    assert len(keys) == 1
    assert render_to_cache(bare, ASSETS, tmp_path) == render_to_cache(
        request("split-block", "Mug", (photos["mug"],), variant=default), ASSETS, tmp_path
    )
    with pytest.raises(InvalidInput, match=r"expected photo-band, TEMPLATE\.PALETTE\.CROP"):
        resolve_variant(request("photo-band", "Mug", (), variant="split-block"), load_template(ASSETS, "photo-band"))


def test_fit_takes_the_largest_size_and_ellipsizes_only_as_a_last_resort() -> None:
    brand = load_brand(ASSETS)
    style = TextStyle(brand.heading_font, 30, 90, max_lines=2)
    short = fit_text("Mug", style, 600, 300)
    assert short is not None and short.size == 90 and short.lines == ("Mug",)
    medium = fit_text("Hand-thrown speckled stoneware mug", style, 600, 300)
    assert medium is not None and 30 < medium.size < 90 and len(medium.lines) == 2 and not medium.truncated
    assert max(medium.widths) <= 600 and medium.height <= 300
    assert fit_text("Hand-thrown speckled stoneware mug", style, 600, 300) == medium  # deterministic
    # One size up would not fit: the chosen size is the largest.
    bigger = TextStyle(brand.heading_font, medium.size + 1, medium.size + 1, max_lines=2)
    assert fit_text("Hand-thrown speckled stoneware mug", bigger, 600, 300).truncated  # type: ignore[union-attr]
    huge = fit_text(" ".join(["word"] * 80), style, 600, 300)
    assert huge is not None and huge.truncated and huge.size == 30 and len(huge.lines) == 2
    assert huge.lines[-1].endswith("…") and max(huge.widths) <= 600
    # A long word is never broken while a smaller size can hold it.
    word = fit_text("Supercalifragilistic", style, 400, 300)
    assert word is not None and word.lines == ("Supercalifragilistic",)


def test_non_latin_text_uses_glyphs_the_fonts_have() -> None:
    brand = load_brand(ASSETS)
    for font in (brand.heading_font, brand.body_font, brand.body_bold_font):
        assert missing_glyphs(font, ACCENTED + " Κούπα €£") == set()
    assert missing_glyphs(brand.heading_font, "陶器のマグカップ") != set()  # detection works


def test_brand_kit_picks_up_drop_in_fonts_and_logo(tmp_path: Path, photos: dict[str, Path]) -> None:
    assets = copy_assets(tmp_path)
    assert load_brand(assets).logo is None  # the repository's assets carry no shop's logo
    Image.new("RGBA", (300, 300), (230, 20, 200, 255)).save(assets / "logo.png")
    shutil.copy(assets / "fonts" / "Inter-SemiBold.otf", assets / "fonts" / "heading.otf")
    brand = load_brand(assets)
    assert brand.logo == assets / "logo.png"
    assert brand.heading_font == assets / "fonts" / "heading.otf"
    out = decode(render_pin(request("photo-band", "Mug", (photos["mug"],)), assets)).convert("RGB")
    logo_area = out.crop((830, 70, 930, 170)).getcolors(100_000) or []
    assert any(c[0] > 3000 and c[1][0] > 200 and c[1][1] < 60 for c in logo_area)  # the magenta logo


def test_brand_and_template_errors_name_the_file_and_field(tmp_path: Path) -> None:
    assets = copy_assets(tmp_path)
    (assets / "brand.toml").write_text('[colors]\nprimary = "green"\n')
    with pytest.raises(InvalidInput, match=r"brand.toml: colors.primary"):
        load_brand(assets)
    (assets / "brand.toml").write_text('[fonts]\nheading = "Missing.ttf"\n')
    with pytest.raises(InvalidInput, match=r"fonts.heading.*Missing.ttf"):
        load_brand(assets)
    (assets / "brand.toml").write_text("")
    bad = assets / "templates" / "edge.toml"
    bad.write_text('[[layer]]\ntype = "logo"\nbox = [900, 1400, 990, 1490]\n')
    with pytest.raises(InvalidInput, match=r"edge.toml: layer\[0\].*safe area"):
        load_template(assets, "edge")
    crowded = assets / "templates" / "crowded.toml"
    crowded.write_text(
        '[[layer]]\ntype = "stack"\nbox = [100, 100, 900, 200]\n'
        '[[layer.item]]\nfield = "title"\nsize = [40, 90]\nmax_lines = 3\n'
    )
    with pytest.raises(InvalidInput, match=r"crowded.toml.*need up to"):
        load_template(assets, "crowded")


@pytest.fixture
def no_logo_assets(tmp_path: Path) -> Iterator[Path]:
    assets = copy_assets(tmp_path)
    (assets / "brand.toml").write_text('logo = "none"\nshop_name = "Tiny Shop"\n')
    yield assets


def test_without_logo_or_photos_every_template_still_renders(no_logo_assets: Path) -> None:
    for name in list_templates(no_logo_assets):
        img = render_pin(request(name, "A pin with no photo at all", (), site_name=""), no_logo_assets)
        assert decode(img).size == (1000, 1500)
        eyebrow = [t for t in img.texts if t.field == "eyebrow"]
        assert all(t.lines == ("TINY SHOP",) for t in eyebrow)


def test_bytes_are_identical_in_a_fresh_process_with_another_hash_seed(photos: dict[str, Path]) -> None:
    import os
    import subprocess
    import sys

    req = request("photo-overlay", ACCENTED, (photos["busy"],), variant="photo-overlay.brand.close")
    here = render_pin(req, ASSETS).sha256
    code = (
        "import sys; from pathlib import Path; from pinbot.render import RenderRequest, render_pin; "
        f"req = RenderRequest(template={req.template!r}, title={req.title!r}, subtitle={req.subtitle!r}, "
        f"price={req.price!r}, badge={req.badge!r}, site_name={req.site_name!r}, "
        f"photos=(Path({str(req.photos[0])!r}),), variant={req.variant!r}); "
        f"print(render_pin(req, Path({str(ASSETS)!r})).sha256)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == here
