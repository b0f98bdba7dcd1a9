"""Inline SVG pictures drawn in Python: daily line charts and the experiments' progress bar.

No JavaScript and no external resources, so a report opens offline and anywhere. A chart is drawn
once per screen size (phone, tablet, desktop; CSS shows the one that fits) so that its text is
never scaled below its set size; the title and legend are HTML beside it, where they can wrap.
Every point has an SVG <title>, so hovering shows the exact number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

INK = "#1f2933"
GRID = "#e4e7eb"
TICK = "#52606d"
COLORS = ("#c2410c", "#0f766e", "#4338ca", "#a21caf", "#b45309", "#0369a1")
# (css class, viewBox width, height, x tick count): one drawing per screen size.
SIZES = (("only-phone", 360, 220, 4), ("only-tablet", 680, 250, 6), ("only-desktop", 1000, 260, 9))


def fmt_number(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def fmt_pct(value: float, step: float = 0.0) -> str:
    """A percentage with as many decimals as the axis step needs (0%, 0.5%, 1%, 1.25%), or two
    below 10% and one above without a step."""
    decimals = min(_decimals(value), _decimals(step)) if step else (2 if value < 0.1 else 1)
    return f"{value * 100:.{decimals}f}%"


def _decimals(step: float) -> int:
    for decimals in (0, 1, 2):
        if abs(round(step * 100, decimals) - step * 100) < 1e-9:
            return decimals
    return 2


def nice_axis(peak: float, max_ticks: int = 5) -> tuple[float, float]:
    """(axis end, tick step): the smallest round step giving at most `max_ticks` intervals, and the
    first multiple of it at or above `peak`, so an axis ends just past the data (2.6% -> 3%)."""
    if peak <= 0:
        return 1.0, 0.25
    magnitude = 10.0 ** _floor_log10(peak)
    for base in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10):
        step = base * magnitude
        if peak / step <= max_ticks:
            ticks = max(1, -(-peak // step))
            return float(ticks * step), float(step)
    return float(peak), float(peak)


def _floor_log10(value: float) -> int:
    exponent = 0
    while value >= 10:
        value /= 10
        exponent += 1
    while value < 1:
        value *= 10
        exponent -= 1
    return exponent


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    color: str = COLORS[0]


def legend(items: Sequence[tuple[str, str]]) -> str:
    """HTML legend: (css colour, label) pairs as swatches that wrap on a narrow screen."""
    spans = "".join(
        f'<span class="key"><i style="background:{escape(color)}"></i>{escape(label)}</span>' for color, label in items
    )
    return f'<div class="legend">{spans}</div>'


def line_chart(
    days: Sequence[date], series: Sequence[Series], *, title: str, percent: bool = False, chart_id: str = ""
) -> str:
    """A daily chart as a <figure>: the title and legend in HTML, one SVG per screen size."""
    drawings = "".join(_line_svg(days, series, title, percent, chart_id, size) for size in SIZES)
    keys = legend([(s.color, s.name) for s in series]) if len(series) > 1 else ""
    return (
        f'<figure class="card chart" id="{escape(chart_id)}"><figcaption>{escape(title)}</figcaption>'
        f"{keys}{drawings}</figure>"
    )


def _line_svg(
    days: Sequence[date],
    series: Sequence[Series],
    title: str,
    percent: bool,
    chart_id: str,
    size: tuple[str, int, int, int],
) -> str:
    css, width, height, x_ticks = size
    left, right, top, bottom = (54 if percent else 46), 14, 12, 28
    w, h = width - left - right, height - top - bottom
    peak = max((v for s in series for v in s.values), default=0.0)
    ymax, ystep = nice_axis(peak, 4 if css == "only-phone" else 5)
    n = len(days)

    def x(i: int) -> float:
        return left + (w * i / (n - 1) if n > 1 else w / 2)

    def y(v: float) -> float:
        return top + h - h * (v / ymax)

    out = [
        f'<svg class="plot {css}" data-chart="{escape(chart_id)}" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    k = 0
    while k * ystep <= ymax + 1e-12:
        v = k * ystep
        label = fmt_pct(v, ystep) if percent else fmt_number(v)
        out.append(f'<line x1="{left}" x2="{left + w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" class="tick">{label}</text>')
        k += 1
    if n:
        step = max(1, -(-n // x_ticks))
        for i in range(0, n, step):
            anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
            out.append(
                f'<text x="{x(i):.1f}" y="{top + h + 19}" text-anchor="{anchor}" class="tick">{days[i]:%b %-d}</text>'
            )
    for s in series:
        if not s.values:
            continue
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        out.append(f'<polyline fill="none" stroke="{s.color}" stroke-width="2" points="{points}">')
        out.append(f"<title>{escape(s.name)}</title></polyline>")
        if n <= 120:
            for i, v in enumerate(s.values):
                label = fmt_pct(v, 0.0001) if percent else f"{v:,.0f}"
                out.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.4" fill="{s.color}">'
                    f"<title>{days[i]:%a %d %b} {escape(s.name)}: {label}</title></circle>"
                )
    if not n:
        out.append(f'<text x="{left + w / 2}" y="{top + h / 2}" text-anchor="middle" class="tick">no data yet</text>')
    out.append("</svg>")
    return "".join(out)


def progress_bar(share: float, *, label: str, width: int = 300) -> str:
    filled = max(0.0, min(1.0, share)) * (width - 2)
    return (
        f'<svg class="progress" viewBox="0 0 {width} 14" width="{width}" height="14" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
        f'<rect x="1" y="1" width="{width - 2}" height="12" rx="6" fill="{GRID}"/>'
        f'<rect x="1" y="1" width="{filled:.1f}" height="12" rx="6" fill="{COLORS[1]}"/></svg>'
    )
