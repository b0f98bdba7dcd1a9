"""Start-up cost: `pinbot --help` imports click and pinbot's command table, nothing heavy.

A command's module (and with it SQLAlchemy, Pillow, requests, rich) is loaded only when that
command runs. This guards against a heavy import creeping back into the top of the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "PIL", "requests", "rich", "alembic", "dotenv")

PROBE = """
import sys
from pinbot.cli import main
try:
    main(["--help"])
except SystemExit:
    pass
print(",".join(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1].split(",")))))
"""


def test_help_imports_nothing_heavy() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(HEAVY)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[-1] == "", f"`pinbot --help` imported: {out[-1]}"


def test_every_listed_command_loads() -> None:
    from click.testing import CliRunner

    from pinbot.cli import COMMANDS, main

    for name in COMMANDS:
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)


LIST_PROBE = """
import sys
from pinbot.cli import main
try:
    main(["queue", "list"])
except SystemExit:
    pass
heavy = set(sys.argv[1].split(","))
print(",".join(sorted(m for m in sys.modules if m in heavy or m.split(".")[0] in heavy)))
"""
# The ORM and what the SQLModel models bring (half a second); the schema check's alembic; the renderer,
# the Pinterest client and rich. `queue list` reads with SQLAlchemy Core (pinbot.store.core_tables).
LIST_HEAVY = "sqlmodel,pydantic,sqlalchemy.orm,pinbot.store.models,alembic,PIL,requests,rich"


def test_queue_list_imports_only_the_queue(tmp_path: Path) -> None:
    """`pinbot queue list` needs SQLAlchemy Core and the queue's listing: not the ORM models (sqlmodel,
    pydantic), alembic (the schema check reads the revision itself), the renderer, the Pinterest
    client or rich."""
    env = {
        **os.environ,
        "PINBOT_DATA_DIR": str(tmp_path / "data"),
        "PINBOT_BOARDS_DIR": str(Path(__file__).resolve().parent.parent / "boards"),
        "PINBOT_DATABASE_URL": "",
    }
    subprocess.run([sys.executable, "-m", "pinbot.cli", "init"], env=env, cwd=tmp_path, check=True, capture_output=True)
    probe = subprocess.run(
        [sys.executable, "-c", LIST_PROBE, LIST_HEAVY],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.splitlines()[-1] == "", f"`pinbot queue list` imported: {probe.stdout.splitlines()[-1]}"
    assert "no pins match" in probe.stderr


def test_the_renderer_names_load_on_first_use() -> None:
    """`pinbot.render` loads its parts when a name is asked for (a photo check does not load the
    compositor), and every name it lists is there."""
    probe = (
        "import sys, pinbot.render.loading as l, pinbot.render as r\n"
        "print('pinbot.render.compose' in sys.modules)\n"
        "print(all(getattr(r, n) is not None for n in r.__all__), 'pinbot.render.compose' in sys.modules)\n"
        "from pinbot.render import render_pin\n"
        "print(render_pin.__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True", "True", "pinbot.render.api"]


IMPORT_PROBE = """
import sys
from pinbot.cli import main
try:
    main(["queue", "import", sys.argv[2]])
except SystemExit:
    pass
heavy = set(sys.argv[1].split(","))
print(",".join(sorted(m for m in sys.modules if m in heavy)))
"""
# What a file of pinbot's own columns does not need: the compositor and its fonts and brand kits,
# the shop importers and their downloads, the designs' layouts when no pin has a design.
IMPORT_NOT_NEEDED = (
    "pinbot.render.api,pinbot.render.compose,pinbot.render.brand,pinbot.importers.etsy,pinbot.importers.shopify,"
    "pinbot.importers.fetch,urllib.request,pinbot.render.fits,pinbot.render.template_file"
)


def test_queue_import_loads_what_it_uses(tmp_path: Path) -> None:
    from PIL import Image

    env = {
        **os.environ,
        "PINBOT_DATA_DIR": str(tmp_path / "data"),
        "PINBOT_BOARDS_DIR": str(tmp_path / "boards"),
        "PINBOT_DATABASE_URL": "",
    }
    (tmp_path / "boards").mkdir()
    (tmp_path / "boards" / "mugs.toml").write_text('name = "Mugs"\n', encoding="utf-8")
    Image.new("RGB", (200, 300), (180, 90, 40)).save(tmp_path / "mug.png")
    (tmp_path / "pins.csv").write_text("board,title,image\nmugs,Blue mug,mug.png\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pinbot.cli", "init"], env=env, cwd=tmp_path, check=True, capture_output=True)
    probe = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, IMPORT_NOT_NEEDED, "pins.csv"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "1 pin queued" in probe.stdout, probe.stderr
    assert probe.stdout.splitlines()[-1] == "", f"`pinbot queue import` loaded: {probe.stdout.splitlines()[-1]}"
