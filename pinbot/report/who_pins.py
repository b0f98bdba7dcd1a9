"""The report's "Who pins your shop" section: earned vs owned over time, top pins by others, surges.

A separate block (one function, its own markup) so the rest of the report can change around it;
formatting only: the numbers come from `pinbot.advocates.summary.WhoPins`.
"""

from __future__ import annotations

from html import escape

from pinbot.advocates.summary import WhoPins
from pinbot.report.svg import COLORS, Series, line_chart


def who_pins_section(data: WhoPins | None) -> str:
    if data is None:
        return ""
    parts = ['<section id="who-pins"><h2>Who pins your shop</h2>', f"<p>{escape(data.headline())}.</p>"]
    if not data.days:
        parts.append(
            '<p class="none">No earned numbers yet: the service pulls them daily (<code>pinbot earned pull</code>). '
            "Pinterest counts other people's pins of your shop only for a claimed website (<code>pinbot doctor</code>"
            " checks).</p></section>"
        )
        return "".join(parts)
    days = [d.day for d in data.days]
    parts.append(
        line_chart(
            days,
            [
                Series("saves of pins others made", [d.earned["saves"] for d in data.days], COLORS[0]),
                Series("saves of your own pins", [d.owned["saves"] for d in data.days], COLORS[1]),
            ],
            title="Saves a day: earned (others' pins) vs owned",
            chart_id="chart-earned",
        )
    )
    if data.top_earned:
        rows = "".join(
            f'<tr><td><a href="{escape(p.url)}">pin …{escape(p.pinterest_pin_id[-6:])}</a></td>'
            f'<td class="n">{p.saves:,}</td>'
            f'<td class="n">{p.outbound_clicks:,}</td><td class="n">{p.impressions:,}</td>'
            f"<td>{p.first_seen:%d %b}</td></tr>"
            for p in data.top_earned[:15]
        )
        parts.append(
            "<h3>Top pins others made of your shop</h3><table><thead><tr><th>pin</th>"
            "<th>saves</th><th>visits</th><th>views</th><th>first seen</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    if data.surges:
        items = "".join(
            f'<li><a href="https://www.pinterest.com/pin/{escape(s.pinterest_pin_id)}/">'
            f"{'someone else' + chr(39) + 's pin' if s.source == 'earned' else 'your pin'}</a> took off "
            f"({s.recent} {escape(s.metric.replace('_', ' '))} in 2 days, found {s.detected_on:%Y-%m-%d}): "
            f"{escape(s.action) if s.action else 'nothing done yet: <code>pinbot surges act ' + str(s.id) + '</code>'}"
            "</li>"
            for s in data.surges
        )
        parts.append(f"<h3>Pins taking off</h3><ul>{items}</ul>")
    else:
        parts.append('<p class="none">No pin took off in this period.</p>')
    parts.append("</section>")
    return "".join(parts)
