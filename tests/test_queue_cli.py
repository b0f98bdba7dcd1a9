"""`pinbot queue ...` through the real CLI, asserting on the rows it leaves in the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, select

from pinbot.store import db
from pinbot.store.models import Board, Pin, PinStatus
from tests.conftest import Cli
from tests.helpers import make_photo


def pins(cli: Cli) -> list[Pin]:
    engine = db.make_engine(cli.env["PINBOT_DATABASE_URL"])
    with Session(engine) as session:
        rows = list(session.exec(select(Pin).order_by(Pin.id)).all())
    engine.dispose()
    return rows


def add_args(photo: Path, **over: str) -> list[str]:
    args = {
        "--board": "ceramics",
        "--title": "Speckled stoneware mug",
        "--description": "Holds 350 ml.",
        "--link": "https://shop.example.com/mug",
        "--image": str(photo),
    }
    args.update(over)
    out: list[str] = []
    for k, v in args.items():
        out += [k, v]
    return out


def test_add_prints_id_and_stores_the_row(initialised_cli: Cli, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "mug.jpg")
    result = initialised_cli.ok("queue", "add", *add_args(photo), "--alt-text", "A blue mug")
    rows = pins(initialised_cli)
    assert len(rows) == 1
    assert result.stdout.strip() == str(rows[0].id)
    pin = rows[0]
    assert (pin.title, pin.link, pin.alt_text, pin.status) == (
        "Speckled stoneware mug",
        "https://shop.example.com/mug",
        "A blue mug",
        PinStatus.queued,
    )
    assert pin.image_path == str(photo.resolve())
    assert pin.due_at.tzinfo is not None and not pin.explicit_time


def test_add_with_at_is_explicit_and_in_utc(initialised_cli: Cli, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "mug.jpg")
    initialised_cli.ok("queue", "add", *add_args(photo, **{"--at": "2026-12-01T18:30"}), PINBOT_TIMEZONE="Europe/Paris")
    (pin,) = pins(initialised_cli)
    assert pin.explicit_time
    assert pin.due_at == datetime(2026, 12, 1, 17, 30, tzinfo=UTC)


def test_add_to_several_boards_makes_one_pin_per_board(initialised_cli: Cli, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "mug.jpg")
    result = initialised_cli.ok(
        "queue", "add", *add_args(photo, **{"--board": "ceramics"}), "--board", "diy-craft-tutorials", "--json"
    )
    data = json.loads(result.stdout)
    assert sorted(d["board"] for d in data) == ["ceramics", "diy-craft-tutorials"]
    assert len(pins(initialised_cli)) == 2


def test_same_key_twice_adds_nothing(initialised_cli: Cli, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "mug.jpg")
    first = initialised_cli.ok("queue", "add", *add_args(photo), "--key", "sku-1")
    second = initialised_cli.ok("queue", "add", *add_args(photo), "--key", "sku-1")
    assert first.stdout.strip() == second.stdout.strip()
    assert "already queued" in second.stderr
    assert len(pins(initialised_cli)) == 1


def test_bad_input_names_the_field_and_writes_nothing(initialised_cli: Cli, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "mug.jpg")
    not_image = tmp_path / "notes.jpg"
    not_image.write_text("hello")
    cases = {
        "title": add_args(photo, **{"--title": "x" * 101}),
        "description": add_args(photo, **{"--description": "x" * 801}),
        "link": add_args(photo, **{"--link": "ftp://example.com/file"}),
        "alt_text": add_args(photo) + ["--alt-text", "y" * 501],
        "image": add_args(tmp_path / "missing.jpg"),
        "board": add_args(photo, **{"--board": "no-such-board"}),
        "at": add_args(photo, **{"--at": "next tuesday"}),
    }
    cases["image (not an image)"] = add_args(not_image)
    for field, args in cases.items():
        result = initialised_cli("queue", "add", *args)
        assert result.exit_code != 0, field
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.output, result.output
        assert field.split()[0] in lines[0], (field, lines[0])
    assert pins(initialised_cli) == []


def test_list_show_cancel_retry(initialised_cli: Cli, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "mug.jpg")
    pin_id = initialised_cli.ok("queue", "add", *add_args(photo)).stdout.strip()
    other = initialised_cli.ok("queue", "add", *add_args(photo, **{"--board": "handmade-jewelry", "--title": "Ring"}))
    listed = json.loads(initialised_cli.ok("queue", "list", "--json").stdout)
    assert [p["id"] for p in listed] == [int(pin_id), int(other.stdout.strip())]
    assert set(listed[0]) >= {"id", "status", "board", "title", "due_at", "pinterest_pin_id", "attempts"}
    only = json.loads(initialised_cli.ok("queue", "list", "--board", "handmade-jewelry", "--json").stdout)
    assert [p["title"] for p in only] == ["Ring"]
    shown = json.loads(initialised_cli.ok("queue", "show", pin_id, "--json").stdout)
    assert shown["id"] == int(pin_id) and shown["attempt_history"] == []
    initialised_cli.ok("queue", "cancel", pin_id)
    cancelled = json.loads(initialised_cli.ok("queue", "list", "--status", "cancelled", "--json").stdout)
    assert [p["id"] for p in cancelled] == [int(pin_id)]
    initialised_cli.ok("queue", "retry", pin_id)
    assert json.loads(initialised_cli.ok("queue", "show", pin_id, "--json").stdout)["status"] == "queued"
    # retrying a queued pin is a user error, reported in one line
    result = initialised_cli("queue", "retry", pin_id)
    assert result.exit_code != 0 and "only a failed or cancelled pin" in result.stderr
    assert "needs_attention" not in result.stderr  # the state's code name
    missing = initialised_cli("queue", "show", "999")
    assert missing.exit_code != 0 and "no pin with id 999" in missing.stderr


def test_cancel_refuses_a_posted_pin(initialised_cli: Cli, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "mug.jpg")
    pin_id = int(initialised_cli.ok("queue", "add", *add_args(photo)).stdout.strip())
    engine = db.make_engine(initialised_cli.env["PINBOT_DATABASE_URL"])
    with db.session_scope(engine) as session:
        pin = session.get(Pin, pin_id)
        assert pin is not None
        pin.status, pin.pinterest_pin_id = PinStatus.posted, "9001"
        session.add(pin)
    engine.dispose()
    result = initialised_cli("queue", "cancel", str(pin_id))
    assert result.exit_code != 0 and "already posted" in result.stderr
    assert pins(initialised_cli)[0].status == PinStatus.posted


def test_board_rows_mirror_the_files(initialised_cli: Cli, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "mug.jpg")
    initialised_cli.ok("queue", "add", *add_args(photo))
    engine = db.make_engine(initialised_cli.env["PINBOT_DATABASE_URL"])
    with Session(engine) as session:
        (board,) = session.exec(select(Board)).all()
    engine.dispose()
    assert (board.key, board.name) == ("ceramics", "Ceramic Mugs & Planters")


def test_commands_before_init_say_so(cli: Cli, tmp_path: Path) -> None:
    result = cli("queue", "list")
    assert result.exit_code != 0
    assert "pinbot init" in result.stderr and "Traceback" not in result.output


def _queue_many(cli: Cli, n: int) -> None:
    """`n` queued pins on one board, straight into the database (the listing is under test)."""
    engine = db.make_engine(cli.env["PINBOT_DATABASE_URL"])
    with db.session_scope(engine) as session:
        account = db.get_or_create_account(session, cli.env.get("PINBOT_ACCOUNT") or "default")
        board = Board(account_id=account.id, key="ceramics", name="Ceramics")
        session.add(board)
        session.flush()
        start = datetime(2030, 1, 1, tzinfo=UTC)
        for i in range(n):
            session.add(
                Pin(
                    account_id=account.id,
                    board_id=board.id,
                    title=f"Mug {i}",
                    due_at=start.replace(minute=i % 60, hour=i // 60),
                    source_key=f"k{i}",
                )
            )
    engine.dispose()


def test_list_shows_the_first_50_and_counts_the_rest(initialised_cli: Cli) -> None:
    _queue_many(initialised_cli, 75)
    shown = initialised_cli.ok("queue", "list")
    lines = shown.stdout.splitlines()
    assert lines, (shown.stdout, shown.stderr)
    assert lines[0].split()[:3] == ["id", "status", "due"] and len(lines) == 1 + 50
    assert "Mug 0" in lines[1] and "Mug 49" in lines[50]
    assert "… and 25 more: --all, --limit N" in shown.stderr
    assert len(initialised_cli.ok("queue", "list", "--all").stdout.splitlines()) == 1 + 75
    limited = initialised_cli.ok("queue", "list", "--limit", "10")
    assert len(limited.stdout.splitlines()) == 1 + 10 and "and 65 more" in limited.stderr
    # --json streams every pin (a script wants them all) as one valid array; --limit still applies
    everything = json.loads(initialised_cli.ok("queue", "list", "--json").stdout)
    assert [p["title"] for p in everything] == [f"Mug {i}" for i in range(75)]
    assert set(everything[0]) >= {"id", "status", "board", "title", "due_at", "fix"}
    assert len(json.loads(initialised_cli.ok("queue", "list", "--json", "--limit", "3").stdout)) == 3
    assert json.loads(initialised_cli.ok("queue", "list", "--json", "--status", "failed").stdout) == []


def test_retry_places_the_pin_by_the_posting_rules(initialised_cli: Cli, tmp_path: Path) -> None:
    """An Etsy shop's pins all link to its shop page. A cancelled pin retried came back due "now",
    and went out an hour after another pin with the same link (the 48-hour rule the planner keeps)."""
    from datetime import UTC, datetime, timedelta

    cli = initialised_cli
    soon = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M+00:00")
    first = cli.ok("queue", "add", *add_args(make_photo(tmp_path / "a.jpg"), **{"--at": soon}))
    other = cli.ok("queue", "add", *add_args(make_photo(tmp_path / "b.jpg", color=(40, 90, 160)),
                                             **{"--board": "handmade-jewelry", "--title": "Ring"}))  # fmt: skip
    shown = json.loads(cli.ok("queue", "show", first.stdout.strip(), "--json").stdout)
    first_at = datetime.fromisoformat(shown["due_at"])
    pin_id = other.stdout.strip()
    cli.ok("queue", "cancel", pin_id)
    said = cli.ok("queue", "retry", pin_id).stdout
    due = datetime.fromisoformat(json.loads(cli.ok("queue", "show", pin_id, "--json").stdout)["due_at"])
    assert due - first_at >= timedelta(hours=48), (first_at, due)
    assert "the first time the posting rules allow" in said
    # --at still means that time (a past one: at once)
    cli.ok("queue", "cancel", pin_id)
    cli.ok("queue", "retry", pin_id, "--at", "2000-01-01T09:00")
    again = datetime.fromisoformat(json.loads(cli.ok("queue", "show", pin_id, "--json").stdout)["due_at"])
    assert again.year == 2000
