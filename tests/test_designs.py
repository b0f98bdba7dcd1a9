"""Pin designs that sell the product (issue 14): the product is found, never cut and never covered
in any template or crop, text reads at feed size, templates that cannot show a product are skipped,
variants differ, and the headline, badge, upscale warning and near-duplicate lint work end to end.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest
from PIL import Image

from pinbot.render import CROPS, RenderRequest, list_templates, load_template, render_pin
from pinbot.render.crop import cut, padded
from pinbot.render.fits import template_fits, upscale_needed, upscale_warning
from pinbot.render.headline import headline_from
from pinbot.render.loading import read_photo
from pinbot.render.samples import sample_photo
from pinbot.render.subject import analyse, distinct_photos, photo_info
from pinbot.render.variants import variants_for

REPO = Path(__file__).resolve().parent.parent
ASSETS = REPO / "assets"
sys.path.append(str(REPO / "bench"))  # appended: bench/queue.py must not shadow the stdlib queue

import designs  # noqa: E402
from design_corpus import build  # noqa: E402

from tests.conftest import Cli  # noqa: E402
from tests.helpers import write_csv  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[designs.CorpusPhoto]:
    return build(tmp_path_factory.mktemp("corpus"), quick=True)


def test_design_check_on_a_sample_of_the_corpus(corpus: list[designs.CorpusPhoto]) -> None:
    """The figures bench/designs.py prints for the whole corpus, on a sample: no product covered
    by text, pill or scrim, none cut, every text legible at feed size and >= 4.5:1."""
    sample = [c for c in corpus if c.name in ("demo-vase", "demo-macrame", "demo-cups", "sample-mug-1200x1200")]
    sample += [c for c in corpus if c.name.startswith("real-")]
    figures = designs.run(sample, crops=CROPS)
    assert sum(f.renders for f in figures.values()) >= 30
    for name, f in figures.items():
        assert f.problems == [], (name, f.problems[:5])
        assert f.covered == 0 and f.cut == 0 and f.small == 0, name
        if f.renders:
            assert f.min_contrast >= 4.5, name


def test_subject_box_contains_the_true_product(corpus: list[designs.CorpusPhoto]) -> None:
    for photo in corpus:
        if photo.name.startswith("real-"):
            continue
        info = photo_info(read_photo(photo.path))
        x0, y0, x1, y1 = padded(info.subject_px((info.width, info.height)), (info.width, info.height))
        t = photo.truth
        slack = 0.02 * max(info.width, info.height)
        assert x0 <= t[0] + slack and y0 <= t[1] + slack and x1 >= t[2] - slack and y1 >= t[3] - slack, photo.name


def test_tall_subjects_keep_their_tops() -> None:
    """A bud vase's flower and a macrame hanger's ring stay in every crop of every template."""
    from design_corpus import demo_scene

    for scene, index in (("vase", 8), ("macrame", 11)):
        image, truth = demo_scene(scene, index)
        info = analyse(image)
        top = info.subject[1] * image.height
        assert top <= truth[1] + 0.02 * image.height, scene


def test_any_photo_size_and_shape_gets_a_cut_that_keeps_the_product() -> None:
    """Property: for sizes 200..12000 px at any aspect and any product box, every template's photo
    slot gets a window of its aspect that contains the padded product inside the focus."""
    rnd = random.Random(14)
    layers = [
        layer
        for name in list_templates(ASSETS)
        for layer in load_template(ASSETS, name).layers
        if type(layer).__name__ == "PhotoLayer"
    ]
    for _ in range(400):
        w, h = rnd.randint(200, 12000), rnd.randint(200, 12000)
        sx0, sy0 = rnd.uniform(0, w * 0.9), rnd.uniform(0, h * 0.9)
        subject = (sx0, sy0, rnd.uniform(sx0 + 1, w), rnd.uniform(sy0 + 1, h))
        layer = rnd.choice(layers)
        slot = (layer.box[2] - layer.box[0], layer.box[3] - layer.box[1])
        fx = [(layer.focus[i] - layer.box[i % 2]) / slot[i % 2] for i in range(4)]
        for mode in CROPS:
            c = cut((w, h), slot, subject, mode, (fx[0], fx[1], fx[2], fx[3]), layer.zoom, layer.max_zoom)
            x0, y0, x1, y1 = c.window
            assert abs((x1 - x0) / (y1 - y0) - slot[0] / slot[1]) < 1e-6
            p = c.to_slot(padded(subject, (w, h)))
            tol = 1e-6 * max(w, h)
            assert p[0] >= fx[0] * slot[0] - tol and p[2] <= fx[2] * slot[0] + tol, (w, h, subject, mode)
            assert p[1] >= fx[1] * slot[1] - tol and p[3] <= fx[3] * slot[1] + tol, (w, h, subject, mode)


@pytest.mark.parametrize("size", [(2592, 1944), (200, 1000), (1000, 200), (4000, 3000), (333, 777)])
def test_odd_photo_sizes_render_in_every_template(size: tuple[int, int], tmp_path: Path) -> None:
    path = tmp_path / "p.jpg"
    sample_photo("mug", size).save(path, quality=85)
    for name in list_templates(ASSETS):
        img = render_pin(RenderRequest(template=name, title="Mug", photos=(path,), variant=None), ASSETS)
        assert (img.width, img.height) == (1000, 1500)


def test_crops_of_one_template_render_different_images(tmp_path: Path) -> None:
    path = tmp_path / "mug.jpg"
    sample_photo("mug", (1200, 1600)).save(path, quality=90)
    for name in list_templates(ASSETS):
        shas = {
            render_pin(RenderRequest(template=name, title="Mug", photos=(path,), variant=f"brand.{c}"), ASSETS).sha256
            for c in CROPS
        }
        assert len(shas) == 3, name


def test_photo_overlay_puts_the_headline_where_the_product_is_not(tmp_path: Path) -> None:
    high = tmp_path / "high.jpg"
    sample_photo("mug", (1200, 1600)).save(high)  # the product sits a little high
    low = tmp_path / "low.jpg"
    sample_photo("mug", (1200, 1600)).transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(low)
    for path, where in ((high, "bottom"), (low, "top")):
        img = render_pin(RenderRequest(template="photo-overlay", title="Mug", photos=(path,)), ASSETS)
        assert img.photos[0].arrangement == where
        title = next(t for t in img.texts if t.field == "title")
        subject = img.photos[0].subject
        assert title.bbox[1] >= subject[3] if where == "bottom" else title.bbox[3] <= subject[1]


def test_collage_needs_two_different_photos(tmp_path: Path) -> None:
    a = tmp_path / "a.jpg"
    sample_photo("mug", (1600, 1200)).save(a, quality=90)
    copy = tmp_path / "copy.png"
    Image.open(a).resize((800, 600)).save(copy)  # a resized, re-encoded copy is the same picture
    other = tmp_path / "b.jpg"
    sample_photo("planter", (1600, 1200)).save(other)
    collage = load_template(ASSETS, "collage")
    ok, why = template_fits([a], collage)
    assert not ok and "2 or more different photos" in why
    ok, why = template_fits([a, copy], collage)
    assert not ok and "one photo" in why
    assert distinct_photos([photo_info(read_photo(p)) for p in (a, copy, other)]) == 2
    assert template_fits([a, other], collage) == (True, "")
    assert all(v.template != "collage" for v in variants_for("product:1", 30, ASSETS, [a]))
    assert any(v.template == "collage" for v in variants_for("product:1", 30, ASSETS, [a, other]))


def test_six_variants_are_visibly_different(tmp_path: Path) -> None:
    path = tmp_path / "mug.jpg"
    sample_photo("mug", (1200, 1600)).save(path)
    chosen = variants_for("product:7", 6, ASSETS, [path])
    assert len({v.id for v in chosen}) == 6
    pixels = []
    for v in chosen:
        img = render_pin(RenderRequest(template=v.template, title="Mug", photos=(path,), variant=v.id), ASSETS)
        pixels.append(Image.open(__import__("io").BytesIO(img.data)).convert("L").resize((50, 75)).tobytes())
    for i in range(len(pixels)):
        for j in range(i):
            diff = sum(abs(a - b) for a, b in zip(pixels[i], pixels[j], strict=True)) / len(pixels[i])
            assert diff > 4, (chosen[i].id, chosen[j].id, diff)


def test_headline_badge_and_dropped_text_notes(tmp_path: Path) -> None:
    assert headline_from("Speckled stoneware mug, hand-thrown in small batches") == "Speckled stoneware mug"
    assert headline_from("Short title") == "Short title"
    assert len(headline_from("word " * 30)) <= 40 and not headline_from("word " * 30).endswith("…")
    path = tmp_path / "mug.jpg"
    sample_photo("mug", (1200, 1600)).save(path)
    long_sub = "A very long first sentence of a description that goes on far beyond one line of the band"
    img = render_pin(
        RenderRequest(template="photo-band", title="Mug", headline="Fern green mugs", badge="Sale",
                      subtitle=long_sub, photos=(path,)),
        ASSETS,
    )  # fmt: skip
    fields = {t.field: t for t in img.texts}
    assert fields["title"].lines == ("Fern green mugs",)
    assert fields["badge"].lines == ("SALE",)
    assert "subtitle" not in fields
    assert any(n.startswith("subtitle left out") for n in img.notes)


def test_feed_size_floors_and_logo_corner(tmp_path: Path) -> None:
    from pinbot.errors import InvalidInput

    path = tmp_path / "mug.jpg"
    sample_photo("mug", (1200, 1600)).save(path)
    for name in list_templates(ASSETS):
        img = render_pin(
            RenderRequest(template=name, title="Mug", subtitle="Glazed.", price="$38", badge="New",
                          site_name="shop.example", photos=(path,)),
            ASSETS,
        )  # fmt: skip
        for t in img.texts:
            feed = t.x_height * 236 / 1000
            assert feed >= (7 if t.field == "title" else 5) - 1e-6, (name, t.field, feed)
    bad = tmp_path / "assets" / "templates"
    bad.mkdir(parents=True)
    (bad / "x.toml").write_text('[[layer]]\ntype = "logo"\nbox = [800, 1200, 900, 1300]\n')
    with pytest.raises(InvalidInput, match="lower-right"):
        load_template(tmp_path / "assets", "x")


def test_upscale_warning_names_the_size_needed() -> None:
    band = load_template(ASSETS, "photo-band")
    assert upscale_needed((3000, 4000), band) < 1
    line = upscale_warning(Path("small.jpg"), (600, 400), band)
    assert "small.jpg (600x400 px)" in line and "enlarged" in line and "at least" in line
    assert upscale_warning(Path("big.jpg"), (2000, 2000), band) == ""


def test_lint_refuses_a_resized_copy_on_the_same_board_with_the_same_design(tmp_path: Path) -> None:
    from pinbot.queue.lint import findings
    from pinbot.shop.rules import ScheduleRules

    original = tmp_path / "mug.jpg"
    sample_photo("mug", (1200, 1600)).save(original, quality=90)
    copy = tmp_path / "mug-small.png"
    Image.open(original).resize((600, 800)).save(copy)
    other = tmp_path / "planter.jpg"
    sample_photo("planter", (1200, 1600)).save(other)

    class P:
        def __init__(self, image: Path, template: str = "photo-band", board: int = 1) -> None:
            self.board_id, self.title, self.link = board, "Mug", ""
            self.image_path, self.template, self.variant_key, self.product_id = str(image), template, None, None

    rules = ScheduleRules()
    problems = findings([P(original), P(copy)], rules, {1: "mugs"})
    assert len(problems) == 1 and "a copy of" in problems[0].message
    assert findings([P(original), P(copy, "split-block")], rules, {1: "mugs"}) == []  # another design
    assert findings([P(original), P(copy, board=2)], rules, {1: "mugs", 2: "cups"}) == []  # another board
    assert findings([P(original), P(other)], rules, {1: "mugs"}) == []  # another photo


def test_cli_headline_badge_csv_and_upscale_warning(initialised_cli: Cli, tmp_path: Path) -> None:
    from pinbot.posting.images import render_request_for
    from tests.test_queue_cli import add_args, pins

    cli = initialised_cli
    small = tmp_path / "small.jpg"
    sample_photo("mug", (600, 400)).save(small)
    result = cli.ok("queue", "add", *add_args(small), "--headline", "Fern green mugs", "--badge", "New")
    assert "small.jpg (600x400 px) would be enlarged" in result.stderr and "at least" in result.stderr
    (pin,) = pins(cli)
    assert (pin.headline, pin.badge) == ("Fern green mugs", "New")
    assert pin.image_hash and len(pin.image_hash) == 40
    req = render_request_for(pin, None, None) or RenderRequest(template="", title="")
    assert req.template == "" or (req.headline, req.badge) == ("Fern green mugs", "New")

    big = tmp_path / "planter.jpg"
    sample_photo("planter", (2000, 3000)).save(big)
    csv_path = write_csv(
        tmp_path / "pins.csv",
        ["board", "title", "image", "headline", "badge"],
        [["ceramics", "Terracotta planter, hand-thrown", str(big), "Planters for sunny sills", "Sale"]],
    )
    result = cli.ok("queue", "import", str(csv_path))
    assert "would be enlarged" not in result.stderr
    newest = pins(cli)[-1]
    assert (newest.headline, newest.badge) == ("Planters for sunny sills", "Sale")

    # The same photo, resized, in the same design on the same board is refused; another board is fine.
    copy = tmp_path / "planter-copy.png"
    Image.open(big).resize((1000, 1500)).save(copy)
    refused = cli("queue", "add", *add_args(copy, **{"--title": "Planter again"}))
    assert refused.exit_code != 0 and "a copy of" in refused.output


def test_cli_products_headline_badge_feed_the_render_request(initialised_cli: Cli, tmp_path: Path) -> None:
    from pinbot.posting.previews import product_request
    from pinbot.store.models import Product

    photo = tmp_path / "mug.jpg"
    sample_photo("mug", (2000, 2600)).save(photo)
    cli = initialised_cli
    args = ["products", "add", "--title", "Speckled mug", "--link", "https://shop.example.com/m", "--image", str(photo)]
    cli.ok(*args, "--headline", "Mugs for slow mornings", "--badge", "Handmade")
    from pinbot.store import db

    engine = db.make_engine(cli.env["PINBOT_DATABASE_URL"])
    with db.session_scope(engine) as session:
        from sqlmodel import select

        product = session.exec(select(Product)).one()
        req = product_request(product, "photo-band")
    engine.dispose()
    assert (req.headline, req.badge) == ("Mugs for slow mornings", "Handmade")


def test_render_cli_notes_dropped_text_and_the_sheet_says_why(initialised_cli: Cli, tmp_path: Path) -> None:
    from pinbot.store import db
    from pinbot.store.models import Product

    photo = tmp_path / "mug.jpg"
    sample_photo("mug", (1500, 2000)).save(photo, quality=90)
    long_first_sentence = (
        "This is a description whose first sentence runs on far too long to be printed under a headline."
    )
    engine = db.make_engine(initialised_cli.env["PINBOT_DATABASE_URL"])
    with db.session_scope(engine) as session:
        account = db.get_or_create_account(session, "default")
        product = Product(account_id=account.id, external_id="m", title="Speckled mug", link="https://x.example/m",
                          description=long_first_sentence[:89] + ".", image_paths=[str(photo)])  # fmt: skip
        session.add(product)
        session.flush()
        pid = product.id
    engine.dispose()
    out = tmp_path / "out"
    result = initialised_cli.ok("render", "--product", str(pid), "--template", "photo-band", "--out", str(out))
    assert "note: subtitle left out" in result.output
    sheet = initialised_cli.ok("render", "--product", str(pid), "--sheet", "--out", str(out))
    assert "collage: not used for this product: needs 2 or more different photos" in sheet.output
    assert (out / f"sheet-product-{pid}.jpg").is_file()
    as_json = json.loads(initialised_cli.ok("render", "--product", str(pid), "--json", "--out", str(out)).stdout)
    assert "collage" in as_json["skipped"]
    assert all("(collage)" not in r["label"] for r in as_json["renders"])
