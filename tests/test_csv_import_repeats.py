"""A CSV that names one photo with the same words on many boards: the cells checked once are not
checked again, and every row still gets its own verdict (a bad board, key or cell names its row;
a bad cell repeated names each row it is in)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from pinbot.queue.csv_import import parse_csv
from pinbot.shop.boards import BoardDef
from tests.helpers import make_photo, write_csv

HEADER = ["board", "boards", "title", "description", "link", "image", "at", "key"]
BOARDS = {k: BoardDef(k, k.title()) for k in ("mugs", "gifts", "kitchen")}


def test_repeated_cells_give_each_row_its_own_verdict(tmp_path: Path) -> None:
    make_photo(tmp_path / "photos" / "mug.jpg")
    mug = ["Blue mug", "Stoneware", "https://shop.example.com/mug", "photos/mug.jpg", ""]
    rows = [
        ["mugs", "", *mug, "k1"],  # row 2: queued
        ["gifts", "", *mug, "k2"],  # row 3: the same cells on another board: queued
        ["nope", "", *mug, "k3"],  # row 4: unknown board
        ["mugs", "", *mug, "k" * 201],  # row 5: key too long
        ["", "gifts,kitchen", *mug, ""],  # row 6: two boards, a derived key
        ["mugs", "", "x" * 101, *mug[1:], "k6"],  # row 7: title too long
        ["gifts", "", "x" * 101, *mug[1:], "k7"],  # row 8: the same bad title: named again
        ["mugs", "", *mug[:4], "soon", "k8"],  # row 9: a bad time, other cells as before
        ["nope", "", "x" * 101, *mug[1:], "k9"],  # row 10: the board is checked first
        ["mugs", "", *mug, "k10"],  # row 11: queued
    ]
    parsed = parse_csv(write_csv(tmp_path / "pins.csv", HEADER, rows), BOARDS, ZoneInfo("Europe/London"))
    assert [(e.row, e.field) for e in parsed.errors] == [
        (4, "board"),
        (5, "key"),
        (7, "title"),
        (8, "title"),
        (9, "at"),
        (10, "board"),
    ]
    assert [(n, r.boards, r.source_key) for n, r in parsed.requests][:2] == [
        (2, ("mugs",), "csv:k1"),
        (3, ("gifts",), "csv:k2"),
    ]
    assert [n for n, _ in parsed.requests] == [2, 3, 6, 11]
    six = parsed.requests[2][1]
    assert six.boards == ("gifts", "kitchen") and six.source_key.startswith("csv:") and len(six.source_key) == 28
    assert {r.image for _, r in parsed.requests} == {str((tmp_path / "photos" / "mug.jpg").absolute())}
    assert parsed.rows == 10
