"""What the owner reads: experiment pins inside the posting windows (so `queue plan` reports no
problem pinbot made itself), shop time with its zone, a warning for a pin without a link, `--help`
in full and in the order a shop works, product keys everywhere, plain plurals, 80 columns."""

from __future__ import annotations

import json
import re
from datetime import datetime, time
from pathlib import Path

from pinbot.words import clip, plural
from tests.conftest import Cli
from tests.helpers import make_photo
from tests.test_experiments_cli import BOARDS, _products

LONDON = {"PINBOT_TIMEZONE": "Europe/London"}
WINDOWS = [(time(8), time(11)), (time(12), time(14)), (time(19), time(22, 30))]  # the default rules


def test_experiment_pins_respect_the_posting_windows(initialised_cli: Cli, tmp_path: Path) -> None:
    cli = initialised_cli
    _products(cli, tmp_path)
    out = cli.ok(
        "experiment", "create", "--name", "bands", "--products", "ring,mug", "--variants", "photo-band,split-block",
        "--boards", BOARDS, "--rounds", "3", **LONDON,
    ).output  # fmt: skip
    assert "24 pins queued" in out and "inside the posting windows" in out and "UTC" not in out
    view = json.loads(cli.ok("queue", "plan", "--days", "90", "--json", **LONDON).stdout)
    assert len(view["pins"]) == 24
    assert view["problems"] == []  # nothing pinbot made itself
    for item in view["pins"]:
        local = datetime.fromisoformat(item["local_time"])
        assert not item["explicit_time"]
        assert any(start <= local.time() <= end for start, end in WINDOWS), item["local_time"]
    per_day = view["per_day"].values()
    assert max(per_day) <= 15  # the daily cap


def test_queue_list_and_show_use_shop_time_with_the_zone(initialised_cli: Cli, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "mug.jpg")
    pin_id = initialised_cli.ok(
        "queue", "add", "--board", "ceramics", "--title", "Mug", "--image", str(photo),
        "--link", "https://shop.example.com/mug", "--at", "2031-07-01T20:15", **LONDON,
    ).stdout.strip()  # fmt: skip
    listing = initialised_cli.ok("queue", "list", **LONDON).output
    assert "due (shop time)" in listing and "Tue 1 Jul 2031 20:15" in listing  # as the owner says it
    shown = initialised_cli.ok("queue", "show", pin_id, **LONDON).output
    assert "due_at            2031-07-01 20:15 BST" in shown
    as_json = json.loads(initialised_cli.ok("queue", "show", pin_id, "--json", **LONDON).stdout)
    assert as_json["due_at"] == "2031-07-01T19:15:00+00:00"  # JSON keeps UTC, stable


def test_queue_add_without_a_link_warns(initialised_cli: Cli, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "mug.jpg")
    result = initialised_cli.ok("queue", "add", "--board", "ceramics", "--title", "Mug", "--image", str(photo))
    assert "has no link, so it sends no one to your shop" in result.stderr
    linked = initialised_cli.ok(
        "queue", "add", "--board", "ceramics", "--title", "Mug 2", "--image", str(make_photo(tmp_path / "b.jpg")),
        "--link", "https://shop.example.com/mug",
    )  # fmt: skip
    assert "no link" not in linked.output


def test_help_lists_every_command_in_full_in_workflow_order(cli: Cli) -> None:
    text = cli.ok("--help", COLUMNS="80").output
    commands = text.split("Commands:", 1)[1]
    assert "..." not in commands and "…" not in commands
    assert "Make your shop: name, website, colours, logo, boards, database." in " ".join(text.split())
    names = [line.split()[0] for line in commands.splitlines() if line.startswith("  ") and line[2] != " "]
    assert names[:7] == ["init", "auth", "boards", "products", "queue", "render", "run"]
    assert names.index("metrics") < names.index("report") < names.index("experiment") < names.index("demo")
    assert names[-1] == "doctor"
    assert all(len(line) <= 80 for line in text.splitlines())
    queue_help = cli.ok("queue", "--help", COLUMNS="80").output
    assert "..." not in queue_help.split("Commands:", 1)[1]
    assert "any rule or lint problems" in " ".join(queue_help.split())


def test_render_product_takes_the_key(initialised_cli: Cli, tmp_path: Path) -> None:
    _products(initialised_cli, tmp_path)
    out = tmp_path / "out"
    result = initialised_cli.ok("render", "--product", "mug", "--template", "photo-band", "--out", str(out), "--json")
    assert len(json.loads(result.stdout)["renders"]) == 1


