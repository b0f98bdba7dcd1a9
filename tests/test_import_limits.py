"""A CSV cell longer than the csv module's default field limit (131,072 characters) must not make
the rows after it vanish: every row is either queued or reported (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli
from tests.helpers import write_csv
from tests.test_import import HEADER, count_pins, good_rows


def test_a_huge_cell_is_one_bad_row_and_the_rest_are_queued(initialised_cli: Cli, shop_dir: Path) -> None:
    rows = good_rows(10, shop_dir)
    rows[3][2] = "glaze " * 30_000  # row 5: a 180,000-character description
    csv_path = write_csv(shop_dir / "pins.csv", HEADER, rows)
    result = initialised_cli("queue", "import", str(csv_path), "--json")
    summary = json.loads(result.stdout)
    assert summary["rows"] == 10
    assert [(e["row"], e["column"]) for e in summary["errors"]] == [(5, "description")]
    assert summary["queued"] == 9 and count_pins(initialised_cli) == 9
