"""`pinbot demo` end to end: a short simulated run through the real CLI, then what it left behind
(pins on the emulator once per posted queue item, metric rows, the HTML report), and the folder
safety rule (a foreign folder is never touched; an earlier demo's folder is replaced)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func
from sqlmodel import select

from pinbot.clock import as_utc
from pinbot.demo import run as demo_module
from pinbot.demo.result import MARKER, prepare_folder
from pinbot.demo.shop import PRODUCTS
from pinbot.emulator import Emulator
from pinbot.errors import PinbotError
from pinbot.store import db
from pinbot.store.models import Account, Pin, PinMetricDaily, PinStatus, Token
from tests.conftest import Cli

DAYS = 5


class SpyEmulator(Emulator):
    """The demo's own emulator, kept for the test to inspect after the run."""

    made: list[Emulator] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        SpyEmulator.made.append(self)


@pytest.fixture
def demo_run(cli: Cli, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], Emulator]:
    SpyEmulator.made = []
    monkeypatch.setattr(demo_module, "Emulator", SpyEmulator)
    result = cli.ok("demo", "--dir", str(tmp_path / "demo"), "--days", str(DAYS), "--json", "--database-url", db_url)
    assert len(SpyEmulator.made) == 1
    return json.loads(result.stdout), SpyEmulator.made[0]


def test_demo_posts_pulls_metrics_and_writes_the_report(
    demo_run: tuple[dict[str, Any], Emulator], db_url: str, tmp_path: Path
) -> None:
    data, emu = demo_run
    folder = tmp_path / "demo"
    assert data["folder"] == str(folder.resolve())
    end = datetime.fromisoformat(data["simulated_end"])
    assert end - datetime.fromisoformat(data["simulated_start"]) == timedelta(days=DAYS)

    engine = db.make_engine(db_url)
    try:
        with db.session_scope(engine) as session:
            pins = list(session.exec(select(Pin)).all())
            rows_per_pin = dict(
                session.exec(select(PinMetricDaily.pin_id, func.count()).group_by(PinMetricDaily.pin_id)).all()
            )
            account = session.exec(select(Account).where(Account.name == "demo")).one()
            token = session.exec(select(Token).where(Token.account_id == account.id)).one()
            session.expunge_all()
    finally:
        engine.dispose()

    # Every pin that fell due in the simulated days went out, exactly once, and nothing else did.
    posted = [p for p in pins if p.status == PinStatus.posted]
    assert len(pins) == data["pins_queued"] >= 12
    assert len(posted) == data["pins_posted"] == data["pins_on_emulator"] >= 8
    assert all(p.status == PinStatus.queued and as_utc(p.due_at) >= end for p in pins if p not in posted)
    assert emu.pins_by_marker(include_deleted=True) == {p.marker: 1 for p in posted}
    assert {str(p.pinterest_pin_id) for p in posted} == {e["id"] for e in emu.pins()}
    assert data["duplicates_on_emulator"] == 0 and data["pins_failed"] == 0
    assert all(p.rendered_path and Path(p.rendered_path).is_file() for p in posted)
    # The experiment was made from template names over several rounds: each round drew both arms
    # in one look of its own, every pin rendered, and no board got the same image twice.
    trial = [p for p in pins if p.experiment_variant_id is not None]
    assert len(trial) == 4 * 2 * 3 and {p.template for p in trial} == {"photo-band", "text-forward"}
    looks = {(p.variant_key or "").split(".", 1)[1] for p in trial}
    assert looks == {"brand.subject", "accent.close", "light.centre"}
    assert {p.variant_key for p in posted if p.experiment_variant_id} >= {
        "photo-band.brand.subject",
        "text-forward.brand.subject",
    }
    for board in {p.board_id for p in posted}:
        on_board = [p for p in posted if p.board_id == board]
        assert len({Path(p.rendered_path or "").read_bytes() for p in on_board}) == len(on_board)

    # Boards synced through the API, tokens from the real OAuth exchange, the account identified.
    assert data["boards_created"] == 3 and emu.stats()["boards"] == 3
    assert token.access_token.startswith("pina_") and token.refresh_token.startswith("pinr_")
    assert account.username

    # One sweep a simulated day plus the last one; every pin posted before the last day has rows.
    assert data["metrics_sweeps"] == DAYS + 1
    assert sum(rows_per_pin.values()) == data["metrics_rows"] > 0
    older = [p for p in posted if as_utc(p.posted_at) < end - timedelta(days=1)]  # type: ignore[arg-type]
    assert older and all(rows_per_pin.get(p.id, 0) >= 1 for p in older)

    report = (folder / "report.html").read_text(encoding="utf-8")
    assert data["report"] == str(folder.resolve() / "report.html")
    assert '<section id="recommendations">' in report and 'id="rec-stop"' in report
    assert "<svg" in report and "band-vs-text-card" in report
    assert "Pinterest report · Fern &amp; Kiln Studio ·" in report and "· demo ·" not in report

    photos = sorted((folder / "photos").glob("*.jpg"))
    assert len(photos) == len(PRODUCTS)
    with Image.open(photos[0]) as image:
        assert image.size == (1000, 1200)
    assert {p.name for p in (folder / "boards").glob("*.toml")} == {
        "handmade-jewelry.toml",
        "ceramics.toml",
        "diy-craft-tutorials.toml",
    }
    assert (folder / MARKER).is_file() and (folder / ".env").is_file()


def test_demo_refuses_a_folder_it_did_not_make(cli: Cli, tmp_path: Path) -> None:
    foreign = tmp_path / "my-shop"
    foreign.mkdir()
    (foreign / "orders.csv").write_text("keep me\n")
    result = cli("demo", "--dir", str(foreign), "--days", "1")
    assert result.exit_code != 0
    assert "not made by `pinbot demo`" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert sorted(p.name for p in foreign.iterdir()) == ["orders.csv"]


def test_an_earlier_demo_folder_is_replaced_and_a_file_is_refused(tmp_path: Path) -> None:
    old = tmp_path / "old-demo"
    (old / "data").mkdir(parents=True)
    (old / MARKER).write_text("")
    (old / "data" / "stale.db").write_text("x")
    prepare_folder(old)
    assert sorted(p.name for p in old.iterdir()) == [MARKER]

    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    with pytest.raises(PinbotError, match="not a folder"):
        prepare_folder(a_file)
    assert a_file.read_text() == "x"


def test_where_everything_is_names_one_path_a_line(cli: Cli, tmp_path: Path) -> None:
    """ "boards, rules, brand kit:" put three paths on one line (146 columns in a fresh clone)."""
    out = cli.ok("demo", "--dir", str(tmp_path / "d"), "--days", "1", COLUMNS="80").output
    where = out.split("Where everything is", 1)[1].split("Next", 1)[0]
    rows = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in where.splitlines() if ":" in line}
    assert "boards, rules, brand kit" not in rows
    assert rows["boards"].endswith("boards") and rows["posting rules"].endswith("pinbot.toml")
    assert rows["brand kit"].endswith("assets") and all(", " not in path for path in rows.values())
