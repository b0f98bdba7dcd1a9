"""The report's "Start pinning" advice on a real Etsy shop (the Italian sabaceramics export,
imported offline: SKUs are bare numbers and no photo downloaded). Its command must work when the
owner copies it: the product named by the key that cannot be two products, a photo added first
when it has none, and never a product already on its way to Pinterest."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from pinbot.store import db
from tests.conftest import Cli
from tests.metrics_fakes import make_account, seed_shop

REAL = Path(__file__).resolve().parent / "data" / "real"
ETSY_IT = REAL / "etsy" / "sabaceramics__EtsyListingsDownload.csv"
FOX_BOWL = REAL / "photos" / "pres6.jpg"
PATCHWORK = REAL / "photos" / "CHSDM-1980-31-5MattFlynn.jpg"


def test_start_pinning_advice_is_a_command_that_works(initialised_cli: Cli) -> None:
    cli = initialised_cli
    cli.ok("products", "import", "--no-download", str(ETSY_IT), "--shop-url", "https://sabaceramics.example/p/{sku}")
    shutil.copy(FOX_BOWL, cli.cwd / "fox-bowl.jpg")
    shutil.copy(PATCHWORK, cli.cwd / "patchwork.jpg")
    engine = db.make_engine(cli.env["PINBOT_DATABASE_URL"])
    try:  # numbers for the report: other products' pins with 60 days of analytics
        seed_shop(engine, make_account(engine), datetime.now(UTC).date())
    finally:
        engine.dispose()
    # product 4 is SKU 28, and SKU 4 is product 27: `--product 4` is refused as two products
    cli.ok("products", "photo", "etsy:28", "--image", "patchwork.jpg")
    cli.ok("products", "photo", "etsy:32", "--image", "fox-bowl.jpg")
    cli.ok("queue", "add", "--product", "etsy:32", "--board", "ceramics")  # product 1: on its way already

    starts = [r for r in json.loads(cli.ok("report", "--json").output)["recommendations"] if r["kind"] == "start"]
    products = [r for r in starts if "product_id" in r["numbers"]]
    assert products, starts
    first = products[0]
    # the one with a photo comes first: it can be queued at once, by a key that is one product
    assert first["numbers"] == {"product_id": 4, "product": "etsy:28", "has_photo": True}
    assert first["action"] == "Queue it: `pinbot queue add --product etsy:28 --board BOARD`."
    assert all(r["numbers"]["product_id"] != 1 for r in products)  # queued: not "start pinning"
    second = products[1]
    assert second["numbers"] == {"product_id": 2, "product": "etsy:30", "has_photo": False}
    assert second["action"] == (
        "It has no photo yet: add one with `pinbot products photo etsy:30 --image PHOTO`, "
        "then `pinbot queue add --product etsy:30 --board BOARD`."
    )
    # and the commands do what they say
    cli.ok("queue", "add", "--product", "etsy:28", "--board", "ceramics")
    cli.ok("products", "photo", "etsy:30", "--image", "fox-bowl.jpg")
    terminal = cli.ok("report").output
    assert "--product 4 " not in terminal and "--product etsy:30 --board BOARD" in " ".join(terminal.split())


def test_a_long_board_key_is_never_cut_in_two_at_80_columns(initialised_cli: Cli) -> None:
    """The "By board" table cut "saggar-fired-vases" into "saggar-fired-vase" and "s" on two lines:
    a board key has no space to wrap at."""
    from sqlalchemy import update

    from pinbot.store.models import Board

    engine = db.make_engine(initialised_cli.env["PINBOT_DATABASE_URL"])
    try:
        seed_shop(engine, make_account(engine), datetime.now(UTC).date())
        with db.session_scope(engine) as session:
            session.execute(update(Board).where(Board.key == "ceramics").values(key="wabi-sabi-home-decor"))
    finally:
        engine.dispose()
    text = initialised_cli.ok("report", COLUMNS="80").output
    board_table = text.split("By board", 1)[1].split("By product", 1)[0]
    # whole, or broken only after a hyphen: "wabi-sabi-home-" then "decor" under it
    cells = {cell for line in board_table.splitlines() for cell in re.split(r"\s{2,}", line.strip())}
    assert "wabi-sabi-home-decor" in cells or ("wabi-sabi-home-" in cells and "decor" in cells), board_table
    assert max(len(line) for line in text.splitlines()) <= 80


def test_report_csv_given_a_file_name_asks_for_a_folder(initialised_cli: Cli, tmp_path: Path) -> None:
    """`report --csv report.csv` made a folder named report.csv with ten files in it."""
    result = initialised_cli("report", "--csv", str(tmp_path / "report.csv"))
    assert result.exit_code == 2 and not (tmp_path / "report.csv").exists()
    assert result.stderr.strip() == (
        "pinbot: --csv: report.csv is a file name; the report is ten CSV files, one a table: give a folder, "
        "e.g. --csv report-csv"
    )
    initialised_cli.ok("report", "--csv", str(tmp_path / "report-csv"))
    assert len(list((tmp_path / "report-csv").glob("*.csv"))) == 10


def test_the_weekly_digest_says_how_to_start_pinning_too(initialised_cli: Cli) -> None:
    """The digest listed "Start pinning …" with no command: its advice had no actions at all."""
    cli = initialised_cli
    cli.ok("products", "import", "--no-download", str(ETSY_IT), "--shop-url", "https://sabaceramics.example/p/{sku}")
    engine = db.make_engine(cli.env["PINBOT_DATABASE_URL"])
    try:
        seed_shop(engine, make_account(engine), datetime.now(UTC).date())
    finally:
        engine.dispose()
    digest = cli.ok("notify", "digest").output
    start = digest.split("Start:", 1)[1]
    assert "- Start pinning “Saggar pottery vase with smoky grey textures and copper marks”" in start
    assert (
        "\n  It has no photo yet: add one with `pinbot products photo etsy:32 --image PHOTO`, then "
        "`pinbot queue add --product etsy:32 --board BOARD`." in start
    )
