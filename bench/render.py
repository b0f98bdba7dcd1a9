"""Benchmark: median time to render one pin (default template) from a 3000x4000 JPEG, against a
floor measured in the same run: open with draft, crop, resize to 1000x1500, encode JPEG (same
quality and chroma settings as the renderer), no text. Goal: ratio <= 1.3.

Then the photo check an import makes of every distinct photo: checking and fingerprinting N
real-size JPEGs (12 MP, camera-like grain, made from different crops of the real photos in
tests/data, none a near copy of another), as an import's check does it (`check_image` keeping the
fingerprint, then `fingerprint`), against the floor of Pillow opening each file and decoding it
once at 1/8 scale (`draft`). Goal: ratio <= 1.2.

Usage: python bench/render.py [--runs N] [--template NAME] [--photos N] [--only render|photos]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageChops

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pinbot.render import RenderRequest, render_pin  # noqa: E402
from pinbot.render.encode import jpeg_bytes  # noqa: E402
from pinbot.render.samples import sample_photo  # noqa: E402

W, H = 1000, 1500


def floor(path: Path) -> bytes:
    with Image.open(path) as im:
        sw, sh = im.size
        scale = max(W / sw, H / sh)
        im.draft("RGB", (int(sw * scale) + 1, int(sh * scale) + 1))
        im.load()
        iw, ih = im.size
        cw = min(iw, ih * W / H)
        ch = cw * H / W
        box = ((iw - cw) / 2, (ih - ch) / 2, (iw + cw) / 2, (ih + ch) / 2)
        out = im.resize((W, H), Image.Resampling.LANCZOS, box=box)
        return jpeg_bytes(out)


def timed(fn: object, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--template", default="photo-band")
    parser.add_argument("--photos", type=int, default=50)
    parser.add_argument("--only", choices=("render", "photos"))
    args = parser.parse_args()
    if args.only != "photos":
        render_figures(args)
    if args.only != "render":
        photo_figures(args.photos)
    return 0


def render_figures(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "product-3000x4000.jpg"
        buf = io.BytesIO()
        sample_photo("mug", (3000, 4000)).save(buf, "JPEG", quality=90)
        photo.write_bytes(buf.getvalue())
        input_bytes = len(buf.getvalue())
        req = RenderRequest(
            template=args.template,
            title="Speckled stoneware mug, hand-thrown in small batches",
            subtitle="Glazed in fern green · dishwasher safe",
            price="$38",
            badge="New",
            site_name="fernandkiln.com",
            photos=(photo,),
        )
        assets = REPO / "assets"
        render_pin(req, assets)  # warm fonts and caches, as a long-running daemon would be
        floor(photo)
        # Interleave so that both see the same machine state.
        f_times: list[float] = []
        r_times: list[float] = []
        for _ in range(args.runs):
            f_times += timed(lambda: floor(photo), 1)
            r_times += timed(lambda: render_pin(req, assets), 1)
        f_med, r_med = statistics.median(f_times), statistics.median(r_times)
        size = len(render_pin(req, assets).data)
    print(f"input        3000x4000 JPEG ({input_bytes // 1024} KB), {args.runs} runs")
    print(f"floor        {f_med * 1000:7.1f} ms  (draft open, crop, resize to {W}x{H}, encode JPEG)")
    print(f"render_pin   {r_med * 1000:7.1f} ms  (template {args.template}, output {size // 1024} KB)")
    print(f"ratio        {r_med / f_med:7.2f} x  (goal <= 1.30)")


SOURCES = (  # real photos: a potter's tea bowl, a patchwork panel, a cabin (a camera's MPO)
    REPO / "tests/data/real/photos/pres6.jpg",
    REPO / "tests/data/real/photos/CHSDM-1980-31-5MattFlynn.jpg",
    REPO / "tests/data/real/images/sugarshack.mpo",
)


def camera_photos(where: Path, count: int) -> list[Path]:
    """`count` 12 MP JPEGs, each a different crop of a real photo (mirrored every other turn),
    enlarged to 3000x4000 (or 4000x3000) with the same sensor-like grain added, saved at quality
    90 as a phone does. (`photo_figures` makes sure that none is a near copy of another.)"""
    sources = [Image.open(p).convert("RGB") for p in SOURCES]
    grain = Image.merge("RGB", [Image.effect_noise((3000, 4000), 6)] * 3)
    out: list[Path] = []
    for n in range(count):
        src, k = sources[n % len(sources)], n // len(sources)
        wide = src.width > src.height
        size = (4000, 3000) if wide else (3000, 4000)
        # A window of 55-85% of the photo's width, at the aspect of the output, moved around.
        cw = min(src.width * (55 + k * 7 % 31) // 100, src.height * size[0] // size[1])
        ch = cw * size[1] // size[0]
        x, y = (src.width - cw) * (k * 37 % 100) // 100, (src.height - ch) * (k * 61 % 100) // 100
        photo = src.crop((x, y, x + cw, y + ch)).resize(size, Image.Resampling.BILINEAR)
        if k % 2:
            photo = photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        photo = ImageChops.add(photo, grain.transpose(Image.Transpose.ROTATE_90) if wide else grain, 1.0, -128)
        out.append(where / f"photo-{n:03d}.jpg")
        photo.save(out[-1], quality=90)
    return out


def photo_figures(count: int, rounds: int = 3) -> None:
    """Check + fingerprint of every photo, as an import's workers do, next to the floor; in turn,
    `rounds` times. Each round touches the files first: the checks are cached by mtime."""
    from pinbot.queue.lint import Fingerprints
    from pinbot.render.subject import fingerprint, parse_fingerprint
    from pinbot.shop.validation import check_image

    def floor(paths: list[Path]) -> None:
        for path in paths:
            with Image.open(path) as im:
                im.draft("RGB", (im.width // 8, im.height // 8))
                im.load()

    def pinbot(paths: list[Path]) -> None:
        for path in paths:
            named, st, _ = check_image(str(path), keep_fingerprint=True)
            fingerprint(named, st)

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        paths = camera_photos(Path(tmp), count)
        made = time.perf_counter() - t0
        megabytes = sum(p.stat().st_size for p in paths) / 1e6
        floor(paths)  # warm: the files in the page cache, Pillow's plugins loaded, for both
        f_times: list[float] = []
        p_times: list[float] = []
        for r in range(rounds):
            for i, path in enumerate(paths):  # a new mtime: nothing cached from the last round
                os.utime(path, ns=(10**18 + r * 1000 + i, 10**18 + r * 1000 + i))
            f_times += timed(lambda: floor(paths), 1)
            p_times += timed(lambda: pinbot(paths), 1)
        # Each photo's fingerprint (kept by the last round): a shop's photos, not near copies.
        prints = Fingerprints()
        for path in paths:
            value = fingerprint(path.absolute())
            parsed = parse_fingerprint(value) if value else None
            if parsed is None or prints.copies(parsed):
                raise SystemExit(f"{path.name}: blank or a near copy of another photo; change the crops")
            prints.register(parsed)
    per = 1000 / count
    f_min, f_med = min(f_times) * per, statistics.median(f_times) * per
    p_min, p_med = min(p_times) * per, statistics.median(p_times) * per
    print(
        f"photos       {count} distinct 12 MP JPEGs, {megabytes / count:.1f} MB each (made in {made:.0f} s),"
        f" {rounds} rounds"
    )
    print(f"floor        {f_med:7.1f} ms a photo, min {f_min:.1f}  (open, decode once at 1/8 scale)")
    print(f"check+print  {p_med:7.1f} ms a photo, min {p_min:.1f}  (check_image keeping the fingerprint, fingerprint)")
    print(f"ratio        {p_med / f_med:7.2f} x  (goal <= 1.20)")


if __name__ == "__main__":
    raise SystemExit(main())
