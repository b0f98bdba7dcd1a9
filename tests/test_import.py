"""`pinbot queue import FILE.csv`: row-level errors, --strict, idempotent re-import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from pinbot.store import db
from pinbot.store.models import Pin
from tests.conftest import REPO, Cli
from tests.helpers import make_photo, write_csv

HEADER = ["board", "title", "description", "link", "image", "alt_text", "at", "key"]


def count_pins(cli: Cli) -> int:
    engine = db.make_engine(cli.env["PINBOT_DATABASE_URL"])
    with Session(engine) as session:
        n = session.exec(select(func.count()).select_from(Pin)).one()
    engine.dispose()
    return int(n)


def good_rows(n: int, shop: Path | None = None) -> list[list[str]]:
    """Rows with a photo each (the spam lint refuses the same photo and design twice on a board)."""
    if shop is not None:
        for i in range(n):
            make_photo(shop / "photos" / f"mug-{i}.jpg", color=(i % 256, 90, 90))
    return [
        [
            "ceramics",
            f"Mug no. {i}",
            "Stoneware",
            f"https://shop.example.com/mug-{i}",
            f"photos/mug-{i}.jpg",
            "",
            "",
            f"sku-{i}",
        ]
        for i in range(n)
    ]


def test_import_queues_valid_rows_and_names_each_bad_one(initialised_cli: Cli, shop_dir: Path) -> None:
    make_photo(shop_dir / "photos" / "mug.jpg")
    rows = good_rows(3, shop_dir) + [
        ["ceramics", "x" * 101, "", "", "photos/mug.jpg", "", "", "long"],  # row 5: title
        ["nope", "Bowl", "", "", "photos/mug.jpg", "", "", "b"],  # row 6: board
        ["ceramics", "Bowl", "", "javascript:alert(1)", "photos/mug.jpg", "", "", "c"],  # row 7: link
        ["ceramics", "Bowl", "", "", "photos/none.jpg", "", "", "d"],  # row 8: image
        ["ceramics", "Bowl", "", "", "photos/mug.jpg", "", "soon", "e"],  # row 9: at
    ]
    csv_path = write_csv(shop_dir / "pins.csv", HEADER, rows)
    result = initialised_cli("queue", "import", str(csv_path), "--json")
    assert result.exit_code == 2
    summary = json.loads(result.stdout)
    assert summary["queued"] == 3 and summary["rows"] == 8
    assert [(e["row"], e["column"]) for e in summary["errors"]] == [
        (5, "title"),
        (6, "board"),
        (7, "link"),
        (8, "image"),
        (9, "at"),
    ]
    assert count_pins(initialised_cli) == 3
    assert "5 invalid rows" in result.stderr


def test_human_output_lists_row_column_reason(initialised_cli: Cli, shop_dir: Path) -> None:
    make_photo(shop_dir / "photos" / "mug.jpg")
    csv_path = write_csv(
        shop_dir / "pins.csv",
        HEADER,
        good_rows(1, shop_dir) + [["ceramics", "", "", "", "photos/mug.jpg", "", "", "z"]],
    )
    result = initialised_cli("queue", "import", str(csv_path))
    assert "pins.csv: row 3: title: is required" in result.stderr
    assert "Traceback" not in result.output


def test_strict_is_all_or_nothing(initialised_cli: Cli, shop_dir: Path) -> None:
    make_photo(shop_dir / "photos" / "mug.jpg")
    rows = good_rows(5, shop_dir) + [["ceramics", "Bowl", "", "not a url", "photos/mug.jpg", "", "", "bad"]]
    csv_path = write_csv(shop_dir / "pins.csv", HEADER, rows)
    result = initialised_cli("queue", "import", str(csv_path), "--strict")
    assert result.exit_code == 2 and "nothing queued" in result.stderr
    assert count_pins(initialised_cli) == 0
    fixed = write_csv(shop_dir / "pins.csv", HEADER, good_rows(5, shop_dir))
    initialised_cli.ok("queue", "import", str(fixed), "--strict")
    assert count_pins(initialised_cli) == 5


def test_reimport_adds_nothing_with_or_without_keys(initialised_cli: Cli, shop_dir: Path) -> None:
    make_photo(shop_dir / "photos" / "mug.jpg")
    keyed = write_csv(shop_dir / "keyed.csv", HEADER, good_rows(4, shop_dir))
    unkeyed = write_csv(
        shop_dir / "unkeyed.csv", HEADER[:-1], [["handmade-jewelry", *r[1:-1]] for r in good_rows(4, shop_dir)]
    )
    for path in (keyed, unkeyed):
        first = json.loads(initialised_cli.ok("queue", "import", str(path), "--json").stdout)
        again = json.loads(initialised_cli.ok("queue", "import", str(path), "--json").stdout)
        assert first["queued"] == 4 and again["queued"] == 0 and again["already_queued"] == 4
    assert count_pins(initialised_cli) == 8


def test_a_rule_refusal_is_reported_by_row(initialised_cli: Cli, shop_dir: Path) -> None:
    rows = good_rows(2, shop_dir) + [["ceramics", "Same photo again", "", "", "photos/mug-0.jpg", "", "", "dup"]]
    path = write_csv(shop_dir / "pins.csv", HEADER, rows)
    summary = json.loads(initialised_cli("queue", "import", str(path), "--json").stdout)
    assert summary["queued"] == 2
    assert [(e["row"], e["column"]) for e in summary["errors"]] == [(4, "image")]
    assert "already on board" in summary["errors"][0]["reason"]
    assert count_pins(initialised_cli) == 2


def test_several_boards_in_one_row(initialised_cli: Cli, shop_dir: Path) -> None:
    make_photo(shop_dir / "photos" / "mug.jpg")
    path = write_csv(
        shop_dir / "pins.csv",
        ["boards", "title", "image"],
        [["ceramics,diy-craft-tutorials", "Glazing at home", "photos/mug.jpg"]],
    )
    summary = json.loads(initialised_cli.ok("queue", "import", str(path), "--json").stdout)
    assert summary["queued"] == 2


def test_broken_files_fail_with_one_line(initialised_cli: Cli, shop_dir: Path) -> None:
    cases = {
        "unknown column": ("board,title,image,colour\n", "colour"),
        "missing column": ("board,title\n", "image"),
        "empty": ("", "empty"),
        "binary": (None, "UTF-8"),
    }
    for name, (content, expected) in cases.items():
        path = shop_dir / f"{name.replace(' ', '_')}.csv"
        if content is None:
            path.write_bytes(b"\xff\xfe\x00bad")
        else:
            path.write_text(content)
        result = initialised_cli("queue", "import", str(path))
        assert result.exit_code != 0, name
        assert expected in result.stderr and "Traceback" not in result.output, (name, result.output)
    missing = initialised_cli("queue", "import", str(shop_dir / "nope.csv"))
    assert missing.exit_code != 0 and "no such file" in missing.output
    assert count_pins(initialised_cli) == 0


def test_ragged_row_is_reported(initialised_cli: Cli, shop_dir: Path) -> None:
    make_photo(shop_dir / "photos" / "mug.jpg")
    path = shop_dir / "ragged.csv"
    path.write_text("board,title,image\nceramics,Mug,photos/mug.jpg\nceramics,Only two\n")
    summary = json.loads(initialised_cli("queue", "import", str(path), "--json").stdout)
    assert summary["queued"] == 1 and summary["errors"][0]["row"] == 3


def test_the_documented_example_file_imports(initialised_cli: Cli, shop_dir: Path) -> None:
    import shutil

    shutil.copytree(REPO / "examples", shop_dir / "examples")
    summary = json.loads(
        initialised_cli.ok("queue", "import", str(shop_dir / "examples" / "pins.csv"), "--json").stdout
    )
    assert summary["errors"] == [] and summary["queued"] >= 3


def test_an_unquoted_comma_is_caught_not_shifted(initialised_cli: Cli, shop_dir: Path) -> None:
    rows = good_rows(2, shop_dir)
    path = shop_dir / "shifted.csv"
    path.write_text(
        "Board,Title,Alt Text,Image\n"
        f"ceramics,Mug one,A blue mug,{rows[0][4]}\n"
        f"ceramics,Mug two, handmade,A mug,{rows[1][4]}\n"  # one cell too many: every column after would shift
    )
    summary = json.loads(initialised_cli("queue", "import", str(path), "--json").stdout)
    assert summary["queued"] == 1 and summary["rows"] == 2
    assert summary["errors"][0]["row"] == 3 and "needs quotes" in summary["errors"][0]["reason"]


def test_the_cycle_collector_rests_during_an_import_and_runs_again_after(
    initialised_cli: Cli, shop_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from pinbot.queue import csv_import

    seen: list[bool] = []
    parse = csv_import.parse_csv

    def watched(*args: object, **kwargs: object) -> csv_import.ParsedFile:
        seen.append(gc.isenabled())
        return parse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(csv_import, "parse_csv", watched)
    csv_path = write_csv(shop_dir / "pins.csv", HEADER, good_rows(2, shop_dir))
    assert gc.isenabled()
    assert initialised_cli("queue", "import", str(csv_path)).exit_code == 0
    bad = write_csv(shop_dir / "bad.csv", HEADER, [["nope", "Bowl", "", "", "photos/mug-0.jpg", "", "", "b"]])
    assert initialised_cli("queue", "import", str(bad)).exit_code == 2  # a failed import too
    assert seen == [False, False] and gc.isenabled()
    assert count_pins(initialised_cli) == 2
