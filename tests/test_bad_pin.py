"""One bad pin never stops the queue (issue 11): through the real daemon, a pin whose photo is
damaged and a pin whose render crashes are due before good pins; the good ones go out in the same
pass, the bad ones are `failed` with a reason that names the photo the owner knows (not a cache
file), `run --once` reports them, and `doctor` and `queue list` show them with the fix."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses
from PIL import Image
from sqlalchemy import Engine
from sqlmodel import select

from pinbot.clock import FakeClock
from pinbot.daemon import Daemon
from pinbot.errors import ImageError
from pinbot.importers.images import SOURCES
from pinbot.posting.images import CachedRenderer
from pinbot.queue.service import PinRequest
from pinbot.render import compose as render_compose
from pinbot.store import db
from pinbot.store.models import Board, Pin, PinStatus, Product
from tests.conftest import Cli
from tests.pinterest_helpers import ACCESS, API, APP_ID, APP_SECRET, REFRESH
from tests.scheduler_support import Shop, make_shop

REPO = Path(__file__).resolve().parent.parent
REAL_IMAGES = REPO / "tests" / "data" / "real" / "images"
SEEDED = {
    "PINTEREST_API_BASE": API,
    "PINTEREST_APP_ID": APP_ID,
    "PINTEREST_APP_SECRET": APP_SECRET,
    "PINTEREST_ACCESS_TIER": "standard",
    "PINTEREST_ACCESS_TOKEN": ACCESS,
    "PINTEREST_REFRESH_TOKEN": REFRESH,
}


@pytest.fixture
def shop(engine: Engine, clock: FakeClock, tmp_path: Path) -> Shop:
    shutil.copytree(REPO / "assets", tmp_path / "assets")
    return make_shop(engine, clock, tmp_path)


def enqueue(shop: Shop, key: str, image: Path, minutes_ago: int) -> int:
    req = PinRequest(
        boards=("mugs",),
        title=f"Mug {key}",
        link=f"https://shop.example/p/{key}",
        image=str(image),
        template="split-block",
        source_key=key,
        at=shop.clock.now() - timedelta(minutes=minutes_ago),
    )
    (pin_id,) = shop.queue().enqueue([req]).created
    return pin_id


def test_a_damaged_photo_fails_its_pin_and_the_next_pins_go_out_in_the_same_pass(shop: Shop) -> None:
    # A photo downloaded by an import, damaged on disk afterwards (or queued by an older pinbot).
    photos = shop.tmp / "data" / "photos"
    photos.mkdir(parents=True)
    damaged = photos / "7357aa.png"
    shutil.copy(REAL_IMAGES / "broken_data_stream.png", damaged)
    (photos / SOURCES).mkdir()
    (photos / SOURCES / damaged.name).write_text("https://cdn.shop.example/mug-blue.png")
    bad = enqueue(shop, "bad", damaged, minutes_ago=30)
    good = [enqueue(shop, f"good-{i}", shop.photo, minutes_ago=20 - i) for i in range(2)]

    report = Daemon(shop.engine, shop.account_id, shop.clock, "w1", poster=shop.poster()).run(once=True)

    assert [shop.pin(i).status for i in good] == [PinStatus.posted, PinStatus.posted]
    failed = shop.pin(bad)
    assert failed.status == PinStatus.failed
    assert failed.last_error is not None
    assert "https://cdn.shop.example/mug-blue.png" in failed.last_error  # the photo as the owner knows it
    assert "cannot decode" in failed.last_error and "7357aa" not in failed.last_error
    assert (report.posted, report.failed) == (2, 1)
    assert shop.api.create_calls == 2


def test_a_renderer_crash_fails_only_that_pin(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in the renderer (the crop crash of issue 11) must not hold up the queue: the pin is
    failed with the error, the job does not back off, the good pin after it is posted at once."""
    odd = shop.tmp / "odd.jpg"
    shutil.copy(shop.photo, odd)
    real = render_compose.pixels

    def crash_on_odd(image: Image.Image, *args: object, **kw: object) -> object:
        if image.size == (333, 333):
            raise ValueError("box offset can't be negative")
        return real(image, *args, **kw)  # type: ignore[arg-type]

    Image.new("RGB", (333, 333), (10, 120, 200)).save(odd, "JPEG")
    monkeypatch.setattr(render_compose, "pixels", crash_on_odd)
    bad = enqueue(shop, "bad", odd, minutes_ago=30)
    good = enqueue(shop, "good", shop.photo, minutes_ago=10)
    daemon = Daemon(shop.engine, shop.account_id, shop.clock, "w1", poster=shop.poster())

    report = daemon.run(once=True)

    assert shop.pin(good).status == PinStatus.posted
    assert shop.pin(bad).status == PinStatus.failed
    assert "rendering crashed (ValueError: box offset can't be negative)" in (shop.pin(bad).last_error or "")
    assert report.failed == 1 and report.posted == 1
    assert all(job.failures == 0 for job in daemon.jobs)  # no job-level backoff
    assert shop.clock.slept == []  # nothing waited for the bad pin