def test_plurals() -> None:
    assert plural(1, "pin") == "1 pin" and plural(2, "pin") == "2 pins" and plural(0, "board") == "0 boards"
    assert plural(1, "token refresh") == "1 token refresh" and plural(3, "token refresh") == "3 token refreshes"
    assert plural(1200, "queued pin") == "1,200 queued pins"


def test_long_titles_are_cut_after_a_whole_word(initialised_cli: Cli, tmp_path: Path) -> None:
    """A real Etsy title (tests/data/real/etsy, sabaceramics) in `queue list` and `queue plan`:
    "…copper salt…", never "…copper salt markings a" or "…textures and c"."""
    title = "Grey saggar fired vase with copper salt markings and carbon trails"
    assert clip(title, 50) == "Grey saggar fired vase with copper salt markings…"
    assert clip("Mug", 50) == "Mug" and clip("x" * 60, 50) == "x" * 49 + "…"  # one long word: cut anyway
    assert len(clip(title, 20)) <= 20
    initialised_cli.ok(
        "queue", "add", "--board", "ceramics", "--title", title, "--image", str(make_photo(tmp_path / "v.jpg")),
        "--link", "https://shop.example.com/vase",
    )  # fmt: skip
    listing = initialised_cli.ok("queue", "list").output
    assert "Grey saggar fired vase with copper…" in listing and "copper s" not in listing  # 80 columns
    plan = " ".join(initialised_cli.ok("queue", "plan").output.split())
    assert "copper salt…" in plan and "salt m" not in plan  # 80 columns


def test_one_pin_is_one_pin(initialised_cli: Cli, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "mug.jpg")
    initialised_cli.ok(
        "queue", "add", "--board", "ceramics", "--title", "Mug", "--image", str(photo),
        "--link", "https://shop.example.com/mug",
    )  # fmt: skip
    plan = initialised_cli.ok("queue", "plan").output
    assert "1 pin;" in plan and "1 pins" not in plan
    # Days as people say them ("Mon 30 Nov 1 pin", not "2026-11-30 1"); no column of loop dashes without loops.
    assert re.search(r"per day: [A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} 1 pin", plan), plan
    assert "loop" not in plan


def test_report_tables_fit_80_columns_without_cutting_names() -> None:
    from rich.console import Console

    from pinbot.cli.metrics_cmds import _group_table
    from pinbot.review.types import Group, Totals

    names = ["text-forward.light.subject", "text-forward.light.centre", "text-forward.accent.close"]
    groups = [
        Group("design", n, n, Totals(impressions=96_479, saves=1_771, outbound_clicks=866, pins=14), rank=i + 1)
        for i, n in enumerate(names)
    ]
    console = Console(width=80, record=True, force_terminal=False, color_system=None)
    console.print(_group_table("By design", groups))
    text = console.export_text()
    assert all(len(line.rstrip()) <= 80 for line in text.splitlines())
    assert "…" not in text
    # A folded name continues on the next line of the same column: read the column top to bottom.
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if " name " in line)  # under two-line headers
    start = lines[head].index("name")
    column = "".join(line[start : start + 30].split("  ")[0].strip() for line in lines[head + 2 :])
    for name in names:
        assert name in column
    assert "96,479" in text and "0.90%" in text and "pins" in text


def test_readme_guides_a_new_owner() -> None:
    import re

    from pinbot.config import SETTING_DOCS
    from tests.conftest import REPO

    text = (REPO / "README.md").read_text()
    assert text.startswith(
        "# pinbot\n\n```sh\n"
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/pinbot demo\n"
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest\n```\n"
    )
    assert SETTING_DOCS["PINTEREST_REDIRECT_URI"][1] in text  # the exact redirect URI pinbot uses
    assert "visible only to you" in text and "loginctl enable-linger" in text and "source .venv/bin/activate" in text
    images = re.findall(r"\(docs/images/([^)]+)\)", text)
    templates = sorted(p.stem for p in (REPO / "assets" / "templates").glob("*.toml"))
    assert sorted(i.removeprefix("template-").removesuffix(".jpg") for i in images if i.startswith("template-")) == (
        templates
    )
    assert all((REPO / "docs" / "images" / name).is_file() for name in images)
