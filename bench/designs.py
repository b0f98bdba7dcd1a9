"""Design check: every template x crop (x palette) over a corpus of product photos, measured
against the product's true box (bench/design_corpus.py), with figures per template:

  covered   renders where text, a pill or a scrim lies over the product (goal 0%)
  cut       renders where part of the product is outside its photo slot (goal 0%)
  small     texts below feed-size legibility: headline x-height < 7 px, other text < 5 px at
            236 px wide (goal 0; such text is left out with a note instead)
  contrast  the lowest text contrast measured (goal >= 4.5)
  skipped   photos the template is not used for (template_fits), with the reasons

Usage: python bench/designs.py [--quick] [--sheets DIR] [--palettes all]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.append(str(REPO / "bench"))  # appended: bench/queue.py must not shadow the stdlib queue

from design_corpus import CorpusPhoto, build  # noqa: E402

from pinbot.render import CROPS, PALETTES, RenderRequest, list_templates, load_template  # noqa: E402
from pinbot.render.api import render_pin  # noqa: E402
from pinbot.render.fits import template_fits  # noqa: E402
from pinbot.render.legibility import min_letter_height  # noqa: E402
from pinbot.render.types import Box, RenderedImage  # noqa: E402

ASSETS = REPO / "assets"
TITLE = "Hand-thrown stoneware, glazed in small batches in our studio"
SUBTITLE = "Made to order in 3 days."
WCAG = 4.5


@dataclass
class Figures:
    renders: int = 0
    covered: int = 0
    cut: int = 0
    small: int = 0
    min_contrast: float = 99.0
    skipped: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    fill: list[float] = field(default_factory=list)


def _area(b: tuple[float, float, float, float]) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _meet(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> tuple[float, ...]:
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])


def truth_on_canvas(truth: Box, size: tuple[int, int], slot: Box, window: tuple[float, ...]) -> tuple[float, ...]:
    """The product's true box, through the render's cut, in canvas pixels."""
    w, h = size
    wx0, wy0, wx1, wy1 = window
    sx0, sy0, sx1, sy1 = slot
    kx, ky = (sx1 - sx0) / (wx1 - wx0), (sy1 - sy0) / (wy1 - wy0)
    return (
        sx0 + (truth[0] / w - wx0) * kx,
        sy0 + (truth[1] / h - wy0) * ky,
        sx0 + (truth[2] / w - wx0) * kx,
        sy0 + (truth[3] / h - wy0) * ky,
    )


def measure(
    img: RenderedImage, photos: list[CorpusPhoto], sizes: list[tuple[int, int]], fig: Figures, label: str
) -> None:
    fig.renders += 1
    covered = cut = False
    for placed in img.photos:
        i = placed.photo % len(photos)
        box = truth_on_canvas(photos[i].truth, sizes[i], placed.slot, placed.window)
        whole = _area(box)
        inside = _area(_meet(box, tuple(map(float, placed.slot))))
        if whole - inside > 0.002 * whole + 2:  # more than rounding
            cut = True
            fig.problems.append(f"{label}: product cut ({100 * (1 - inside / whole):.1f}% outside its slot)")
        for text in img.texts:
            over = _area(_meet(box, tuple(map(float, text.bbox))))
            if over > 0:
                covered = True
                fig.problems.append(f"{label}: {text.field} covers {100 * over / whole:.1f}% of the product")
        for scrim in img.scrims:
            over = _area(_meet(box, tuple(map(float, scrim))))
            if over > 1:
                covered = True
                fig.problems.append(f"{label}: scrim over {100 * over / whole:.1f}% of the product")
        fig.fill.append(1 - placed.photo_share)
    for text in img.texts:
        fig.min_contrast = min(fig.min_contrast, text.contrast)
        if text.x_height + 1e-6 < min_letter_height(text.field):
            fig.small += 1
            fig.problems.append(f"{label}: {text.field} x-height {text.x_height:.0f} px")
    fig.covered += covered
    fig.cut += cut


def run(
    corpus: list[CorpusPhoto],
    crops: tuple[str, ...] = CROPS,
    palettes: tuple[str, ...] = ("",),
    on_render: Callable[[str, str, RenderedImage], None] | None = None,
) -> dict[str, Figures]:
    from PIL import Image

    sizes = {c.name: Image.open(c.path).size for c in corpus}
    out: dict[str, Figures] = defaultdict(Figures)
    for name in list_templates(ASSETS):
        tpl = load_template(ASSETS, name)
        fig = out[name]
        for k, photo in enumerate(corpus):
            # A collage gets this photo and the next one (two different products' photos).
            group = [photo, corpus[(k + len(corpus) // 2) % len(corpus)]] if tpl.min_photos > 1 else [photo]
            ok, reason = template_fits([p.path for p in group], tpl)
            if not ok:
                fig.skipped[reason.split(" (")[0].split(":")[0]] += 1
                continue
            for crop in crops:
                for palette in palettes:
                    variant = f"{name}.{palette or tpl.default_palette}.{crop}"
                    req = RenderRequest(
                        template=name,
                        title=TITLE,
                        subtitle=SUBTITLE,
                        price="$48",
                        badge="New",
                        site_name="fernandkiln.com",
                        photos=tuple(p.path for p in group),
                        variant=variant,
                    )
                    img = render_pin(req, ASSETS)
                    measure(img, group, [sizes[p.name] for p in group], fig, f"{photo.name} {variant}")
                    if on_render is not None:
                        on_render(photo.name, variant, img)
    return dict(out)


def report(figures: dict[str, Figures]) -> str:
    lines = [f"{'template':14s} {'renders':>7s} {'covered':>8s} {'cut':>6s} {'small':>6s} {'min contrast':>12s}"
             f" {'fill avg':>8s}  skipped"]  # fmt: skip
    for name, f in figures.items():

        def pct(n: int, total: int = f.renders) -> str:
            return f"{100 * n / total:5.1f}%" if total else "    -"

        fill = sum(f.fill) / len(f.fill) if f.fill else 0.0
        skipped = "; ".join(f"{n} x {why}" for why, n in f.skipped.most_common()) or "none"
        lines.append(
            f"{name:14s} {f.renders:7d} {pct(f.covered):>8s} {pct(f.cut):>6s} {f.small:6d} "
            f"{f.min_contrast if f.renders else 0:12.2f} {100 * fill:7.1f}%  {skipped}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small corpus the tests use")
    parser.add_argument("--palettes", choices=("default", "all"), default="default")
    parser.add_argument("--sheets", type=Path, default=None, help="write a contact sheet per template here")
    args = parser.parse_args()
    palettes: tuple[str, ...] = PALETTES if args.palettes == "all" else ("",)
    renders: dict[str, list[tuple[str, bytes]]] = defaultdict(list)

    def keep(photo: str, variant: str, img: RenderedImage) -> None:
        if args.sheets is not None and variant.endswith(".subject"):
            renders[variant.split(".")[0]].append((photo, img.data))

    with tempfile.TemporaryDirectory() as tmp:
        corpus = build(Path(tmp), quick=args.quick)
        figures = run(corpus, palettes=palettes, on_render=keep)
    print(f"corpus: {len(corpus)} photos; crops: {', '.join(CROPS)}; palettes: {args.palettes}")
    print(report(figures))
    problems = [p for f in figures.values() for p in f.problems]
    for p in problems[:40]:
        print("  " + p)
    if args.sheets is not None:
        from pinbot.render import load_brand, make_contact_sheet

        args.sheets.mkdir(parents=True, exist_ok=True)
        for name, items in renders.items():
            for start in range(0, len(items), 12):
                data = make_contact_sheet(items[start : start + 12], load_brand(ASSETS), f"{name} ({start // 12 + 1})")
                (args.sheets / f"{name}-{start // 12 + 1}.jpg").write_bytes(data)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
