"""Inline SVG charts drawn in Python: a time series and rate bars with 95% interval whiskers.

No JavaScript and no external resources, so a report opens offline and anywhere. Every mark has
an SVG <title> so hovering shows the exact numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

INK = "#1f2933"
GRID = "#e4e7eb"
MUTED = "#9aa5b1"
COLORS = ("#c2410c", "#0f766e", "#4338ca", "#a21caf", "#b45309", "#0369a1")


def _fmt(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _pct(value: float) -> str:
    return f"{value * 100:.2f}%" if value < 0.1 else f"{value * 100:.1f}%"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** len(str(int(value))) / 10 if value >= 1 else 1.0
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    color: str = COLORS[0]


def line_chart(
    days: Sequence[date],
    series: Sequence[Series],
    *,
    title: str,
    percent: bool = False,
    width: int = 720,
    height: int = 240,
    chart_id: str = "",
) -> str:
    """A multi-line daily chart with a y grid, date ticks and a legend."""
    left, right, top, bottom = 56, 16, 30, 34
    w, h = width - left - right, height - top - bottom
    peak = max((v for s in series for v in s.values), default=0.0)
    ymax = (_nice_max(peak * 1000) / 1000 if percent else _nice_max(peak)) or 1.0
    n = len(days)

    def x(i: int) -> float:
        return left + (w * i / (n - 1) if n > 1 else w / 2)

    def y(v: float) -> float:
        return top + h - h * (v / ymax)

    out = [
        f'<svg class="chart line" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{left}" y="18" class="ct">{escape(title)}</text>',
    ]
    for k in range(6):
        v = ymax * k / 5
        yy = y(v)
        label = _pct(v) if percent else _fmt(v)
        out.append(f'<line x1="{left}" x2="{left + w}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" class="tick">{label}</text>')
    if n:
        step = max(1, n // 6)
        for i in range(0, n, step):
            out.append(
                f'<text x="{x(i):.1f}" y="{top + h + 18}" text-anchor="middle" class="tick">{days[i]:%b %d}</text>'
            )
    for s in series:
        if not s.values:
            continue
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        out.append(f'<polyline fill="none" stroke="{s.color}" stroke-width="2" points="{points}">')
        out.append(f"<title>{escape(s.name)}</title></polyline>")
        for i, v in enumerate(s.values):
            if n <= 120:
                label = _pct(v) if percent else f"{v:,.0f}"
                out.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.2" fill="{s.color}">'
                    f"<title>{days[i]:%Y-%m-%d} {escape(s.name)}: {label}</title></circle>"
                )
    lx = left + w
    for s in reversed(series):
        text_w = 7 * len(s.name) + 18
        lx -= text_w
        out.append(f'<rect x="{lx}" y="9" width="10" height="10" fill="{s.color}"/>')
        out.append(f'<text x="{lx + 14}" y="18" class="tick">{escape(s.name)}</text>')
    if not n:
        out.append(f'<text x="{left + w / 2}" y="{top + h / 2}" text-anchor="middle" class="tick">no data yet</text>')
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    low: float
    high: float
    note: str  # shown after the bar, e.g. "3,200 impressions"
    muted: bool = False  # too little data to rank


def rate_bars(
    bars: Sequence[Bar],
    *,
    title: str,
    reference: float | None = None,
    reference_label: str = "shop",
    width: int = 720,
    chart_id: str = "",
) -> str:
    """Horizontal bars of a rate with 95% interval whiskers and a dashed line at the shop's rate."""
    label_w, note_w, row = 190, 150, 26
    top = 46
    height = top + row * max(1, len(bars)) + 12
    w = width - label_w - note_w - 10
    peak = max([b.high for b in bars] + [reference or 0.0, 0.0001])
    xmax = _nice_max(peak * 1000) / 1000

    def x(v: float) -> float:
        return label_w + w * min(v, xmax) / xmax

    out = [
        f'<svg class="chart bars" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="4" y="18" class="ct">{escape(title)}</text>',
    ]
    for k in range(5):
        v = xmax * k / 4
        out.append(
            f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{top - 6}" y2="{height - 8}" stroke="{GRID}"/>'
            f'<text x="{x(v):.1f}" y="{top - 9}" text-anchor="middle" class="tick">{_pct(v)}</text>'
        )
    for i, b in enumerate(bars):
        y = top + i * row
        color = MUTED if b.muted else COLORS[i % len(COLORS)]
        tip = f"{b.label}: {_pct(b.value)} (95% interval {_pct(b.low)}–{_pct(b.high)}), {b.note}"
        out.append(f'<g class="bar"><title>{escape(tip)}</title>')
        out.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" class="lbl">{escape(b.label[:28])}</text>')
        out.append(
            f'<rect x="{label_w}" y="{y + 5}" width="{max(0.0, x(b.value) - label_w):.1f}" height="14" '
            f'fill="{color}" opacity="{0.45 if b.muted else 0.85}"/>'
        )
        out.append(
            f'<line x1="{x(b.low):.1f}" x2="{x(b.high):.1f}" y1="{y + 12}" y2="{y + 12}" stroke="{INK}" '
            f'stroke-width="1.5"/><line x1="{x(b.low):.1f}" x2="{x(b.low):.1f}" y1="{y + 7}" y2="{y + 17}" '
            f'stroke="{INK}"/><line x1="{x(b.high):.1f}" x2="{x(b.high):.1f}" y1="{y + 7}" y2="{y + 17}" '
            f'stroke="{INK}"/>'
        )
        out.append(f'<text x="{label_w + w + 8}" y="{y + 16}" class="tick">{escape(b.note)}</text></g>')
    if reference is not None:
        out.append(
            f'<line x1="{x(reference):.1f}" x2="{x(reference):.1f}" y1="{top - 4}" y2="{height - 8}" '
            f'stroke="{INK}" stroke-dasharray="4 3"><title>{escape(reference_label)}: {_pct(reference)}</title></line>'
        )
    if not bars:
        out.append(f'<text x="{label_w}" y="{top + 14}" class="tick">no data yet</text>')
    out.append("</svg>")
    return "".join(out)


def progress_bar(share: float, *, label: str, width: int = 320) -> str:
    filled = max(0.0, min(1.0, share)) * (width - 2)
    return (
        f'<svg class="progress" viewBox="0 0 {width} 14" width="{width}" height="14" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
        f'<rect x="1" y="1" width="{width - 2}" height="12" rx="6" fill="{GRID}"/>'
        f'<rect x="1" y="1" width="{filled:.1f}" height="12" rx="6" fill="{COLORS[1]}"/></svg>'
    )
