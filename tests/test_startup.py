"""Start-up cost: `pinbot --help` imports click and pinbot's command table, nothing heavy.

A command's module (and with it SQLAlchemy, Pillow, requests, rich) is loaded only when that
command runs. This guards against a heavy import creeping back into the top of the CLI."""

from __future__ import annotations

import subprocess
import sys

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
