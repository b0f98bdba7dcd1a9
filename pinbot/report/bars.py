"""Rate bars in HTML: one row per group with its rate, its 95% range and the shop's average.

HTML rather than SVG so that long names (products, designs) wrap instead of being cut, text keeps
its size on a phone, and the layout stacks (name above the bar) on a narrow screen. A bar's colour
says how the group compares with the shop: its whole range above, below, neither, or too little
data to tell; the legend under the chart says so, and a dashed line marks the shop's average.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from pinbot.report.svg import fmt_pct, legend, nice_axis
from pinbot.stats import Rate

ABOVE, LEVEL, BELOW, FEW, WINNER = "above", "level", "below", "few", "winner"
COLOURS = {ABOVE: "#15803d", LEVEL: "#7b8794", BELOW: "#c2410c", FEW: "#d9dde3", WINNER: "#15803d"}
MEANING = {
    ABOVE: "clearly above the shop's average",
    LEVEL: "within chance of the average",
    BELOW: "clearly below the shop's average",
    FEW: "too few views to judge",
}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    low: float
    high: float
    note: str  # after the bar, e.g. "3,200 views · 4 pins"
    kind: str = LEVEL  # above, level, below, few, winner
    tip: str = ""  # extra hover text (e.g. the design's id)


def compare(rate: Rate, reference: float, enough: bool) -> str:
    """How a group's rate reads against the shop's: its whole 95% range above or below, or neither."""
    if not enough:
        return FEW
    if rate.low > reference:
        return ABOVE
    if rate.high < reference:
        return BELOW
    return LEVEL


def _left(share: float) -> str:
    return f"{max(0.0, min(1.0, share)) * 100:.2f}%"


def _anchor(share: float) -> str:
    """Keep an axis label inside the track: left-aligned at the start, right-aligned at the end."""
    return "a-start" if share < 0.08 else "a-end" if share > 0.92 else "a-mid"


def _side(share: float) -> str:
    """The shop-average label runs away from the nearer edge, so it never sticks out of the track."""
    return "a-end" if share > 0.5 else "a-start"


def rate_bars(
    bars: Sequence[Bar],
    *,
    title: str,
    chart_id: str,
    reference: float | None = None,
    reference_label: str = "shop average",
    kinds_legend: bool = True,
) -> str:
    peak = max([b.high for b in bars] + [reference or 0.0, 0.0001])
    xmax, step = nice_axis(peak, 4)
    ticks = []
    k = 0
    while k * step <= xmax + 1e-12:
        share = k * step / xmax
        ticks.append(f'<span class="{_anchor(share)}" style="left:{_left(share)}">{fmt_pct(k * step, step)}</span>')
        k += 1
    ref_line = ""
    ref_mark = ""
    if reference is not None:
        share = reference / xmax
        ref_line = f'<i class="ref" style="left:{_left(share)}"></i>'
        ref_mark = (
            f'<div class="bar-row axis"><div class="bar-track bare"><span class="refmark {_side(share)}" '
            f'style="left:{_left(share)}">{escape(reference_label)} {fmt_pct(reference)}</span></div></div>'
        )
    rows = [ref_mark, f'<div class="bar-row axis"><div class="bar-track bare ticks">{"".join(ticks)}</div></div>']
    for b in bars:
        tip = f"{b.label}: {fmt_pct(b.value)} (95% range {fmt_pct(b.low)}–{fmt_pct(b.high)}), {b.note}"
        tip += f" · {b.tip}" if b.tip else ""
        rows.append(
            f'<div class="bar-row {b.kind}" title="{escape(tip)}"><div class="bar-name">{escape(b.label)}</div>'
            f'<div class="bar-track"><i class="fill" style="width:{_left(b.value / xmax)};'
            f'background:{COLOURS.get(b.kind, COLOURS[LEVEL])}"></i>'
            f'<i class="ci" style="left:{_left(b.low / xmax)};width:{_left((b.high - b.low) / xmax)}"></i>{ref_line}'
            f'</div><div class="bar-note"><b>{fmt_pct(b.value)}</b> {escape(b.note)}</div></div>'
        )
    if not bars:
        rows.append('<p class="none">no data yet</p>')
    keys: list[tuple[str, str]] = []
    if kinds_legend:
        used = {b.kind for b in bars}
        keys = [(COLOURS[k], MEANING[k]) for k in (ABOVE, LEVEL, BELOW, FEW) if k in used]
    extra = f'<span class="key"><i class="dash"></i>{escape(reference_label)}</span>' if reference is not None else ""
    extra += '<span class="key"><i class="whisker"></i>95% range</span>'
    foot = legend(keys).replace("</div>", extra + "</div>")
    return (
        f'<figure class="card bars" id="{escape(chart_id)}"><figcaption>{escape(title)}</figcaption>'
        f"{''.join(rows)}{foot}</figure>"
    )
