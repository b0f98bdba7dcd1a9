"""The HTML report in a real headless Chromium, at a phone's width (390 px) and a desktop's (1280 px).

A copy of the report gets a measuring script (the report itself has none) that walks every visible
piece of text after load and writes what it found into the DOM, which `--dump-dom` prints: the
text's rendered size (CSS font size times any SVG scaling), and whether its box stays inside its
container (card, chart, tile, calendar day) and the page. No text may be under 11 px and nothing
may be clipped or stick out, at either width. Screenshots of both widths are left in
REPORT_SCREENSHOTS (a folder) when set, for a person to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from html import escape, unescape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from pinbot.clock import FakeClock
from pinbot.demo.photos import draw_photo
from pinbot.experiments.plan import create_experiment
from pinbot.metrics.sweep import upsert_pin_days
from pinbot.pinterest.types import DailyMetrics
from pinbot.posting.images import CachedRenderer
from pinbot.queue.service import QueueService
from pinbot.report import build_report, write_html
from pinbot.review.aggregate import period
from pinbot.shop.boards import load_boards
from pinbot.store.db import session_scope
from pinbot.store.models import Board, Pin, PinStatus, Product
from tests.metrics_fakes import make_account, seed_shop

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
PHOTOS = Path(__file__).parent / "data" / "real" / "photos"
WIDTHS = (390, 1280)
MIN_PX = 11.0

# Runs on load: every visible text's size and box against its container and the viewport.
MEASURE = """
<script>
window.addEventListener('load', () => {
  const out = {width: innerWidth, pageWidth: document.documentElement.scrollWidth,
               height: document.documentElement.scrollHeight, texts: 0, small: [], outside: [], clipped: []};
  const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || seen.has(el) || el.closest('title,style,script') || !shown(el)) continue;
    seen.add(el);
    out.texts += 1;
    const text = node.textContent.trim().slice(0, 50);
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement) { const m = el.getScreenCTM(); size *= Math.hypot(m.a, m.b); }
    if (size < %(min)s) out.small.push([el.tagName, text, Math.round(size * 10) / 10]);
    const r = el.getBoundingClientRect();
    const box = el instanceof SVGElement ? el.ownerSVGElement
      : el.closest('.tile,.day,.bar-track,.bar-name,.bar-note,figure,.card,article,header,footer,main');
    const b = box.getBoundingClientRect();
    if (r.left < b.left - 1 || r.right > b.right + 1 || r.left < 0 || r.right > innerWidth)
      out.outside.push([el.tagName, text, Math.round(r.left), Math.round(r.right),
                        box.className.baseVal ?? box.className, Math.round(b.left), Math.round(b.right)]);
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
      out.clipped.push([el.tagName, text]);
  }
  const pre = parent.document.createElement('pre');
  pre.id = 'measurements';
  pre.textContent = JSON.stringify(out);
  parent.document.body.appendChild(pre);
});
</script>
""".replace("%(min)s", str(MIN_PX))
# Headless Chromium's window is at least 500 px wide, so the report is measured in an iframe of the
# exact width (its own viewport: the report's media queries see 390 px). srcdoc keeps it same-origin.
FRAME = (
    '<!doctype html><body style="margin:0"><iframe style="border:0;width:{w}px;height:{h}px" srcdoc="{doc}"></iframe>'
)


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
        "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0", *args,
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def report_file(engine: Engine, shop_dir: Path, tmp_path: Path) -> Path:
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()
    account_id = make_account(engine)
    seed_shop(engine, account_id, today)
    photos = sorted(str(p) for p in PHOTOS.glob("*.jpg"))
    # The experiment's product needs a photo every design can show whole (a product on a table);
    # the others keep the real photos, whose thumbnails the report shows.
    table = tmp_path / "mug-on-table.jpg"
    draw_photo("mug", 0).save(table, "JPEG", quality=85)
    with session_scope(engine) as session:
        for i, product in enumerate(session.exec(select(Product)).all()):
            product.image_paths = [str(table) if i == 0 else photos[i % len(photos)]]
            # A long product name, which must wrap rather than be cut.
            product.title = product.title + " — wheel-thrown stoneware, glazed in small batches" * (i == 0)
            session.add(product)
    # A finished experiment, so the experiments section has its chart and verdict.
    boards = load_boards(shop_dir / "boards")
    queue = QueueService(engine, account_id, boards, FakeClock(now - timedelta(days=40)))
    create_experiment(
        engine, account_id, queue, name="band-vs-block", hypothesis="A photo band sends more visits",
        products=["p0"], variants=["photo-band", "split-block"], assets_dir=shop_dir / "assets",
        boards=["handmade-jewelry"], planned_impressions=5_000, rounds=4,
    )  # fmt: skip
    with session_scope(engine) as session:
        pins = session.exec(select(Pin).where(col(Pin.experiment_variant_id).is_not(None))).all()
        for i, pin in enumerate(pins):
            pin.status, pin.pinterest_pin_id, pin.posted_at = PinStatus.posted, str(90000 + i), pin.due_at
            session.add(pin)
            clicks = 65 if pin.template == "photo-band" else 40
            assert pin.id is not None
            upsert_pin_days(session, pin.id, [DailyMetrics(pin.due_at.date(), "READY", 5000, 40, 100, clicks)], now)
        # The coming two weeks: queued pins on four days, drawn by the real renderer.
        board = session.exec(select(Board)).first()
        product = session.exec(select(Product)).first()
        assert board is not None and product is not None
        for day, template in ((1, "photo-band"), (1, "split-block"), (3, "text-forward"), (8, "collage")):
            session.add(
                Pin(account_id=account_id, board_id=board.id, product_id=product.id, title=f"Coming {template} pin",
                    link="https://shop.example/p0", due_at=now + timedelta(days=day), template=template)
            )  # fmt: skip
    since, until = period("60d", today)
    images = CachedRenderer(shop_dir / "assets", tmp_path / "renders")
    keys = {b.key: b for b in boards.values()}
    report = build_report(
        engine, account_id, "Fern & Kiln", since, until, now, known_designs=["photo-overlay"], boards=boards,
        render=lambda pin, key, product: images.image_for(pin, keys.get(key), product)[1],
        thumbs_dir=tmp_path / "thumbs", simulated=True,
    )  # fmt: skip
    return write_html(report, tmp_path / "report.html")


def _framed(report_file: Path, tmp_path: Path, width: int, height: int, script: str = "") -> Path:
    page = report_file.read_text(encoding="utf-8").replace("</body>", script + "</body>")
    probe = tmp_path / f"frame-{width}-{height}.html"
    probe.write_text(FRAME.format(w=width, h=height, doc=escape(page, quote=True)), encoding="utf-8")
    return probe


def _measure(report_file: Path, tmp_path: Path, width: int) -> dict[str, Any]:
    probe = _framed(report_file, tmp_path, width, 1000, MEASURE)
    dom = _chromium(tmp_path, "--window-size=1400,1000", "--dump-dom", probe.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console
    found = re.search(r'<pre id="measurements">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stdout[-2000:]
    return dict(json.loads(unescape(found.group(1))))


@pytest.mark.parametrize("width", WIDTHS)
def test_report_reads_at_phone_and_desktop_width(report_file: Path, tmp_path: Path, width: int) -> None:
    m = _measure(report_file, tmp_path, width)
    assert m["width"] == width
    assert m["texts"] > 300  # the walk saw the whole report
    assert m["small"] == [], f"text under {MIN_PX} px at {width} px: {m['small'][:10]}"
    assert m["outside"] == [], f"text outside its box at {width} px: {m['outside'][:10]}"
    assert m["clipped"] == [], f"clipped text at {width} px: {m['clipped'][:10]}"
    assert m["pageWidth"] <= width  # no sideways scrolling

    folder = Path(os.environ.get("REPORT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"report-{width}.png"
    height = min(int(m["height"]) + 20, 16_000)
    framed = _framed(report_file, tmp_path, width, height)
    png = _chromium(tmp_path, f"--screenshot={shot}", f"--window-size={max(width, 500)},{height}", framed.as_uri())
    assert png.returncode == 0, png.stderr[-2000:]
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_empty_report_reads_too(engine: Engine, tmp_path: Path) -> None:
    """A new shop: no numbers, no pins, no experiments; the placeholders must fit as well."""
    now = datetime.now(UTC).replace(microsecond=0)
    since, until = period("30d", now.date())
    report = build_report(engine, make_account(engine), "New shop", since, until, now)
    page = write_html(report, tmp_path / "empty.html")
    for width in WIDTHS:
        m = _measure(page, tmp_path, width)
        assert m["small"] == [] and m["outside"] == [] and m["clipped"] == [] and m["pageWidth"] <= width, m


def test_report_content_in_chromium(report_file: Path, tmp_path: Path) -> None:
    dom = _chromium(tmp_path, "--window-size=1280,1000", "--dump-dom", report_file.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    for chart in ("chart-impressions", "chart-rates", "chart-design-outbound", "chart-board-outbound", "chart-hour"):
        assert re.search(rf'<figure[^>]+id="{chart}"', html), chart
    assert re.search(r'<figure[^>]+id="chart-experiment-\d+"', html)
    assert html.count("<polyline") >= 9  # three charts drawn for three screen sizes
    # Designs by name, never by id; the shop average is labelled; the legend says what colours mean.
    assert "Stop posting design “Split block”" in html and "Stop posting design split-block" not in html
    assert "shop average" in html and "clearly below the shop's average" in html
    assert "What to do:" in html and "boards/" in html
    assert "Sample shop:" in html  # simulated numbers say so
    # Pictures: the ten top pins and the four coming pins, each a small embedded JPEG.
    assert html.count('<img class="thumb" src="data:image/jpeg;base64,') == 10
    assert html.count('<img class="cal-thumb" src="data:image/jpeg;base64,') == 4
    assert "wheel-thrown stoneware, glazed in small batches" in html  # the long name, whole
