"""The report's stylesheet: readable from a 360 px phone to a desktop, no text under 12 px.

Layout rules worth knowing: rate-bar rows are a three-column grid (name, bar, numbers) that
stacks into name-and-numbers over the bar below 640 px; line charts are drawn once per screen size
and these rules show only the one that fits (so SVG text is never scaled down); long names wrap
(`overflow-wrap:anywhere`) rather than being cut.
"""

CSS = """
:root{--ink:#1f2933;--muted:#52606d;--line:#e4e7eb;--bg:#fbfaf8;--card:#fff}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;line-height:1.25;margin:0 0 4px}
h2{font-size:20px;margin:36px 0 12px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:0 0 6px}h4{font-size:14px;margin:0 0 6px}
small,.muted{color:var(--muted)}.muted{font-size:14px}
.sub{color:var(--muted);margin:0 0 14px;font-size:14px}
p,li,h1,h2,h3,figcaption,.bar-name,.pin h3{overflow-wrap:anywhere}
code{font-size:13px;background:#f1f3f5;border-radius:4px;padding:1px 4px;overflow-wrap:anywhere}
.banner{background:#fff7ed;border:1px solid #fdba74;border-radius:8px;padding:8px 12px;font-size:15px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.tile b{display:block;font-size:22px}.tile span{color:var(--muted);font-size:13px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:14px;align-items:start}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:0 0 14px}
.rec{border-left:5px solid var(--line);margin:0}.rec.stop{border-left-color:#b91c1c}
.rec.start{border-left-color:#4338ca}.rec.continue{border-left-color:#15803d}.rec.change{border-left-color:#b45309}
.rec ul{margin:6px 0 0;padding-left:18px}.rec li{margin-bottom:10px}
.do{font-size:14px;margin:4px 0 0;color:#334e68}.none{color:var(--muted);font-style:italic}
figure{margin:0 0 14px}figcaption{font-weight:600;font-size:15px;margin-bottom:6px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px;color:var(--muted);margin:8px 0 2px}
.key{display:inline-flex;align-items:center;gap:6px}
.key i{display:inline-block;width:12px;height:12px;border-radius:2px}
.key i.dash{width:0;height:14px;border-left:2px dashed var(--ink);border-radius:0}
.key i.whisker{width:16px;height:2px;background:var(--ink);border-radius:0}
svg.plot{display:none;height:auto}svg.plot .tick{font-size:13px;fill:#52606d}
@media(max-width:719px){svg.only-phone{display:block}}
@media(min-width:720px) and (max-width:1099px){svg.only-tablet{display:block}}
@media(min-width:1100px){svg.only-desktop{display:block}}
.bar-row{display:grid;grid-template-columns:minmax(110px,30%) 1fr 230px;gap:4px 12px;align-items:center;
padding:3px 0}
.bar-row.axis{padding:0}.bar-row.axis .bar-track{grid-column:2}
.bar-name{font-size:14px;text-align:right;line-height:1.3}
.bar-track{position:relative;height:18px;background:linear-gradient(90deg,#f5f7fa,#f5f7fa)}
.bar-track.bare{background:none;height:20px}
.bar-track i{position:absolute;top:0;bottom:0;display:block}
.bar-track .fill{left:0;top:3px;bottom:3px;border-radius:0 3px 3px 0}
.bar-row.few .fill{background:repeating-linear-gradient(45deg,#d9dde3 0 4px,#eef0f3 4px 8px)!important}
.bar-track .ci{top:8px;bottom:auto;height:2px;background:var(--ink)}
.bar-track .ci::before,.bar-track .ci::after{content:"";position:absolute;top:-4px;height:10px;width:2px;
background:var(--ink)}.bar-track .ci::before{left:0}.bar-track .ci::after{right:0}
.bar-track .ref{width:0;border-left:2px dashed var(--ink);top:-3px;bottom:-3px}
.ticks span,.refmark{position:absolute;top:0;font-size:12px;color:var(--muted);white-space:nowrap}
.refmark{font-weight:600;color:var(--ink)}
.a-mid{transform:translateX(-50%)}.a-end{transform:translateX(-100%)}
.bar-note{font-size:13px;color:var(--muted)}.bar-note b{color:var(--ink);margin-right:4px}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:13px;font-weight:500;background:var(--line)}
.badge.winner{background:#dcfce7}.badge.no_difference{background:#fef3c7}.badge.collecting{background:#e0e7ff}
.badge.inconclusive{background:#fee2e2}.verdict{font-size:16px}
.progress-line{display:flex;flex-wrap:wrap;align-items:center;gap:8px;font-size:14px}
svg.progress{max-width:100%}
.pins{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.pin{position:relative;display:flex;gap:12px;background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:10px}
.pin .rank{position:absolute;left:4px;top:4px;background:var(--ink);color:#fff;border-radius:10px;font-size:12px;
padding:0 7px;font-weight:600}
.thumb{width:96px;height:auto;min-height:96px;flex:none;border-radius:4px;object-fit:cover;background:#eef0f3}
.pin-body{min-width:0}.pin h3{font-size:15px;margin:0 0 2px}.pin .muted{font-size:13px;margin:0 0 6px}
.pin dl{display:flex;gap:14px;margin:0}.pin dl div{min-width:0}.pin dt{font-size:12px;color:var(--muted)}
.pin dd{margin:0;font-weight:600;font-size:16px}
.calendar{display:grid;grid-template-columns:repeat(7,minmax(0,1fr));gap:8px}
.day{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px;min-width:0}
.day.empty{background:transparent}.day ul{list-style:none;margin:0;padding:0}
.day li{margin-bottom:8px;font-size:13px;line-height:1.3;overflow-wrap:anywhere}
.cal-thumb{display:block;width:100%;max-width:90px;height:auto;border-radius:4px;margin-bottom:4px}
.nothumb{background:#eef0f3}
footer{color:var(--muted);font-size:14px;margin-top:36px}
@media(max-width:900px){.calendar{grid-template-columns:repeat(4,minmax(0,1fr))}}
@media(max-width:800px){.grid2{grid-template-columns:1fr}}
@media(max-width:640px){
main{padding:14px}h1{font-size:22px}
.bar-row{display:flex;flex-wrap:wrap;gap:2px 10px;padding:6px 0}.bar-name{text-align:left;flex:1 1 auto}
.bar-note{margin-left:auto;text-align:right}.bar-track{flex:0 0 100%;order:3}
.calendar{grid-template-columns:1fr}.day.empty{display:none}
.day ul{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:8px}
.pins{grid-template-columns:1fr}
}
"""
