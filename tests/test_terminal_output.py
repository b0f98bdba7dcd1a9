"""What a shop owner sees in the terminal: one-off commands print no log chatter (warnings and
errors as plain lines), the service keeps its timed log, and listings fit an 80-column terminal."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pinbot.cli.context import AppContext
from pinbot.logs import OWNER
from tests.conftest import Cli, emulator_env
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


def _as_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout is a terminal (CliRunner's is not): sentences wrap to COLUMNS; a pipe gets whole lines."""
    monkeypatch.setattr(AppContext, "stdout_is_terminal", property(lambda self: True))


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    _as_terminal(monkeypatch)


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


def test_products_list_and_show_fit_80_columns(initialised_cli: Cli, shop_dir: Path, terminal: None) -> None:
    photo = make_photo(shop_dir / "photos" / "vase.jpg")
    for n in range(3):
        args = ["--title", f"{LONG_TITLE} no. {n}", "--link", f"https://shop.example/p/{n}", "--image", str(photo)]
        initialised_cli.ok("products", "add", *args, "--key", f"speckled-stoneware-mug-oatmeal-{n}", "--price", "34")
    initialised_cli.ok("queue", "add", "--product", "1", "--board", "ceramics", "--at", "2031-03-01T10:30")
    narrow = initialised_cli.ok("products", "list", COLUMNS="80").stdout
    assert _widest(narrow) <= 80, narrow
    header, first, *_ = narrow.splitlines()
    assert header.split() == ["id", "title", "price", "stock", "photos", "queued", "posted"]
    # The title keeps whole words and reads as a title (not one word a line), before the key
    assert re.match(r" ?1  Speckled stoneware mug…\s+34\.00  in stock\s+1\s+1\s+0$", first), first
    wide = initialised_cli.ok("products", "list", COLUMNS="160").stdout
    assert "speckled-stoneware-mug-oatmeal-0" in wide and "Speckled stoneware mug with a hand-thrown foot…" in wide
    shown = initialised_cli.ok("products", "show", "1", COLUMNS="80").stdout
    table_and_words = [line for line in shown.splitlines() if not line.startswith("photos")]  # a path stays whole
    assert _widest("\n".join(table_and_words)) <= 80 and "Sat 1 Mar 2031 10:30" in shown, shown
    keys = set(json.loads(initialised_cli.ok("products", "list", "--json").stdout)[0])
    assert {"id", "title", "external_id", "in_stock", "images"} <= keys


