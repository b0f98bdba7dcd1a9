"""Benchmark: median time to render one pin (default template) from a 3000x4000 JPEG, against a
floor measured in the same run: open with draft, crop, resize to 1000x1500, encode JPEG (same
quality and chroma settings as the renderer), no text. Goal: ratio <= 1.3.

Usage: python bench/render.py [--runs N] [--template NAME]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

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
    args = parser.parse_args()
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
