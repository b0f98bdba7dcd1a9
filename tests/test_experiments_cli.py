"""`pinbot experiment create` as an owner runs it: template names, several rounds, the real rules
planner and its spam lint (through AppContext.queue_service), and then every queued pin rendered
by the real renderer the way the poster renders it (pin_images -> render_to_cache)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from pinbot.posting.images import CachedRenderer
from pinbot.queue.lint import findings
from pinbot.shop.boards import load_boards
from pinbot.shop.rules import ScheduleRules
from pinbot.store import db
from pinbot.store.models import Board, Pin, Product
from tests.conftest import Cli
from tests.metrics_fakes import product_photos

BOARDS = "handmade-jewelry,ceramics"


def _products(cli: Cli, tmp_path: Path, photos_each: int = 1) -> None:
    engine = db.make_engine(cli.env["PINBOT_DATABASE_URL"])
    try:
        with db.session_scope(engine) as session:
            account = db.get_or_create_account(session, "default")
            for key, kind in (("ring", "earrings"), ("mug", "mug")):
                paths = product_photos(tmp_path, key, kind, photos_each)
                session.add(
                    Product(account_id=account.id, external_id=key, title=f"Handmade {key}",
                            link=f"https://fernandkiln.com/{key}", price_cents=3800, currency="USD",
                            image_paths=paths)
                )  # fmt: skip
    finally:
        engine.dispose()


def _queued(cli: Cli) -> list[tuple[Pin, str, Product]]:
    engine = db.make_engine(cli.env["PINBOT_DATABASE_URL"])
    try:
        with db.session_scope(engine) as session:
            rows = session.exec(
                select(Pin, Board.key, Product).join(Board).join(Product).order_by(Pin.id)  # type: ignore[arg-type]
            ).all()
            session.expunge_all()
            return [(pin, key, product) for pin, key, product in rows]
    finally:
        engine.dispose()


def test_template_names_over_three_rounds_queue_and_render(initialised_cli: Cli, tmp_path: Path) -> None:
    cli = initialised_cli
    _products(cli, tmp_path)
    args = ["experiment", "create", "--products", "ring,mug", "--variants", "photo-band,split-block"]
    plan = json.loads(cli.ok(*args, "--name", "x", "--rounds", "3", "--boards", BOARDS, "--json").stdout)
    assert plan["pins_created"] == 3 * 2 * 2 * 2 and plan["rounds"] == 3
    assert [r["designs"] for r in plan["round_designs"]] == [
        {"photo-band": f"photo-band.{look}", "split-block": f"split-block.{look}"}
        for look in ("brand.subject", "accent.close", "light.centre")
    ]
    # A second experiment on the same products and boards takes the next looks.
    again = json.loads(cli.ok(*args, "--name", "y", "--rounds", "2", "--boards", BOARDS, "--json").stdout)
    assert [r["look"] for r in again["round_designs"]] == ["dark.subject", "brand.close"]

    rows = _queued(cli)
    assert len(rows) == 24 + 16
    boards = load_boards(Path(cli.env["PINBOT_BOARDS_DIR"]))
    pins = [pin for pin, _, _ in rows]
    assert findings(pins, ScheduleRules(), {p.board_id: k for p, k, _ in rows}) == []
    renderer = CachedRenderer(Path(cli.env["PINBOT_ASSETS_DIR"]), tmp_path / "renders")
    images_on: dict[str, list[str]] = defaultdict(list)
    for pin, board_key, product in rows:
        image, path = renderer.image_for(pin, boards[board_key], product)
        assert image.content_type == "image/jpeg" and image.data
        with Image.open(path) as im:
            assert im.size == (1000, 1500)
        images_on[board_key].append(hashlib.sha256(image.data).hexdigest())
    # No board ever gets the same image twice, across rounds and experiments.
    for board_key, hashes in images_on.items():
        assert Counter(hashes).most_common(1)[0][1] == 1, board_key


@pytest.mark.parametrize("photos_each", [1, 2])
def test_full_design_ids_rotate_photos_or_refuse_with_the_count(
    initialised_cli: Cli, tmp_path: Path, photos_each: int
) -> None:
    cli = initialised_cli
    _products(cli, tmp_path, photos_each)
    args = ["experiment", "create", "--name", "fixed", "--products", "ring,mug", "--boards", BOARDS]
    args += ["--variants", "photo-band.brand.subject,split-block.dark.close", "--rounds", "2"]
    if photos_each == 1:
        result = cli(*args)
        assert result.exit_code != 0 and "Traceback" not in result.output
        (line,) = result.stderr.strip().splitlines()
        assert "--rounds: only 1 of 2 rounds can be queued without putting the same photo in the same design" in line
        assert "'Handmade ring' has 1 photo;" in line and "name the designs by template" in line
        assert _queued(cli) == []
        return
    plan = json.loads(cli.ok(*args, "--json").stdout)
    assert [r["photo"] for r in plan["round_designs"]] == [0, 1]
    rows = _queued(cli)
    assert {p.variant_key for p, _, _ in rows} == {"photo-band.brand.subject", "split-block.dark.close"}
    # Round 2 shows each product's second photo, in both designs alike.
    for pin, _, product in rows:
        round_no = int((pin.source_key or "").split("#")[0].rsplit(":", 1)[1])
        assert pin.image_path == product.image_paths[round_no]
