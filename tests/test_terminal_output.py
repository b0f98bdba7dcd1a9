"""What a shop owner sees in the terminal: one-off commands print no log chatter (warnings and
errors as plain lines), the service keeps its timed log, and listings fit an 80-column terminal."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pinbot.cli.context import AppContext
from pinbot.logs import OWNER
from tests.conftest import Cli
from tests.helpers import make_photo

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}")
LONG_TITLE = "Speckled stoneware mug with a hand-thrown foot ring and a glossy oatmeal glaze, 350 ml"


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    root = logging.getLogger("pinbot")
    level, handlers = root.level, list(root.handlers)
    yield
    root.setLevel(level)
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)


def _widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def test_a_one_off_command_prints_warnings_as_plain_lines_and_no_info(capsys: pytest.CaptureFixture[str]) -> None:
    app = AppContext(env={})
    assert app.settings.log_level == ""
    log = logging.getLogger("pinbot.somewhere")
    log.info("service started for account default")
    log.info("waiting 40 s: the org_write budget is spent", extra=OWNER)
    log.warning("pin %s deferred: board %s is not synced", 3, "mugs")
    log.error("pin 4 failed: the photo is damaged")
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "waiting 40 s: the org_write budget is spent",
        "warning: pin 3 deferred: board mugs is not synced",
        "error: pin 4 failed: the photo is damaged",
    ]


def test_the_service_logs_info_with_the_time(capsys: pytest.CaptureFixture[str]) -> None:
    app = AppContext(env={})
    app.settings  # noqa: B018  (a one-off command's set-up first, as `pinbot run` has it)
    app.service_logging()
    logging.getLogger("pinbot.daemon").info("service started for account default")
    (line,) = capsys.readouterr().err.splitlines()
    assert TIMESTAMP.match(line) and line.endswith("INFO pinbot.daemon: service started for account default")


@pytest.mark.parametrize("level", ["INFO", "info", "DEBUG"])
def test_an_explicit_log_level_wins_for_every_command(level: str, capsys: pytest.CaptureFixture[str]) -> None:
    app = AppContext(env={"PINBOT_LOG_LEVEL": level})
    app.settings  # noqa: B018
    logging.getLogger("pinbot.queue").info("queued 3 pins")
    (line,) = capsys.readouterr().err.splitlines()
    assert TIMESTAMP.match(line) and "INFO pinbot.queue: queued 3 pins" in line
    quiet = AppContext(env={"PINBOT_LOG_LEVEL": "WARNING"})
    quiet.settings  # noqa: B018
    quiet.service_logging()  # the owner's WARNING wins over the service's INFO
    logging.getLogger("pinbot.daemon").info("service started")
    assert capsys.readouterr().err == ""


def _queue(cli: Cli, shop_dir: Path, board: str, title: str, at: str) -> None:
    photo = shop_dir / "mug.jpg"
    if not photo.exists():
        make_photo(photo)
    cli.ok("queue", "add", "--board", board, "--title", title, "--image", str(photo), "--at", at,
           "--link", "https://shop.example/mug")  # fmt: skip


def test_run_once_says_what_it_would_post_in_plain_lines(initialised_cli: Cli, shop_dir: Path) -> None:
    _queue(initialised_cli, shop_dir, "ceramics", "Speckled mug", "2020-01-01T09:00")
    result = initialised_cli.ok("run", "--once", "--dry-run")
    lines = result.stderr.splitlines()
    assert lines == ["dry-run pin 1: would wait, board ceramics is not synced: run pinbot boards sync"]
    assert "service started" not in result.output and not TIMESTAMP.search(result.output)


def test_queue_list_fits_80_columns_and_shows_more_when_wider(initialised_cli: Cli, shop_dir: Path) -> None:
    for n, board in enumerate(("ceramics", "diy-craft-tutorials", "handmade-jewelry")):
        _queue(initialised_cli, shop_dir, board, f"{LONG_TITLE} no. {n}", f"2031-03-0{n + 1}T10:30")
    narrow = initialised_cli.ok("queue", "list", COLUMNS="80").stdout
    assert _widest(narrow) <= 80, narrow
    header, first, *_ = narrow.splitlines()
    assert header.split() == ["id", "status", "due", "(shop", "time)", "board", "title"]
    # what goes out when, where, which pin, its status; the title cut after a whole word
    assert re.match(r"\s*1  queued  Sat 1 Mar 2031 10:30  ceramics\s+Speckled stoneware mug…$", first)
    assert "handmade-jewelry" in narrow and "diy-craft-tutor…" in narrow
    wide = initialised_cli.ok("queue", "list", COLUMNS="200").stdout
    assert "pinterest id" in wide and "diy-craft-tutorials" in wide and _widest(wide) > 80
    keys = set(json.loads(initialised_cli.ok("queue", "list", "--json", COLUMNS="80").stdout)[0])
    assert {"id", "status", "due_at", "board", "title", "pinterest_pin_id"} <= keys
