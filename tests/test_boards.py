"""Board files: the shipped examples parse; a broken file is reported by file name and key."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pinbot.errors import InvalidInput
from pinbot.shop.boards import load_boards, parse_board, plan_sync, scan_boards
from tests.conftest import REPO, Cli


def test_shipped_example_parses_and_is_never_used(tmp_path: Path) -> None:
    # The repository's boards/ holds a neutral example only: no board pinbot would load or sync.
    assert load_boards(REPO / "boards") == {}
    example = tmp_path / "example.toml"
    shutil.copyfile(REPO / "boards" / "example.toml.example", example)
    board = parse_board(example)
    assert board.name and board.description and board.keywords and board.default_template


def test_sample_shop_boards_parse(shop_dir: Path) -> None:
    boards = load_boards(shop_dir / "boards")
    assert len(boards) >= 3
    assert all(b.name and b.description and b.keywords and b.default_template for b in boards.values())


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ('name = "X"\nprivacy = "OPEN"\n', "privacy"),
        ('description = "no name"\n', "name"),
        ('name = "X"\ncolour = "red"\n', "colour"),
        ('name = "X"\n[link]\nutm_bogus = "a"\n', "link.utm_bogus"),
        ('name = "X"\nkeywords = "not a list"\n', "keywords"),
        ('name = "X\n', "toml"),
    ],
)
def test_broken_file_names_file_and_key(tmp_path: Path, content: str, key: str) -> None:
    path = tmp_path / "broken-board.toml"
    path.write_text(content)
    with pytest.raises(InvalidInput) as info:
        parse_board(path)
    assert info.value.source == "broken-board.toml" and info.value.field == key
    assert str(info.value).startswith("broken-board.toml: ")


def test_duplicate_names_and_bad_file_names(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('name = "Mugs"\n')
    (tmp_path / "b.toml").write_text('name = "mugs"\n')
    (tmp_path / "Bad Name.toml").write_text('name = "Other"\n')
    boards, errors = scan_boards(tmp_path)
    assert list(boards) == ["a"]
    assert {e.source for e in errors} == {"b.toml", "Bad Name.toml"}


def test_sync_plan_creates_links_never_deletes(shop_dir: Path) -> None:
    boards = load_boards(shop_dir / "boards")
    remote = {"handmade jewelry": "111", "Someone else's board": "999"}
    steps = {s.key: s for s in plan_sync(boards.values(), remote, {"ceramics": None})}
    assert steps["handmade-jewelry"].action == "link" and steps["handmade-jewelry"].pinterest_board_id == "111"
    assert steps["ceramics"].action == "create"
    assert {s.action for s in steps.values()} <= {"create", "link", "ok"}


def test_boards_list_cli(cli: Cli, shop_dir: Path) -> None:
    data = json.loads(cli.ok("boards", "list", "--json").stdout)
    assert {b["key"] for b in data["boards"]} == {"ceramics", "diy-craft-tutorials", "handmade-jewelry"}
    assert data["errors"] == []
    (shop_dir / "boards" / "oops.toml").write_text('name = "Oops"\nprivacy = 3\n')
    result = cli("boards", "list")
    assert result.exit_code != 0 and "oops.toml: privacy: must be a string" in result.stderr
