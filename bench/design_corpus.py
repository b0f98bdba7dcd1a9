"""The photo corpus of the design check: product photos with the product's true box.

- the demo shop's 12 product-on-table scenes (pinbot/demo/photos.py), whose true box is where the
  scene differs from the same backdrop drawn without it;
- the renderer's sample photos (pinbot/render/samples.py) at portrait, square, landscape and
  panorama sizes, whose true box `product_box` gives;
- real public photos of handmade goods in tests/data/real/photos (licences in its README), whose
  box is the one read off by eye (below) and checked on the contact sheets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops

from pinbot.demo import photos, shop
from pinbot.render.samples import KINDS, product_box, sample_photo

Box = tuple[int, int, int, int]
REAL = Path(__file__).resolve().parent.parent / "tests" / "data" / "real" / "photos"
# Read off the photos by eye (x0, y0, x1, y1 in pixels): the whole object, generously.
REAL_BOXES: dict[str, Box] = {
    "pres6.jpg": (120, 310, 900, 930),  # the tea bowl with its fox (not the stone it stands on)
    "CHSDM-1980-31-5MattFlynn.jpg": (0, 0, 1200, 433),  # a patchwork panel that fills the frame
}
SAMPLE_SIZES = ((1200, 1600), (1600, 1200), (1200, 1200), (2592, 1944), (2400, 1000), (900, 1600))


@dataclass(frozen=True)
class CorpusPhoto:
    name: str
    path: Path
    truth: Box  # the product, in the photo's pixels


def _save(image: Image.Image, path: Path) -> Path:
    image.convert("RGB").save(path, "JPEG", quality=90)
    return path


def demo_scene(name: str, index: int) -> tuple[Image.Image, Box]:
    """A demo shop photo and the box of everything its scene drew over the backdrop (a soft
    contact shadow is not the product: it differs from the backdrop by less than 48 levels)."""
    plain = photos.backdrop(index).reduce(photos.SS)
    photo = photos.draw_photo(name, index)
    diff = ImageChops.difference(photo, plain).convert("L").point(lambda v: 255 if v > 48 else 0)
    box = diff.getbbox() or (0, 0, photo.width, photo.height)
    return photo, box


def build(folder: Path, *, quick: bool = False) -> list[CorpusPhoto]:
    """Write the corpus into `folder`; `quick` keeps a small, varied sample (for the tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    out: list[CorpusPhoto] = []
    scenes = [p.draw for p in shop.PRODUCTS]
    for i, scene in enumerate(dict.fromkeys(scenes)):
        if quick and scene not in ("vase", "cups", "pendant", "macrame"):
            continue
        image, box = demo_scene(scene, i)
        out.append(CorpusPhoto(f"demo-{scene}", _save(image, folder / f"demo-{scene}.jpg"), box))
    sizes = SAMPLE_SIZES[::2] if quick else SAMPLE_SIZES
    for kind in KINDS:
        for size in sizes:
            if quick and kind not in ("mug", "planter"):
                continue
            path = _save(sample_photo(kind, size), folder / f"sample-{kind}-{size[0]}x{size[1]}.jpg")
            out.append(CorpusPhoto(f"sample-{kind}-{size[0]}x{size[1]}", path, product_box(kind, size)))
    for name, box in REAL_BOXES.items():
        if (REAL / name).is_file():
            out.append(CorpusPhoto(f"real-{Path(name).stem}", REAL / name, box))
    return out
