"""The HTML report: one self-contained file (inline CSS and SVG, no script, no network) that opens offline.

Sections: headline numbers, stop/start/continue/change, trends, designs, boards, timing, products,
experiments, top pins, and the method (minimums, intervals, test) at the foot.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

from pinbot.experiments.status import ExperimentStatus
from pinbot.report.model import Report
from pinbot.report.svg import Bar, Series, line_chart, progress_bar, rate_bars
from pinbot.report.who_pins import who_pins_section
from pinbot.review.types import Group, Totals
from pinbot.stats import Rate

KINDS = (
    ("stop", "Stop", "clearly below the shop"),
    ("start", "Start", "missing or untried"),
    ("continue", "Continue", "clearly above the shop"),
    ("change", "Change", "almost works"),
)

CSS = """
:root{--ink:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#fbfaf8;--card:#fff;--accent:#c2410c}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--ink);background:var(--bg)}main{max-width:1080px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;border-bottom:2px solid var(--line);
padding-bottom:4px}h3{font-size:16px;margin:14px 0 6px}.sub{color:var(--muted);margin:0 0 16px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.tile b{display:block;font-size:22px}.tile span{color:var(--muted);font-size:13px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:14px}@media(max-width:800px){.grid2{grid-template-columns:1fr}}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin-bottom:12px}
.rec{border-left:5px solid var(--line)}.rec.stop{border-color:#b91c1c}.rec.start{border-color:#4338ca}
.rec.continue{border-color:#15803d}.rec.change{border-color:#b45309}.rec ul{margin:6px 0 0;padding-left:18px}
.rec li{margin-bottom:6px}.none{color:var(--muted);font-style:italic}
svg.chart{background:var(--card);border:1px solid var(--line);border-radius:8px;margin-bottom:12px}
svg .ct{font-size:13px;font-weight:600;fill:var(--ink)}svg .tick{font-size:11px;fill:var(--muted)}
svg .lbl{font-size:12px;fill:var(--ink)}table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);font-size:13px}
th{color:var(--muted);font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;background:var(--line)}
.badge.winner{background:#dcfce7}.badge.no_difference{background:#fef3c7}.badge.collecting{background:#e0e7ff}
.badge.inconclusive{background:#fee2e2}footer{color:var(--muted);font-size:13px;margin-top:36px}
"""


def _pct(value: float) -> str:
    return f"{value * 100:.2f}%" if value < 0.1 else f"{value * 100:.1f}%"


def _rate(rate: Rate) -> str:
    return f"{_pct(rate.value)} <small>({_pct(rate.low)}–{_pct(rate.high)})</small>"


def _bars(groups: list[Group], limit: int = 12, *, metric: str = "outbound") -> list[Bar]:
    out = []
    for g in groups[:limit]:
        t = g.totals
        rate = t.outbound_rate if metric == "outbound" else t.save_rate
        note = f"{t.impressions:,} impr., {t.pins} pins" + ("" if t.enough else " (too few)")
        out.append(Bar(g.label, rate.value, rate.low, rate.high, note, muted=not t.enough))
    return out


def _tiles(shop: Totals) -> str:
    sr, orate = shop.save_rate, shop.outbound_rate
    items = [
        (f"{shop.impressions:,}", "impressions"),
        (f"{shop.saves:,}", "saves"),
        (_pct(sr.value), f"save rate ({_pct(sr.low)}–{_pct(sr.high)})"),
        (f"{shop.outbound_clicks:,}", "outbound clicks"),
        (_pct(orate.value), f"outbound click rate ({_pct(orate.low)}–{_pct(orate.high)})"),
        (f"{shop.pins:,}", "pins with data"),
    ]
    tiles = "".join(f'<div class="tile"><b>{v}</b><span>{k}</span></div>' for v, k in items)
    return f'<div class="tiles">{tiles}</div>'


def _recommendations(report: Report) -> str:
    recs = report.review.recommendations
    cards = []
    for kind, title, hint in KINDS:
        mine = [r for r in recs if r.kind == kind]
        body = (
            "<ul>" + "".join(f"<li>{escape(r.text)}</li>" for r in mine) + "</ul>"
            if mine
            else '<p class="none">Nothing meets the minimum yet.</p>'
        )
        cards.append(
            f'<div class="card rec {kind}" id="rec-{kind}"><h3>{title} <small>— {hint}</small></h3>{body}</div>'
        )
    return '<div class="grid2">' + "".join(cards) + "</div>"


def _trends(report: Report) -> str:
    daily = report.review.daily
    days = [d.day for d in daily]
    volume = line_chart(
        days,
        [
            Series("impressions", [d.totals.impressions for d in daily], "#0f766e"),
        ],
        title="Impressions per day",
        chart_id="chart-impressions",
    )
    rates = line_chart(
        days,
        [
            Series("save rate", [d.totals.save_rate.value for d in daily], "#4338ca"),
            Series("outbound click rate", [d.totals.outbound_rate.value for d in daily], "#c2410c"),
        ],
        title="Save rate and outbound click rate per day",
        percent=True,
        chart_id="chart-rates",
    )
    clicks = line_chart(
        days,
        [
            Series("saves", [d.totals.saves for d in daily], "#4338ca"),
            Series("outbound clicks", [d.totals.outbound_clicks for d in daily], "#c2410c"),
            Series("pin clicks", [d.totals.pin_clicks for d in daily], "#0369a1"),
        ],
        title="Saves and clicks per day",
        chart_id="chart-clicks",
    )
    return volume + rates + clicks


def _comparison(report: Report, dim: str, noun: str) -> str:
    groups = report.review.groups[dim]
    shop = report.review.shop
    return rate_bars(
        _bars(groups), title=f"Outbound click rate by {noun}", reference=shop.outbound_rate.value,
        chart_id=f"chart-{dim}-outbound",
    ) + rate_bars(
        _bars(groups, metric="save"), title=f"Save rate by {noun}", reference=shop.save_rate.value,
        chart_id=f"chart-{dim}-save",
    )  # fmt: skip


def _experiment(e: ExperimentStatus) -> str:
    v = e.verdict
    metric = e.metric.replace("_", " ")
    bars = []
    for s in e.variants:
        r = v.rates[s.key]
        bars.append(
            Bar(f"{s.key}: {s.design}", r.value, r.low, r.high, f"{s.counts.trials:,} impr., {s.pins_posted} pins")
        )
    reached = min((s.counts.trials for s in e.variants), default=0)
    label = f"{reached:,} of {e.planned:,} planned impressions per design"
    if e.outcome == "collecting":
        verdict = f"No verdict until every design has {e.planned:,} impressions (a single look, so no peeking bias)."
    elif e.outcome == "winner":
        verdict = f"Winner: <b>{escape(e.winner_design or '')}</b> (p = {v.p_value:.3g}, alpha {v.alpha:g})."
    elif e.outcome == "no_difference":
        verdict = f"No design won at the planned sample (p = {v.p_value:.3g}, alpha {v.alpha:g})."
    else:
        verdict = "Inconclusive: the horizon passed before the planned sample."
    summary = ""
    for part in ("successes", "failures", "learned"):
        items = e.summary.get(part) or []
        if items:
            summary += f"<h3>{part.title()}</h3><ul>" + "".join(f"<li>{escape(x)}</li>" for x in items) + "</ul>"
    return (
        f'<div class="card experiment" id="experiment-{e.id}"><h3>{escape(e.name)} '
        f'<span class="badge {e.outcome}">{e.outcome.replace("_", " ")}</span></h3>'
        f"<p>{escape(e.hypothesis)}</p><p>{progress_bar(reached / max(e.planned, 1), label=label)} {label}</p>"
        + rate_bars(bars, title=f"{metric} by design", chart_id=f"chart-experiment-{e.id}")
        + f"<p>{verdict}</p>{summary}</div>"
    )


def _pins_table(report: Report) -> str:
    ranked = [g for g in report.review.groups["pin"] if g.rank is not None][:20]
    by_id = {str(p.pin_id): p for p in report.review.pins}
    rows = []
    for g in ranked:
        p = by_id.get(g.key)
        t = g.totals
        rows.append(
            f"<tr><td class=n>{g.rank}</td><td>{escape(g.label)}</td><td>{escape(p.board if p else '')}</td>"
            f"<td>{escape(p.design if p else '')}</td><td class=n>{t.impressions:,}</td><td class=n>{t.saves:,}</td>"
            f"<td class=n>{_rate(t.save_rate)}</td><td class=n>{t.outbound_clicks:,}</td>"
            f"<td class=n>{_rate(t.outbound_rate)}</td></tr>"
        )
    if not rows:
        return '<p class="none">No pin has enough data to be ranked yet.</p>'
    head = "<tr><th>#</th><th>pin</th><th>board</th><th>design</th><th>impr.</th><th>saves</th><th>save rate</th>"
    head += "<th>outbound</th><th>outbound rate</th></tr>"
    return f'<table id="top-pins">{head}{"".join(rows)}</table>'


def render_html(report: Report) -> str:
    r = report.review
    title = f"pinbot report — {report.account} — {r.since:%Y-%m-%d} to {r.until:%Y-%m-%d}"
    experiments = (
        "".join(_experiment(e) for e in report.experiments)
        if report.experiments
        else '<p class="none">No experiments yet: <code>pinbot experiment create</code>.</p>'
    )
    body = [
        f"<header><h1>{escape(title)}</h1>",
        f'<p class="sub">Generated {report.generated_at:%Y-%m-%d %H:%M} UTC · times in {escape(r.timezone)} · '
        "rates with 95% intervals</p>",
        _tiles(r.shop),
        "</header>",
        '<section id="recommendations"><h2>Stop · Start · Continue · Change</h2>',
        _recommendations(report),
        "</section>",
        '<section id="trends"><h2>Trends</h2>',
        _trends(report),
        "</section>",
        '<section id="designs"><h2>Designs</h2>',
        _comparison(report, "design", "design"),
        "</section>",
        '<section id="boards"><h2>Boards</h2>',
        _comparison(report, "board", "board"),
        "</section>",
        '<section id="timing"><h2>When posted</h2><div class="grid2"><div>',
        rate_bars(_bars(r.groups["weekday"]), title="Outbound click rate by weekday posted",
                  reference=r.shop.outbound_rate.value, width=520, chart_id="chart-weekday"),
        "</div><div>",
        rate_bars(_bars(r.groups["hour"], 24), title="Outbound click rate by hour posted",
                  reference=r.shop.outbound_rate.value, width=520, chart_id="chart-hour"),
        "</div></div></section>",
        '<section id="products"><h2>Products</h2>',
        rate_bars(_bars(r.groups["product"]), title="Outbound click rate by product",
                  reference=r.shop.outbound_rate.value, chart_id="chart-product"),
        "</section>",
        f'<section id="experiments"><h2>Experiments</h2>{experiments}</section>',
        f'<section id="pins"><h2>Top pins</h2>{_pins_table(report)}</section>',
        who_pins_section(report.who_pins),
        f"<footer><p>{escape(report.minimums)}</p><p>Intervals are 95% Wilson score intervals. Experiments use a "
        "two-proportion z-test (widened when pins of one design differ more than chance), judged once, when "
        "the planned sample is reached. Grey bars have too little data to be ranked.</p></footer>",
    ]  # fmt: skip
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