def test_keywords_suggest_fits_80_columns(
    initialised_cli: Cli, shop_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_loop_cli import _products

    _products(initialised_cli, shop_dir)
    piped = initialised_cli.ok("keywords", "suggest", "p0", "--no-trends", COLUMNS="80").stdout
    assert len(piped.splitlines()[-1]) > 80  # a pipe gets the description whole, on one line
    _as_terminal(monkeypatch)
    text = initialised_cli.ok("keywords", "suggest", "p0", "--no-trends", COLUMNS="80").stdout
    assert _widest(text) <= 80, text
    lines = text.splitlines()
    assert lines[1].split(None, 2)[:2] == ["handmade", "mug"] and "board    a keyword of board ceramics" in lines[1]
    description = text[text.index("description: ") :]
    assert all(line.startswith(" " * 13) for line in description.splitlines()[1:])  # wrapped under itself
    offline = initialised_cli.ok("keywords", "suggest", "p0", COLUMNS="80")  # the API base answers nothing
    (note,) = offline.stderr.splitlines()  # one line, no log lines of each try
    assert note.startswith("no search trends from Pinterest (") and not TIMESTAMP.search(note)


def test_queue_add_says_what_was_queued_on_a_terminal(
    initialised_cli: Cli, shop_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photos = [str(make_photo(shop_dir / f"mug{n}.jpg", color=(180, 120, 90 + 40 * n))) for n in range(3)]
    args = ["queue", "add", "--board", "ceramics", "--link", "https://shop.example/mug"]
    piped = initialised_cli.ok(*args, "--image", photos[0], "--title", LONG_TITLE, "--at", "2031-12-02T10:30")
    assert piped.stdout == "1\n"  # what scripts read: the id alone
    blue = [*args, "--image", photos[1], "--title", "Blue mug", "--at", "2031-12-03T10:30"]
    as_json = json.loads(initialised_cli.ok(*blue, "--json").stdout)
    assert [(p["id"], p["title"], p["board"]) for p in as_json] == [(2, "Blue mug", "ceramics")]
    _as_terminal(monkeypatch)
    long = [*args, "--image", photos[2], "--title", f"{LONG_TITLE} II", "--at", "2031-12-04T10:30"]
    told = initialised_cli.ok(*long, COLUMNS="80").stdout
    (line,) = told.splitlines()
    assert len(line) <= 80
    assert line == "Queued pin 3 “Speckled…” for Thu 4 Dec 2031 10:30 on Ceramic Mugs & Planters"  # the title gives way
    wider = initialised_cli.ok(*long, COLUMNS="120").stdout  # already queued: said so, with more of the title
    assert wider == (
        "Already queued: pin 3 “Speckled stoneware mug with a hand-thrown…” "
        "for Thu 4 Dec 2031 10:30 on Ceramic Mugs & Planters\n"
    )
    again = initialised_cli.ok(*blue).stdout
    assert again == "Already queued: pin 2 “Blue mug” for Wed 3 Dec 2031 10:30 on Ceramic Mugs & Planters\n"


def test_experiment_create_names_designs_as_people_do(initialised_cli: Cli, tmp_path: Path, terminal: None) -> None:
    from tests.test_experiments_cli import BOARDS
    from tests.test_experiments_cli import _products as experiment_products

    experiment_products(initialised_cli, tmp_path, photos_each=2)
    args = ["experiment", "create", "--products", "ring,mug", "--boards", BOARDS]
    by_template = initialised_cli.ok(*args, "--name", "t", "--variants", "photo-band,split-block", "--rounds", "2",
                                     COLUMNS="80").stdout  # fmt: skip
    assert by_template.startswith("Experiment “t”: 16 pins queued to compare “Photo band” and “Split block”.")
    assert "(brand colours and subject crop; accent colours and close-up crop)" in " ".join(by_template.split())
    fixed = initialised_cli.ok(*args, "--name", "f", "--variants", "photo-band.dark.centre,split-block.light.close",
                               "--rounds", "2", COLUMNS="80").stdout  # fmt: skip
    said = " ".join(fixed.split())
    assert "“Photo band · dark palette · centred crop” and “Split block · light palette · close-up crop”" in said
    for text in (by_template, fixed):
        assert _widest(text) <= 80, text
        assert not re.search(r"\b(photo-band|split-block)\b|\.(subject|close|centre)\b", text), text


def test_queue_plan_boards_list_and_queue_show_fit_80_columns(
    initialised_cli: Cli, shop_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    soon = datetime.now() + timedelta(days=5)  # inside the plan's days, whatever today is
    for n, board in enumerate(("ceramics", "diy-craft-tutorials", "handmade-jewelry")):
        _queue(initialised_cli, shop_dir, board, f"{LONG_TITLE} no. {n}", f"{soon + timedelta(days=n):%Y-%m-%d}T10:30")
    plan = initialised_cli.ok("queue", "plan", "--days", "30", COLUMNS="80").stdout
    table = plan.splitlines()[:5]  # the heading, the header and the three pins
    assert _widest("\n".join(table)) <= 80 and table[1].split() == ["id", "when", "board", "title"], plan
    day = r"\w{3} \d{1,2} \w{3}( \d{4})?"  # "Sat 1 Mar", and the year when it is not this one
    assert re.match(rf" ?1  {day} 10:30 \*  ceramics\s+Speckled stoneware mug[^…]*…$", table[2]), table
    assert "* = a time you set" in table[0]
    boards = initialised_cli.ok("boards", "list", COLUMNS="80").stdout
    assert _widest(boards) <= 80 and "Ceramic Mugs & Planters  public   (not synced)" in boards
    wide = initialised_cli.ok("boards", "list", COLUMNS="200").stdout
    assert "pinterest id" in wide and "split-block" in wide  # room for the template and the Pinterest id
    _as_terminal(monkeypatch)
    shown = initialised_cli.ok("queue", "show", "1", COLUMNS="80").stdout
    pathless = "\n".join(line for line in shown.splitlines() if not line.startswith("image"))  # a path stays whole
    assert _widest(pathless) <= 80 and "title             Speckled stoneware mug with a hand-thrown foot ring" in shown


def test_doctor_wraps_its_findings_under_their_text_on_a_terminal(
    initialised_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    piped = initialised_cli("doctor", COLUMNS="80").stdout
    assert "PINBOT_LOG_LEVEL" in piped and "(not set: INFO for `pinbot run`" in piped
    long_findings = [line for line in piped.splitlines() if len(line) > 80]
    assert long_findings  # a pipe or a log gets each finding on one line
    _as_terminal(monkeypatch)
    wrapped = initialised_cli("doctor", COLUMNS="80").stdout
    pathless = "\n".join(line for line in wrapped.splitlines() if "/" not in line)  # a path stays whole
    assert _widest(pathless) <= 80, wrapped
    assert "PINBOT_LOG_LEVEL              (not set: INFO for `pinbot run`, warnings and\n" in wrapped
    checks = [line for line in wrapped[wrapped.index("\n\n") :].splitlines() if line]
    assert [line for line in checks if not re.match(r"(ok  |warn|FAIL) \w+ +\S|( {15}| {20})\S", line)] == []


def test_doctor_explains_an_info_log_level_an_older_init_wrote(initialised_cli: Cli) -> None:
    # `pinbot init` wrote PINBOT_LOG_LEVEL=INFO into .env before one-off commands became quiet:
    # doctor says why every command of such a shop still prints timed lines, and what to do.
    said = initialised_cli("doctor", PINBOT_LOG_LEVEL="INFO").stdout
    (line,) = [line for line in said.splitlines() if line.startswith("PINBOT_LOG_LEVEL")]
    assert "INFO (every command prints timed log lines; empty it for quiet commands)" in line
    assert "empty it" not in initialised_cli("doctor", PINBOT_LOG_LEVEL="WARNING").stdout


def test_loop_list_fits_80_columns(initialised_cli: Cli, shop_dir: Path) -> None:
    from tests.test_loop_cli import _products

    _products(initialised_cli, shop_dir)
    initialised_cli.ok("loop", "create", "mugs-all-year", "--board", "ceramics", "--tag", "mug", "--tag", "planter")
    initialised_cli.ok("loop", "create", "christmas-gifts", "--board", "handmade-jewelry", "--tag", "gift",
                       "--peak", "12-20")  # fmt: skip
    narrow = initialised_cli.ok("loop", "list", COLUMNS="80").stdout
    assert _widest(narrow) <= 80 and len(narrow.splitlines()) == 3, narrow  # one line per loop, never folded
    assert re.match(r"mugs-all-year +tags: mug", narrow.splitlines()[1]) and "10-31 to 12-20" in narrow
    wide = initialised_cli.ok("loop", "list", COLUMNS="120").stdout
    assert "10-31 to 12-20" in wide and "all year" in wide


def test_run_once_says_what_it_posted_and_what_comes_next(initialised_cli: Cli, shop_dir: Path) -> None:
    from pinbot.emulator.app import Emulator

    with Emulator("emulator-app", "emulator-secret", tier="standard") as emu:
        env = emulator_env(emu, tier="standard")
        initialised_cli.ok("boards", "sync", "--yes", **env)
        _queue(initialised_cli, shop_dir, "ceramics", "Speckled mug", "2020-01-01T09:00")
        _queue(initialised_cli, shop_dir, "handmade-jewelry", "Silver hoops", "2031-01-01T09:00")
        ran = initialised_cli.ok("run", "--once", **env)
    (pinterest_id,) = [p["id"] for p in emu.pins()]
    # A line for the pin posted, plain (no time, level or logger), and what comes next; no chatter.
    assert ran.stderr == f"pin 1 posted: Pinterest id {pinterest_id} (board ceramics)\n"
    assert ran.stdout.startswith("the next pin, 2 (Silver hoops), is due 2031-01-01 09:00")


def test_an_import_on_a_terminal_shows_its_bar_instead_of_crashing() -> None:
    """`products import` on a terminal crashed at its first row (IndexError in the progress bar):
    the bar's task was made after the list of tasks was read."""
    from io import StringIO

    from rich.console import Console

    from pinbot.cli.progress import progress

    shown = StringIO()
    with progress(Console(file=shown, force_terminal=True, width=80), "importing", enabled=True) as bars:
        assert bars is not None
        bars.advance()
        bars.advance(2)
        bars.update(3, 10)
        bars.advance()
    assert "4/10" in shown.getvalue()  # the row count reached the bar


def test_run_once_with_nothing_due_fits_80_columns_on_a_terminal(
    initialised_cli: Cli, shop_dir: Path, terminal: None
) -> None:
    """`the next pin, 3 (Grey saggar fired vase with copper…), is due 2026-12-02 19:09 CET` ran to
    82 columns; wrapped on a terminal, one line in a pipe."""
    from pinbot.emulator.app import Emulator

    _queue(initialised_cli, shop_dir, "ceramics", LONG_TITLE, "2031-01-01T09:00")
    with Emulator("emulator-app", "emulator-secret", tier="standard") as emu:
        env = emulator_env(emu)
        ran = initialised_cli.ok("run", "--once", COLUMNS="80", **env)
    assert _widest(ran.stdout) <= 80 and " ".join(ran.stdout.split()) == (
        "nothing is due yet: the next pin, 1 (Speckled stoneware mug…), is due 2031-01-01 09:00 UTC"
    )


def test_products_photo_fits_80_columns_on_a_terminal(initialised_cli: Cli, shop_dir: Path, terminal: None) -> None:
    """`product 1 (Saggar pottery vase with smoky grey…, etsy:32): added fox-bowl.jpg; 1 photo now,
    kept by a re-import` ran to 111 columns."""
    first = make_photo(shop_dir / "mug.jpg")
    photo = make_photo(shop_dir / "a-rather-long-photo-name-from-the-phone.jpg")
    initialised_cli.ok("products", "add", "--title", LONG_TITLE, "--link", "https://shop.example/mug", "--key", "m1",
                       "--image", str(first))  # fmt: skip
    said = initialised_cli.ok("products", "photo", "m1", "--image", str(photo), COLUMNS="80").stdout
    assert _widest(said) <= 80 and " ".join(said.split()) == (
        "product 1 (Speckled stoneware mug…, manual:m1): added "
        "a-rather-long-photo-name-from-the-phone.jpg; 2 photos now, kept by a re-import"
    )


def test_every_help_page_fits_80_columns(initialised_cli: Cli) -> None:
    """`render --help`'s examples ran to 87 columns, and a choice list such as `--region
    [US|CA|DE|…]` to 264: click prints it on one line."""
    import click

    from pinbot.cli import main

    def commands(group: click.Group, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None
            yield (*path, name)
            if isinstance(command, click.Group):
                yield from commands(command, (*path, name))

    wide = {}
    for path in commands(main, ()):
        text = initialised_cli.ok(*path, "--help", COLUMNS="80").output
        if _widest(text) > 80:
            wide[" ".join(path)] = max(text.splitlines(), key=len)
    assert not wide, wide


def test_init_sentences_wrap_at_80_columns_on_a_terminal(initialised_cli: Cli, shop_dir: Path, terminal: None) -> None:
    """The logo note and the "shop: …; 3 boards: …" line ran to 164 and 93 columns."""
    logo = make_photo(shop_dir / "logo_small.jpg", size=(200, 120))
    boards = "Saggar Fired Vases, Raku Pottery, Wabi Sabi Home Decor"
    ran = initialised_cli.ok("init", "--logo", str(logo), "--board", boards, "--yes", COLUMNS="80")
    note = ran.stderr[ran.stderr.index("note: ") :]
    shop = ran.stdout[ran.stdout.index("shop: ") :].split("\nnext:", 1)[0]
    assert _widest(note) <= 80 and _widest(shop) <= 80, ran.output
    assert "logo_small.jpg is 200x120 px" in " ".join(note.split()) and "Wabi Sabi Home Decor" in " ".join(shop.split())
