"""Real odd images (Pillow's own test files, tests/data/real/images) and real photos
(tests/data/real/photos): each one is either refused when queued or imported, with one line naming
the file and the problem, or renders; none is half-decoded, and no Pillow warning reaches stderr.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from PIL import Image

from pinbot.errors import ImageError
from pinbot.render import RenderRequest, check_photo, list_templates, render_pin
from tests.conftest import Cli

REPO = Path(__file__).resolve().parent.parent
IMAGES = REPO / "tests" / "data" / "real" / "images"
PHOTOS = REPO / "tests" / "data" / "real" / "photos"
ASSETS = REPO / "assets"

# file -> what the owner is told (the one line names the file, then this).
REFUSED = {
    "broken_data_stream.png": "cannot decode: the image data is damaged or cut off",
    "truncated_image.png": "cannot decode: the image data is damaged or cut off",
    "truncated_jpeg.jpg": "cannot decode: the image data is damaged or cut off",
    "truncated_end_chunk.png": "cannot decode: the image data is damaged or cut off",
    "ultrahdr.jpg": "cannot decode: the image data is damaged or cut off",
    "decompression_bomb.gif": "too many pixels (possible decompression bomb)",
    "png_decompression_dos.png": "possible decompression bomb",
    "zero_width.gif": "has no pixels (the GIF says 0x32)",
    "broken.png": "damaged PNG file: its header cannot be read",
    "hopper.ico": "not a supported image",
    "tRNS_null_1x1.png": "too small (1x1 px",
    "exif_gps.jpg": "too small (8x8 px",
    "icc_profile.png": "too small",
    "multipage.tiff": "too small",
    "apng/delay.png": "too small",
}
RENDERED = [
    "pil_sample_cmyk.jpg",
    "sugarshack.mpo",
    "sugarshack_bad_mpo_header.jpg",
    "hopper_bad_exif.jpg",
    "hopper_orientation_6.jpg",
    "exif_imagemagick_orientation.png",
    "uncompressed_la.png",
    "pil123p.png",
    "transparent.gif",
    "transparent.webp",
    "iss634.webp",
    "dispose_bgnd.gif",
]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_bad_file_is_refused_in_one_line_naming_it(name: str) -> None:
    with pytest.raises(ImageError) as caught:
        check_photo(IMAGES / name)
    message = str(caught.value)
    assert message.startswith(str(IMAGES / name) + ": ") and REFUSED[name] in message, message
    assert "\n" not in message


def test_a_broken_png_data_stream_is_never_rendered_half_black() -> None:
    """Reading EXIF used to decode the PNG, swallow the error and keep the half-decoded pixels."""
    req = RenderRequest(template="split-block", title="Bowl", photos=(IMAGES / "broken_data_stream.png",))
    with pytest.raises(ImageError, match="cannot decode"):
        render_pin(req, ASSETS)


@pytest.mark.parametrize("name", RENDERED)
def test_an_odd_but_sound_file_renders_without_a_pillow_warning(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a Pillow UserWarning would fail the test
        check_photo(IMAGES / name)
        out = render_pin(RenderRequest(template="photo-band", title="Bowl", photos=(IMAGES / name,)), ASSETS)
    assert (out.width, out.height) == (1000, 1500)


def test_exif_orientation_is_applied_after_a_full_decode() -> None:
    """exif_imagemagick_orientation.png says "rotate 180": the photo's top must end at the bottom."""
    with Image.open(IMAGES / "exif_imagemagick_orientation.png") as raw:
        raw_top = raw.convert("RGB").crop((0, 0, raw.width, 40)).resize((1, 1)).getpixel((0, 0))
    from pinbot.render.loading import open_photo, read_photo

    opened = open_photo(read_photo(IMAGES / "exif_imagemagick_orientation.png"), [], (255, 255, 255))
    im = opened.image.convert("RGB")
    bottom = im.crop((0, im.height - 40, im.width, im.height)).resize((1, 1)).getpixel((0, 0))
    assert bottom == raw_top


@pytest.mark.parametrize("template", list_templates(ASSETS))
def test_real_shop_photos_render_in_every_template(template: str) -> None:
    """A potter's own 4:5 photo and a museum's 1200x433 panorama-like photo (CC0)."""
    for name in ("pres6.jpg", "CHSDM-1980-31-5MattFlynn.jpg"):
        out = render_pin(RenderRequest(template=template, title="Tea bowl with a fox", photos=(PHOTOS / name,)), ASSETS)
        with Image.open(io.BytesIO(out.data)) as im:
            assert im.size == (1000, 1500)


def test_queue_add_refuses_each_bad_file_in_one_line(initialised_cli: Cli, shop_dir: Path) -> None:
    for name in ("broken_data_stream.png", "decompression_bomb.gif", "zero_width.gif", "truncated_jpeg.jpg"):
        target = shop_dir / Path(name).name
        shutil.copy(IMAGES / name, target)
        result = initialised_cli("queue", "add", "--board", "ceramics", "--title", "Bowl", "--image", str(target))
        assert result.exit_code == 2, result.output
        lines = [line for line in result.stderr.splitlines() if line]
        assert len(lines) == 1 and lines[0].startswith(f"pinbot: image: {target}: {REFUSED[name]}"), lines
    listed = json.loads(initialised_cli.ok("queue", "list", "--json").output)
    assert listed == []  # none of them reached the queue


def test_queue_import_names_the_row_and_the_file(initialised_cli: Cli, shop_dir: Path) -> None:
    shutil.copy(IMAGES / "truncated_image.png", shop_dir / "cut.png")
    shutil.copy(PHOTOS / "pres6.jpg", shop_dir / "bowl.jpg")
    (shop_dir / "pins.csv").write_text("board,title,image\nceramics,Fox bowl,bowl.jpg\nceramics,Cut bowl,cut.png\n")
    result = initialised_cli("queue", "import", str(shop_dir / "pins.csv"))
    assert result.exit_code == 2
    assert "pins.csv: row 3: image: cut.png: cannot decode: the image data is damaged or cut off" in result.stderr
    assert "1 pin queued, 0 already queued, 1 invalid row of 2" in result.stdout
    assert "1 invalid row; 1 row not queued" in result.stderr


def test_pillow_warnings_never_reach_stderr(initialised_cli: Cli, shop_dir: Path) -> None:
    """A real process (pytest would swallow warnings in-process): queue a JPEG whose MPO header
    makes Pillow warn, and render it."""
    shutil.copy(IMAGES / "sugarshack_bad_mpo_header.jpg", shop_dir / "stereo.jpg")
    env = {**os.environ, **initialised_cli.env, "PYTHONWARNINGS": "default"}

    def pinbot(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "pinbot", *args], cwd=shop_dir, env=env, capture_output=True,
                              text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "Warning" not in done.stderr and "MPO" not in done.stderr, done.stderr
        return done

    pin_id = pinbot("queue", "add", "--board", "ceramics", "--title", "Stereo", "--image", "stereo.jpg").stdout.strip()
    pinbot("render", pin_id, "--out", "previews")
    assert list((shop_dir / "previews").iterdir())


def test_products_add_refuses_a_damaged_photo(initialised_cli: Cli, shop_dir: Path) -> None:
    shutil.copy(IMAGES / "broken_data_stream.png", shop_dir / "vase.png")
    result = initialised_cli("products", "add", "--title", "Vase", "--link", "https://s.example/vase",
                             "--image", "vase.png")  # fmt: skip
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("pinbot: image: ") and "vase.png: cannot decode: the image data is damaged" in line
