"""`pinbot loop` and `pinbot keywords` end to end in the CLI, and `queue plan` naming each pin's loop."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pinbot.clock import FakeClock
from pinbot.emulator import Emulator
from tests.conftest import Cli, emulator_env
from tests.helpers import make_photo


def _products(cli: Cli, shop_dir: Path) -> None:
    for i, (title, tags) in enumerate(
        [("Speckled stoneware mug", "mug,gift"), ("Tall ceramic planter", "planter"), ("Silver hoop earrings", "gift")]
    ):
        photo = make_photo(shop_dir / "photos" / f"p{i}.jpg")
        about = f"{title}, made by hand in our studio in small batches."
        link = f"https://shop.example/p/{i}"
        args = ["--title", title, "--link", link, "--image", str(photo), "--description", about, "--tags", tags]
        cli.ok("products", "add", *args, "--key", f"p{i}")


def test_loop_commands(initialised_cli: Cli, shop_dir: Path) -> None:
    cli = initialised_cli
    _products(cli, shop_dir)
    mugs_loop = ["--board", "ceramics", "--tag", "mug", "--tag", "planter", "--every", "14", "--json"]
    made = json.loads(cli.ok("loop", "create", "mugs", *mugs_loop).output)
    assert made["kind"] == "evergreen" and made["selection"] == {"tags": ["mug", "planter"]}
    xmas = cli.ok("loop", "create", "xmas", "--board", "handmade-jewelry", "--tag", "gift", "--peak", "12-20")
    assert "warning" not in xmas.stderr  # two gifts in stock, with photos
    ghost = cli.ok("loop", "create", "ghost", "--board", "ceramics", "--tag", "no-such-tag")
    assert "warning: no product in stock matches tags: no-such-tag yet" in ghost.stderr
    cli.ok("loop", "delete", "ghost")
    assert "10-31 to 12-20 each year" in xmas.output
    bad = cli("loop", "create", "nope", "--board", "no-such-board")
    assert bad.exit_code != 0 and "no-such-board" in bad.output and "Traceback" not in bad.output
    dup = cli("loop", "create", "mugs", "--board", "ceramics")
    assert dup.exit_code != 0 and "already a loop named 'mugs'" in dup.output
    listed = json.loads(cli.ok("loop", "list", "--json").output)
    assert [r["name"] for r in listed] == ["mugs", "xmas"]
    table = cli.ok("loop", "list").output  # 80 columns: nothing cut to "handm…" or "seaso…"
    assert "…" not in table and all(len(line) <= 80 for line in table.splitlines())
    assert "all year" in table and "10-31 to" in table and "14 days" in cli.ok("loop", "list", COLUMNS="100").output
    ran = json.loads(cli.ok("loop", "run", "--json").output)
    assert ran["by_loop"].get("mugs") == 2  # the mug and the planter, once each on ceramics
    plan = json.loads(cli.ok("queue", "plan", "--days", "30", "--json").output)
    # The seasonal loop queues only inside its dates (10-31 to 12-20), which depend on today's date.
    assert {p["loop"] for p in plan["pins"]} <= {"mugs", "xmas"}
    mugs = [p for p in plan["pins"] if p["loop"] == "mugs"]
    assert len(mugs) == 2 and all(p["loop_id"] == made["id"] for p in mugs)
    assert "loop" in cli.ok("queue", "plan", "--days", "30").output
    shown = json.loads(cli.ok("loop", "show", "mugs", "--json").output)
    assert len(shown["queued"]) == 2 and shown["pins"] == {"queued": 2}
    assert all(p["variant"] and p["title"].lower()[:40] for p in shown["queued"])
    paused = cli.ok("loop", "pause", "mugs")
    assert "2 queued pins cancelled" in paused.output
    assert json.loads(cli.ok("loop", "show", "mugs", "--json").output)["status"] == "paused"
    cli.ok("loop", "resume", "mugs")
    assert "deleted" in cli.ok("loop", "delete", "xmas").output
    again = cli.ok("loop", "run").output  # in words: "2 pins queued, 2 from mugs", never "pin(s)"
    assert "pin(s)" not in again and again.startswith(("2 pins queued, 2 from mugs", "0 pins queued")), again
    assert [r["name"] for r in json.loads(cli.ok("loop", "list", "--json").output)] == ["mugs"]


def test_keywords_suggest_offline(initialised_cli: Cli, shop_dir: Path) -> None:
    cli = initialised_cli
    _products(cli, shop_dir)
    out = json.loads(cli.ok("keywords", "suggest", "p0", "--no-trends", "--json").output)
    assert out["boards"] == ["ceramics"]  # "mug" and "stoneware" meet the ceramics board's keywords
    sources = {w["word"]: w["source"] for w in out["words"]}
    assert sources["handmade mug"] == "board" and sources["gift"] == "tag" and sources["speckled"] == "product"
    assert "handmade mug" in out["sample_title"].lower()[:40]


def test_trends_and_a_seasonal_loop_from_a_trend_against_the_emulator(initialised_cli: Cli, shop_dir: Path) -> None:
    cli = initialised_cli
    _products(cli, shop_dir)
    with Emulator(
        "emulator-app", "emulator-secret", tier="standard", clock=FakeClock(datetime(2026, 10, 20, 12))
    ) as emu:
        env = emulator_env(emu, tier="standard")
        args = ["--type", "seasonal", "--interest", "home_decor", "--limit", "5", "--json"]
        trends = json.loads(cli.ok("keywords", "trends", *args, **env).output)
        assert 1 <= len(trends) <= 5 and all(t["peak_week"] for t in trends)
        table = cli.ok("keywords", "trends", "--type", "growing", **env).output
        assert "growing searches in US" in table
        made = json.loads(
            cli.ok(
                "loop",
                "create",
                "xmas-mugs",
                "--board",
                "ceramics",
                "--tag",
                "mug",
                "--from-trend",
                "christmas mug",
                "--json",
                **env,
            ).output
        )
        suggested = json.loads(cli.ok("keywords", "suggest", "p0", "--json", **env).output)
    assert made["kind"] == "seasonal" and made["keywords"] == ["christmas mug"]
    # The emulator's "christmas mug" peaks mid-December: the season starts 50 days before that.
    assert made["season_start"].startswith(("10-", "11-")) and made["season_end"].startswith("12-")
    assert any(w["word"] == "christmas mug" and w["source"] == "trend" for w in suggested["words"])
    bad = cli("keywords", "trends", "--type", "weekly")
    assert bad.exit_code != 0 and "weekly" in bad.output


def test_a_loop_from_a_board_uses_each_boards_default_template(initialised_cli: Cli, shop_dir: Path) -> None:
    cli = initialised_cli
    _products(cli, shop_dir)
    cli.ok("queue", "add", "--product", "p0", "--board", "ceramics")  # by hand: p0 is now on ceramics
    args = ["--board", "handmade-jewelry", "--from-board", "ceramics", "--every", "14", "--json"]
    made = json.loads(cli.ok("loop", "create", "again", *args).output)
    assert made["selection"] == {"boards": ["ceramics"]}
    cli.ok("loop", "create", "mugs", "--board", "ceramics", "--tag", "mug", "--tag", "planter", "--every", "14")
    ran = json.loads(cli.ok("loop", "run", "--json").output)
    assert ran["by_loop"] == {"again": 1, "mugs": 1}  # p0 is still queued on ceramics by hand: only p1 there
    again = json.loads(cli.ok("loop", "show", "again", "--json").output)["queued"]
    mugs = json.loads(cli.ok("loop", "show", "mugs", "--json").output)["queued"]
    p0 = json.loads(cli.ok("products", "show", "p0", "--json").output)["id"]
    assert [(p["product_id"], p["board"]) for p in again] == [(p0, "handmade-jewelry")]
    # boards/*.toml: handmade-jewelry's default_template is photo-band, ceramics' is split-block.
    assert again[0]["template"] == "photo-band" and again[0]["variant"].startswith("photo-band.")
    assert mugs[0]["template"] == "split-block" and mugs[0]["variant"].startswith("split-block.")
    bad = cli("loop", "create", "two", "--board", "ceramics", "--from-board", "ceramics", "--tag", "mug")
    assert bad.exit_code != 0 and "choose one of" in bad.output and "Traceback" not in bad.output
