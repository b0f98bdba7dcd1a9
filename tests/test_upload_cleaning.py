"""Every upload goes through safe loading and a fresh encode (issue 12): a photo posted as it is,
on a board without a template, must not carry its GPS position or camera make to Pinterest, must
pass the decompression-bomb checks, and a WebP must become something Pinterest takes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Engine

from pinbot.clock import FakeClock
from pinbot.pinterest.types import NewPin
from pinbot.store.models import PinStatus
from tests.scheduler_support import Shop, make_shop


@pytest.fixture
def shop(engine: Engine, clock: FakeClock, tmp_path: Path) -> Shop:
    return make_shop(engine, clock, tmp_path)


def _spy(shop: Shop) -> list[NewPin]:
    sent: list[NewPin] = []
    original = shop.api.create_pin

    def create(pin: NewPin) -> dict[str, Any]:
        sent.append(pin)
        return original(pin)

    shop.api.create_pin = create  # type: ignore[method-assign]
    return sent


def _geotagged(path: Path) -> Path:
    im = Image.new("RGB", (400, 600), (120, 60, 30))
    exif = Image.Exif()
    exif[0x010F] = "CanaryCam"  # Make
    exif[0x0110] = "Model-Canary-7"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 28.0, 38.0)
    gps[3] = "W"
    gps[4] = (0.0, 0.0, 5.0)
    im.save(path, "JPEG", exif=exif.tobytes(), comment=b"canary-comment")
    return path


def test_a_photo_without_template_is_uploaded_without_gps_or_camera(shop: Shop) -> None:
    photo = _geotagged(shop.tmp / "geo.jpg")
    assert b"CanaryCam" in photo.read_bytes()
    (pid,) = shop.add(1, image=photo, prefix="geo")
    sent = _spy(shop)
    assert shop.poster().post_next(shop.clock.now()).outcome == "posted"  # type: ignore[union-attr]
    data = sent[0].image.data or b""
    for canary in (b"CanaryCam", b"Model-Canary-7", b"canary-comment", b"Exif"):
        assert canary not in data
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG" and not im.getexif() and im.size == (400, 600)
    assert shop.pin(pid).rendered_path != str(photo)


def test_a_decompression_bomb_without_template_fails_that_pin_only(shop: Shop) -> None:
    bomb = shop.tmp / "bomb.png"
    Image.new("1", (12000, 12000)).save(bomb, "PNG")  # ~144 MP in a few kB
    (pid,) = shop.add(1, image=bomb, prefix="bomb")
    sent = _spy(shop)
    result = shop.poster().post_next(shop.clock.now())
    assert result is not None and result.outcome == "failed" and sent == []
    assert "too many pixels" in (shop.pin(pid).last_error or "")


def test_a_webp_photo_without_template_is_posted_as_jpeg(shop: Shop) -> None:
    webp = shop.tmp / "mug.webp"
    Image.new("RGB", (300, 450), (10, 120, 200)).save(webp, "WEBP")
    (pid,) = shop.add(1, image=webp, prefix="webp")
    sent = _spy(shop)
    assert shop.poster().post_next(shop.clock.now()).outcome == "posted"  # type: ignore[union-attr]
    assert sent[0].image.content_type == "image/jpeg"
    assert shop.pin(pid).status == PinStatus.posted
