"""The HTML report in a real headless Chromium: it loads offline with no console errors, and the
charts are in the rendered DOM. Also leaves a screenshot (REPORT_SCREENSHOT=path to keep it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from pinbot.clock import FakeClock
from pinbot.experiments.plan import create_experiment
from pinbot.metrics.sweep import upsert_pin_days
from pinbot.pinterest.types import DailyMetrics
from pinbot.queue.service import QueueService
from pinbot.report import build_report, write_html
from pinbot.review.aggregate import period
from pinbot.shop.boards import load_boards
from pinbot.store.db import session_scope
from pinbot.store.models import Pin, PinStatus
from tests.metrics_fakes import make_account, seed_shop

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0", *args,
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)


@pytest.fixture
def report_file(engine: Engine, shop_dir: Path, tmp_path: Path) -> Path:
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()
    account_id = make_account(engine)
    seed_shop(engine, account_id, today)
    # A finished experiment, so the experiments section has its chart and summary.
    clock = FakeClock(now - timedelta(days=40))
    queue = QueueService(engine, account_id, load_boards(shop_dir / "boards"), clock)
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
    since, until = period("60d", today)
    report = build_report(engine, account_id, "default", since, until, now, known_designs=["photo-overlay"])
    return write_html(report, tmp_path / "report.html")


def test_html_report_loads_in_chromium_without_console_errors(report_file: Path, tmp_path: Path) -> None:
    dom = _chromium(tmp_path, "--dump-dom", report_file.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console
    html = dom.stdout
    assert html.count("<svg") >= 12
    for chart in ("chart-impressions", "chart-rates", "chart-design-outbound", "chart-board-outbound", "chart-hour"):
        assert re.search(rf'<svg[^>]+id="{chart}"', html), chart
    assert re.search(r'<svg[^>]+id="chart-experiment-\d+"', html)
    assert html.count("<polyline") >= 5 and html.count("<rect") > 40
    assert "Stop posting design split-block" in html and "Winner:" in html

    shot = Path(os.environ.get("REPORT_SCREENSHOT") or tmp_path / "report.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    size = "--window-size=1200,2600"
    png = _chromium(tmp_path, f"--screenshot={shot}", size, "--hide-scrollbars", report_file.as_uri())
    assert png.returncode == 0, png.stderr[-2000:]
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
