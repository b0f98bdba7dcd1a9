"""`pinbot report` (terminal, --json, --csv, --html) and `pinbot experiment` through the CLI."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from pinbot.store import db
from pinbot.store.db import session_scope
from pinbot.store.models import Experiment, Pin
from tests.conftest import Cli
from tests.metrics_fakes import make_account, seed_shop


@pytest.fixture
def shop_cli(initialised_cli: Cli, cli_env: dict[str, str]) -> Cli:
    engine = db.make_engine(cli_env["PINBOT_DATABASE_URL"])
    try:
        seed_shop(engine, make_account(engine), datetime.now(UTC).date())
    finally:
        engine.dispose()
    return initialised_cli


def test_report_json_has_every_dimension_with_intervals(shop_cli: Cli) -> None:
    data = json.loads(shop_cli.ok("report", "--since", "30d", "--json").output)
    assert set(data["groups"]) == {"pin", "board", "design", "product", "weekday", "hour", "design_board"}
    assert data["minimums"] == {"impressions": 1000, "pins": 3}
    design = {g["key"]: g for g in data["groups"]["design"]}
    assert design["photo-band"]["rank"] == 1 and design["split-block"]["rank"] == 4
    rate = design["photo-band"]["outbound_click_rate"]
    assert rate["low"] < rate["rate"] < rate["high"]
    assert len(data["daily"]) == 30
    kinds = {r["kind"] for r in data["recommendations"]}
    assert {"stop", "continue", "start"} <= kinds
    stop = next(r for r in data["recommendations"] if r["kind"] == "stop")
    pattern = r"Stop posting design “Split block”: \d\.\d\d% outbound click rate vs .* \(0\.\d\dx, 95% interval"
    assert re.search(pattern, stop["text"])
    assert design["split-block"]["design_id"] == "split-block" and design["split-block"]["design_name"] == "Split block"
    assert "split-block" not in stop["text"]  # the id stays in the JSON fields, never in the sentence
    assert stop["action"]  # every stop says what to do
    pairs = {g["key"]: g for g in data["groups"]["design_board"]}
    assert all(g["design_name"] and g["label"].startswith(g["design_name"]) for g in pairs.values())
    top = data["top_pins"]
    assert [p["rank"] for p in top] == list(range(1, len(top) + 1)) and len(top) == 10
    earned = [(p["outbound_clicks"], p["saves"], p["impressions"]) for p in top]
    assert earned == sorted(earned, reverse=True)
    assert len(data["calendar"]) == 14
    assert data["simulated"] is True  # the tests point pinbot at a loopback API, as at an emulator


def test_report_terminal_csv_and_html(shop_cli: Cli, tmp_path: Path) -> None:
    out = shop_cli.ok("report").output
    assert "Stop" in out and "Split block" in out and "By design" in out and "at least 1,000 impressions" in out
    assert "split-block" not in out.replace('"split-block"', "")  # only as the value to write into a board file

    folder = tmp_path / "csv"
    html = tmp_path / "out" / "report.html"
    shop_cli.ok("report", "--since", "2w", "--csv", str(folder), "--html", str(html))
    names = sorted(p.name for p in folder.iterdir())
    assert "by_design.csv" in names and "daily.csv" in names and "recommendations.csv" in names
    assert not [n for n in names if n.endswith(".tmp")]
    with (folder / "by_board.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {r["key"] for r in rows} == {"jewelry", "ceramics", "tutorials"}
    assert all(float(r["outbound_click_rate_low"]) <= float(r["outbound_click_rate"]) for r in rows)
    with (folder / "daily.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == 14

    with (folder / "by_design.csv").open() as fh:
        by_design = {r["design_id"]: r for r in csv.DictReader(fh)}
    assert by_design["split-block"]["design_name"] == "Split block" == by_design["split-block"]["label"]
    with (folder / "recommendations.csv").open() as fh:
        assert all(r["action"] for r in csv.DictReader(fh) if r["kind"] == "stop")

    page = html.read_text()
    assert page.count("<svg") >= 9 and page.count('class="card bars"') == 7 and "<script" not in page
    assert page.count('<article class="pin">') == 10  # the top pins (pictures: test_report_pictures.py)
    assert "split-block" not in page.replace("design id split-block", "").replace("&quot;split-block&quot;", "")
    assert not re.search(r"(src|href)=\"https?://", page)  # nothing fetched from the network
    for section in ("recommendations", "trends", "designs", "boards", "timing", "experiments", "pins"):
        assert f'id="{section}"' in page


def test_report_rejects_a_bad_period(shop_cli: Cli) -> None:
    result = shop_cli("report", "--since", "last month")
    assert result.exit_code == 2 and "--since: expected like 30d" in result.output


def test_experiment_create_status_list_via_cli(initialised_cli: Cli, cli_env: dict[str, str], tmp_path: Path) -> None:
    engine = db.make_engine(cli_env["PINBOT_DATABASE_URL"])
    from tests.metrics_fakes import add_product, product_photos

    account_id = make_account(engine)
    photos = product_photos(tmp_path, "ring", "earrings")
    add_product(engine, account_id, "ring", "Hammered ring", photos=photos)
    out = initialised_cli.ok(
        "experiment", "create", "--name", "bands", "--hypothesis", "A band converts better",
        "--products", "ring", "--variants", "photo-band,split-block", "--boards", "handmade-jewelry",
        "--sample", "5000", "--rounds", "2", "--auto",
    ).output  # fmt: skip
    assert "4 pins queued" in out and "5,000 impressions per design" in out
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(Pin)).one() == 4
        assert session.exec(select(Experiment.auto_apply)).one() is True
    status = json.loads(initialised_cli.ok("experiment", "status", "bands", "--json").output)
    assert status[0]["outcome"] == "collecting" and status[0]["p_value"] is None
    assert [v["design"] for v in status[0]["variants"]] == ["photo-band", "split-block"]
    listing = initialised_cli.ok("experiment", "list").output.splitlines()
    assert listing[0].split() == ["id", "name", "state", "outcome", "winner"]
    assert re.search(r"^\s*\d+\s+bands\s+running\s+collecting\s*$", "\n".join(listing), re.M)
    text = initialised_cli.ok("experiment", "status", "bands").output
    assert "A Photo band:" in text and "B Split block:" in text and "0 views per design so far" in text
    # A test this shop cannot finish in time is queued with what would make it feasible, or refused with --strict.
    strict = initialised_cli(
        "experiment", "create", "--name", "tiny", "--products", "ring", "--variants", "photo-band,split-block",
        "--boards", "handmade-jewelry", "--strict",
    )  # fmt: skip
    assert (
        strict.exit_code == 2
        and "--strict: at this shop's traffic this test finds a real 30% difference only" in strict.output
    )
    assert "look for a bigger difference" in strict.output and "test on 4 products instead of 1" in strict.output
    loose = initialised_cli.ok(
        "experiment", "create", "--name", "tiny", "--products", "ring", "--variants", "photo-band,split-block",
        "--boards", "handmade-jewelry",
    ).output  # fmt: skip
    assert (
        "note: at this shop's traffic this test finds a real 30% difference only" in loose and "days at this" in loose
    )
    bad = initialised_cli("experiment", "create", "--name", "x", "--products", "ring", "--variants", "photo-band,nope")
    assert bad.exit_code == 2 and "'nope' is neither a template" in bad.output
    missing = initialised_cli("experiment", "status", "nope")
    assert missing.exit_code == 3 and "no experiment 'nope'" in missing.output
    engine.dispose()


def test_report_on_an_empty_shop(initialised_cli: Cli, tmp_path: Path) -> None:
    html = tmp_path / "empty.html"
    initialised_cli.ok("report", "--html", str(html))
    page = html.read_text()
    assert "no data yet" in page and "Nothing meets the minimum yet." in page
    tiles = page.split('<div class="tiles">', 1)[1].split("</div></div>", 1)[0]  # the shop's totals
    assert "100.0%" not in tiles and "0.00%" not in tiles and "saved per view (no views yet)" in tiles
    data = json.loads(initialised_cli.ok("report", "--json").output)
    assert data["shop"]["impressions"] == 0 and data["recommendations"] == []
    text = initialised_cli.ok("report").output
    assert "(nothing meets the minimum yet)" in text
    # Headed by the shop's name (its brand kit), never the account key "default"; and it says why it is empty.
    from pinbot.render.brand import load_brand

    name = load_brand(initialised_cli.cwd / "assets").shop_name
    assert name and text.startswith(f"{name} ") and not text.startswith("default ")
    assert "No posted pin has numbers in this period yet" in " ".join(text.split())