def test_run_once_exits_non_zero_and_doctor_and_queue_list_show_the_fix(
    initialised_cli: Cli, shop_dir: Path, db_url: str
) -> None:
    good, bad = shop_dir / "good.jpg", shop_dir / "bad.jpg"
    for path in (good, bad):
        Image.new("RGB", (600, 800), (180, 140, 100)).save(path, "JPEG")
    for title, path, at in (("Blue mug", bad, "2026-01-01T09:00"), ("Green mug", good, "2026-01-01T10:00")):
        initialised_cli.ok("queue", "add", "--board", "ceramics", "--title", title, "--image", str(path),
                           "--link", "https://shop.example/mug", "--template", "split-block", "--at", at)  # fmt: skip
    shutil.copy(REAL_IMAGES / "truncated_jpeg.jpg", bad)  # damaged on disk after it was queued
    _boards_synced(db_url)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.post(f"{API}/pins", json={"id": "777"})
        result = initialised_cli("run", "--once", **SEEDED)
    assert result.exit_code == 6, result.output
    assert "1 pin failed in this pass" in result.output
    listed = {p["title"]: p for p in json.loads(initialised_cli.ok("queue", "list", "--json").output)}
    assert listed["Green mug"]["status"] == "posted"
    failed = listed["Blue mug"]
    assert failed["status"] == "failed" and failed["last_error"].startswith(f"{bad}: cannot decode")
    pin_id = failed["id"]

    doctor = initialised_cli("doctor", **SEEDED).output
    assert f"1 pin failed; pin {pin_id} 'Blue mug': {bad}: cannot decode" in doctor
    assert f"pinbot queue retry {pin_id}" in doctor
    table = initialised_cli.ok("queue", "list", "--problems").output
    assert f"pin {pin_id} failed: {bad}: cannot decode" in table
    assert f"fix: fix what the error says, then `pinbot queue retry {pin_id}`" in table
    assert "Green mug" not in table
    as_json = json.loads(initialised_cli.ok("queue", "list", "--problems", "--json").output)
    assert [p["id"] for p in as_json] == [pin_id] and "queue retry" in as_json[0]["fix"]


def test_a_product_photo_is_named_by_product_number_and_url(tmp_path: Path) -> None:
    """Which photo of which product, and where it came from; never only the photo cache's file name."""
    photos = tmp_path / "photos"
    (photos / SOURCES).mkdir(parents=True)
    good, bad = photos / "a1b2.jpg", photos / "7357.gif"
    Image.new("RGB", (600, 800), (90, 120, 150)).save(good, "JPEG")
    shutil.copy(REAL_IMAGES / "truncated_image.png", bad)
    (photos / SOURCES / bad.name).write_text("https://cdn.shop.example/vase-2.png")
    product = Product(account_id=1, external_id="VASE", title="Bud vase", image_paths=[str(good), str(bad)])
    pin = Pin(id=9, account_id=1, board_id=1, title="Bud vase", template="collage", due_at=datetime.now(UTC))
    renderer = CachedRenderer(REPO / "assets", tmp_path / "renders")
    with pytest.raises(ImageError) as caught:
        renderer.image_for(pin, None, product)
    assert str(caught.value).startswith(
        "product 'Bud vase', photo 2 (https://cdn.shop.example/vase-2.png): cannot decode: "
    )
    assert "7357" not in str(caught.value)


def test_a_photo_moved_away_after_queueing_says_to_put_it_back(
    initialised_cli: Cli, shop_dir: Path, db_url: str
) -> None:
    """The potter queued a photo from Downloads, then tidied Downloads: "fix: fix what the error
    says" (the error: "file not found") left them guessing what to do."""
    photo = shop_dir / "IMG_2231.jpg"
    Image.new("RGB", (600, 800), (180, 140, 100)).save(photo, "JPEG")
    initialised_cli.ok("queue", "add", "--board", "ceramics", "--title", "Fox bowl", "--image", str(photo),
                       "--link", "https://shop.example/bowl", "--at", "2026-01-01T09:00")  # fmt: skip
    photo.unlink()
    _boards_synced(db_url)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.post(f"{API}/pins", json={"id": "777"})
        assert initialised_cli("run", "--once", **SEEDED).exit_code == 6
    [failed] = json.loads(initialised_cli.ok("queue", "list", "--problems", "--json").output)
    assert failed["last_error"] == f"{photo}: file not found"
    assert failed["fix"] == (
        f"put the photo back where it was, then `pinbot queue retry {failed['id']}`; or `pinbot queue cancel "
        f"{failed['id']}` and queue it again with a photo you keep (`--image PATH`)"
    )


def _boards_synced(db_url: str) -> None:
    """Every board as if `boards sync` had made it on Pinterest."""
    engine = db.make_engine(db_url)
    with db.session_scope(engine) as session:
        for board in session.exec(select(Board)).all():
            board.pinterest_board_id = f"b-{board.key}"
    engine.dispose()
