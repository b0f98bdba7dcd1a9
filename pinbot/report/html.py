"""The HTML report: one self-contained file (inline CSS, SVG and JPEG thumbnails, no script, no
network) that opens offline and reads on a phone (390 px) as well as on a desktop.

Sections: headline numbers, stop/start/continue/change with what to do, the pins that earned the
most, the coming two weeks, experiments, trends, designs, boards, timing, products, and the method
at the foot. Designs are shown by name (`pinbot.render.names`), never by their id.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

from pinbot.experiments.status import ExperimentStatus
from pinbot.render.names import design_name
from pinbot.report.bars import LEVEL, WINNER, Bar, compare, rate_bars
from pinbot.report.experiment_text import label, next_step, verdict_sentence, views_per_design
from pinbot.report.model import Report, heavy_tail_note
from pinbot.report.pictures import CalendarDay, PinCard
from pinbot.report.style import CSS
from pinbot.report.svg import Series, line_chart, progress_bar
from pinbot.report.who_pins import who_pins_section
from pinbot.review.types import Group, Totals
from pinbot.stats import Rate
from pinbot.words import plural

KINDS = (
    ("stop", "Stop", "clearly below the shop"),
    ("start", "Start", "missing or untried"),
    ("continue", "Continue", "clearly above the shop"),
    ("change", "Change", "almost works"),
    ("wait", "Not enough evidence yet", "a gap the pins do not support yet"),
)


def _pct(value: float) -> str:
    return f"{value * 100:.2f}%" if value < 0.1 else f"{value * 100:.1f}%"


def _range(rate: Rate) -> str:
    return f"{_pct(rate.low)}–{_pct(rate.high)}"


def _code(text: str) -> str:
    """Escape, then show `command` spans as code."""
    parts = escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _bars(groups: list[Group], reference: float, limit: int = 12, *, metric: str = "outbound") -> list[Bar]:
    out = []
    for g in groups[:limit]:
        t = g.totals
        rate = t.outbound_rate if metric == "outbound" else t.save_rate
        note = f"{plural(t.impressions, 'view')} · {plural(t.pins, 'pin')}"
        tip = f"design id {g.key}" if g.dimension == "design" else ""
        out.append(Bar(g.label, rate.value, rate.low, rate.high, note, compare(rate, reference, t.enough), tip))
    return out


def _tiles(shop: Totals) -> str:
    sr, orate = shop.save_rate, shop.outbound_rate

    def rate(r: Rate, what: str) -> tuple[str, str]:
        # No views: no rate, and a "0.00%–100.0%" range would only look like a number.
        return (_pct(r.value), f"{what} ({_range(r)})") if shop.impressions else ("–", f"{what} (no views yet)")

    items = [
        (f"{shop.impressions:,}", "views (impressions)"),
        (f"{shop.saves:,}", "saves"),
        rate(sr, "saved per view"),
        (f"{shop.outbound_clicks:,}", "visits to the shop (outbound clicks)"),
        rate(orate, "visits per view"),
        (f"{shop.pins:,}", "pins with numbers"),
    ]
    tiles = "".join(f'<div class="tile"><b>{v}</b><span>{k}</span></div>' for v, k in items)
    return f'<div class="tiles">{tiles}</div>'


def _recommendations(report: Report) -> str:
    recs = report.review.recommendations
    cards = []
    for kind, title, hint in KINDS:
        mine = [r for r in recs if r.kind == kind]
        items = "".join(
            f"<li>{_code(r.text)}"
            + (f'<p class="do"><b>What to do:</b> {_code(r.action)}</p>' if r.action else "")
            + "</li>"
            for r in mine
        )
        body = f"<ul>{items}</ul>" if mine else '<p class="none">Nothing meets the minimum yet.</p>'
        cards.append(
            f'<div class="card rec {kind}" id="rec-{kind}"><h3>{title} <small>— {hint}</small></h3>{body}</div>'
        )
    return '<div class="grid2">' + "".join(cards) + "</div>"


def _trends(report: Report) -> str:
    daily = report.review.daily
    days = [d.day for d in daily]
    volume = line_chart(
        days,
        [Series("views", [d.totals.impressions for d in daily], "#0f766e")],
        title="Views (impressions) per day",
        chart_id="chart-impressions",
    )
    rates = line_chart(
        days,
        [
            Series("saved per view", [d.totals.save_rate.value for d in daily], "#4338ca"),
            Series("visits per view", [d.totals.outbound_rate.value for d in daily], "#c2410c"),
        ],
        title="Save rate and visit (outbound click) rate per day",
        percent=True,
        chart_id="chart-rates",
    )
    clicks = line_chart(
        days,
        [
            Series("saves", [d.totals.saves for d in daily], "#4338ca"),
            Series("visits to the shop", [d.totals.outbound_clicks for d in daily], "#c2410c"),
            Series("pin clicks", [d.totals.pin_clicks for d in daily], "#0369a1"),
        ],
        title="Saves and clicks per day",
        chart_id="chart-clicks",
    )
    return volume + rates + clicks


def _comparison(report: Report, dim: str, noun: str, limit: int = 12) -> str:
    groups = report.review.groups[dim]
    shop = report.review.shop
    out_ref, save_ref = shop.outbound_rate.value, shop.save_rate.value
    return rate_bars(
        _bars(groups, out_ref, limit),
        title=f"Visits to the shop per view, by {noun}",
        reference=out_ref,
        chart_id=f"chart-{dim}-outbound",
    ) + rate_bars(
        _bars(groups, save_ref, limit, metric="save"),
        title=f"Saves per view, by {noun}",
        reference=save_ref,
        chart_id=f"chart-{dim}-save",
    )


def _experiment(e: ExperimentStatus) -> str:
    v = e.verdict
    bars = []
    for s in e.variants:
        r = v.rates[s.key]
        note = f"{plural(s.counts.trials, 'view')} · {plural(s.pins_posted, 'pin')}"
        kind = WINNER if e.outcome == "winner" and s.key == v.winner else LEVEL
        bars.append(Bar(design_name(s.design), r.value, r.low, r.high, note, kind, f"design id {s.design}"))
    reached = views_per_design(e)
    progress = (
        f"{reached:,} of {e.planned:,} planned views per design"
        if reached < e.planned
        else f"{reached:,} views per design (the plan needed {e.planned:,})"
    )
    metric = {"outbound_click_rate": "Visits per view", "save_rate": "Saves per view"}.get(
        e.metric, e.metric.replace("_", " ").capitalize()
    )
    return (
        f'<div class="card experiment" id="experiment-{e.id}"><h3>{escape(e.name)} '
        f'<span class="badge {e.outcome}">{escape(label(e.outcome))}</span></h3>'
        + (f'<p class="muted">Idea: {escape(e.hypothesis)}</p>' if e.hypothesis else "")
        + f'<p class="verdict">{escape(verdict_sentence(e))}</p><p class="do"><b>Next:</b> {_code(next_step(e))}</p>'
        f'<p class="progress-line">{progress_bar(reached / max(e.planned, 1), label=progress)} '
        f"<span>{progress}</span></p>"
        + (
            rate_bars(bars, title=f"{metric} by design", chart_id=f"chart-experiment-{e.id}", kinds_legend=False)
            if any(s.counts.trials for s in e.variants)
            # Before any view every design read "0.00%" over a 0–100% range: noise, not a result.
            else f'<p class="none">No views yet: {escape(metric.lower())} by design shows with the first ones.</p>'
        )
        + "</div>"
    )


def _thumb(card: PinCard, css: str) -> str:
    if not card.thumbnail:
        return f'<div class="{css} nothumb" aria-hidden="true"></div>'
    return f'<img class="{css}" src="{card.thumbnail}" alt="{escape(card.title)}">'


def _top_pins(report: Report) -> str:
    if not report.top_pins:
        return '<p class="none">No pin has numbers in this period yet.</p>'
    cards = []
    for c in report.top_pins:
        n = c.numbers
        when = f" · posted {c.when:%a %-d %b}" if c.when else ""
        cards.append(
            f'<article class="pin"><span class="rank">{n["rank"]}</span>{_thumb(c, "thumb")}<div class="pin-body">'
            f'<h3>{escape(c.title)}</h3><p class="muted">{escape(c.board)} · {escape(c.design_name)}{when}</p>'
            f"<dl><div><dt>visits</dt><dd>{n['outbound_clicks']:,}</dd></div>"
            f"<div><dt>saves</dt><dd>{n['saves']:,}</dd></div>"
            f"<div><dt>views</dt><dd>{n['impressions']:,}</dd></div></dl></div></article>"
        )
    note = heavy_tail_note(report)
    lead = f'<p class="banner" id="one-pin">{escape(note)}</p>' if note else ""
    return f'{lead}<div class="pins" id="top-pins">{"".join(cards)}</div>'


def _calendar(days: list[CalendarDay], timezone: str) -> str:
    if not any(d.pins for d in days):
        return (
            '<p class="none">Nothing is queued for the next two weeks: add pins with '
            "<code>pinbot queue add --product KEY --board BOARD</code>.</p>"
        )
    cells = []
    for d in days:
        pins = "".join(
            f"<li>{_thumb(c, 'cal-thumb')}<span><b>{c.when:%H:%M}</b> {escape(c.board)}<br>"
            f'<span class="muted">{escape(c.title)}</span></span></li>'
            for c in d.pins
            if c.when
        )
        body = f"<ul>{pins}</ul>" if pins else '<p class="none">—</p>'
        empty = "" if d.pins else " empty"
        cells.append(f'<div class="day{empty}"><h4>{d.day:%a %-d %b}</h4>{body}</div>')
    total = sum(len(d.pins) for d in days)
    head = f'<p class="muted">{plural(total, "pin")} queued, times in {escape(timezone)}.</p>'
    return f'{head}<div class="calendar" id="calendar">{"".join(cells)}</div>'


def render_html(report: Report) -> str:
    r = report.review
    title = f"Pinterest report · {report.account} · {r.since:%-d %b} – {r.until:%-d %b %Y}"
    experiments = (
        "".join(_experiment(e) for e in report.experiments)
        if report.experiments
        else '<p class="none">No experiments yet: <code>pinbot experiment create</code>.</p>'
    )
    banner = (
        '<p class="banner" id="simulated"><b>Sample shop:</b> every number in this report is simulated by '
        "pinbot's Pinterest emulator, not real Pinterest data.</p>"
        if report.simulated
        else ""
    )
    ref = r.shop.outbound_rate.value
    body = [
        f"<header><h1>{escape(title)}</h1>",
        f'<p class="sub">Made {report.generated_at:%Y-%m-%d %H:%M} UTC · times in {escape(r.timezone)} · '
        "ranges are 95% intervals</p>",
        banner,
        _tiles(r.shop),
        "</header>",
        '<section id="recommendations"><h2>Stop · Start · Continue · Change</h2>',
        _recommendations(report),
        "</section>",
        f'<section id="pins"><h2>Pins that earned the most</h2>{_top_pins(report)}</section>',
        f'<section id="coming"><h2>The next two weeks</h2>{_calendar(report.calendar, r.timezone)}</section>',
        f'<section id="experiments"><h2>Experiments</h2>{experiments}</section>',
        '<section id="trends"><h2>Trends</h2>',
        _trends(report),
        "</section>",
        '<section id="designs"><h2>Designs</h2>',
        _comparison(report, "design", "design"),
        "</section>",
        '<section id="boards"><h2>Boards</h2>',
        _comparison(report, "board", "board"),
        "</section>",
        '<section id="timing"><h2>When posted</h2>',
        rate_bars(
            _bars(r.groups["weekday"], ref),
            title="Visits per view, by weekday posted",
            reference=ref,
            chart_id="chart-weekday",
        ),
        rate_bars(
            _bars(r.groups["hour"], ref, 24),
            title="Visits per view, by hour posted (shop time)",
            reference=ref,
            chart_id="chart-hour",
        ),
        "</section>",
        '<section id="products"><h2>Products</h2>',
        rate_bars(
            _bars(r.groups["product"], ref),
            title="Visits per view, by product",
            reference=ref,
            chart_id="chart-product",
        ),
        "</section>",
        who_pins_section(report.who_pins),
        f"<footer><p>{escape(report.minimums)}</p><p>Ranges are 95% Wilson score intervals. Experiments are "
        "judged once, when the planned views are in, so an early lead cannot fool the verdict. Grey bars have "
        "too few views to judge.</p></footer>",
    ]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{escape(title)}</title><style>{CSS}</style></head>'
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def write_html(report: Report, path: Path) -> Path:
    """Write atomically: a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_html(report), encoding="utf-8")
    os.replace(tmp, path)
    return path
