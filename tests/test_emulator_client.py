"""pinbot's real PinterestClient against the emulator, through nothing but PINTEREST_API_BASE.

This is the check that the two halves agree: every call the client makes is answered the way it
expects, and each injected failure lands in the error class the poster decides on.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import Engine

from pinbot.clock import FakeClock
from pinbot.config import Settings
from pinbot.emulator import Emulator
from pinbot.links import marker_for, marker_in, tagged_link
from pinbot.pinterest.client import PinterestClient
from pinbot.pinterest.errors import (
    FeatureUnavailable,
    MaybeSent,
    NotSent,
    RateLimited,
    SpamBlocked,
    TrialAppProduction,
)
from pinbot.pinterest.types import NewPin, PinImage
from pinbot.store.db import get_or_create_account, session_scope

APP_ID, APP_SECRET = "4242", "client-test-secret"


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (100, 150), (150, 60, 60)).save(buf, "JPEG")
    return buf.getvalue()


JPEG = _jpeg()


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[Emulator]:
    with Emulator(APP_ID, APP_SECRET, tier="standard", clock=clock, seed=5) as e:
        yield e


def make_client(emu: Emulator, engine: Engine, clock: FakeClock, name: str = "default") -> PinterestClient:
    tokens = emu.mint_tokens()
    settings = Settings.from_mapping(
        {
            "PINTEREST_API_BASE": emu.base_url,
            "PINTEREST_APP_ID": APP_ID,
            "PINTEREST_APP_SECRET": APP_SECRET,
            "PINTEREST_ACCESS_TOKEN": tokens["access_token"],
            "PINTEREST_REFRESH_TOKEN": tokens["refresh_token"],
            "PINTEREST_ACCESS_TIER": "standard",
            "PINBOT_WORKER_ID": "emulator-client-test",
        }
    )
    with session_scope(engine) as session:
        account = get_or_create_account(session, name)
        assert account.id is not None
        account_id = account.id
    return PinterestClient(settings, engine, account_id, clock)


def new_pin(board_id: str, design: str = "d1") -> tuple[NewPin, str]:
    marker = marker_for(uuid.uuid4().hex)
    link = tagged_link("https://shop.example/p/1", marker=marker, campaign="c", design=design)
    pin = NewPin(board_id, "A mug", "Hand thrown", link, "A blue mug", PinImage(data=JPEG))
    return pin, marker


def test_the_client_works_against_the_emulator(emu: Emulator, engine: Engine, clock: FakeClock) -> None:
    client = make_client(emu, engine, clock)
    assert client.get_user_account()["username"] == "emulated_shop"
    board = client.create_board("Mugs", "Blue things")
    assert [b["name"] for b in client.list_boards()] == ["Mugs"]
    made = []
    for i in range(3):
        pin, marker = new_pin(board["id"], design=f"d{i}")
        created = client.create_pin(pin)
        made.append((created["id"], marker))
    listed = {marker_in(p.get("link")): p["id"] for p in client.iter_board_pins(board["id"], page_size=2)}
    assert listed == {marker: pin_id for pin_id, marker in made}
    assert emu.pins_by_marker() == {marker: 1 for _, marker in made}

    clock.advance(days=10)
    start, end = clock.now().date() - timedelta(days=11), clock.now().date()
    single = client.pin_analytics(made[0][0], start, end)
    assert [d.data_status for d in single][:2] == ["BEFORE_PIN_CREATED", "READY"]
    assert single[-1].data_status == "PROCESSING" and single[-2].data_status == "ESTIMATE"
    assert sum(d.impressions for d in single) > 0
    multi = client.multi_pin_analytics([p for p, _ in made], start, end)
    assert multi[made[0][0]] == single
    account = client.account_analytics(start, end)
    assert sum(d.impressions for d in account) == sum(sum(d.impressions for d in days) for days in multi.values())

    client.delete_pin(made[2][0])
    assert made[2][1] not in emu.pins_by_marker()


def test_the_client_refreshes_an_expired_token_and_stores_the_rotation(
    emu: Emulator, engine: Engine, clock: FakeClock
) -> None:
    client = make_client(emu, engine, clock)
    assert client.get_user_account()
    clock.advance(days=31)  # the seeded access token has expired on the emulator
    assert client.get_user_account()["id"]
    assert emu.stats()["token_refreshes"] >= 1
    emu.inject("expired_token")
    assert client.list_boards() == []  # one 401, one refresh, then the retry succeeds


def test_multi_pin_beta_missing_means_feature_unavailable(clock: FakeClock, engine: Engine) -> None:
    with Emulator(APP_ID, APP_SECRET, tier="standard", clock=clock, multi_pin=False) as emu:
        client = make_client(emu, engine, clock)
        board = client.create_board("Mugs")
        pin_id = client.create_pin(new_pin(board["id"])[0])["id"]
        today = clock.now().date()
        with pytest.raises(FeatureUnavailable):
            client.multi_pin_analytics([pin_id], today - timedelta(days=3), today)


@pytest.mark.parametrize(
    ("fault", "kwargs", "error", "created"),
    [
        ("http_500_after_create", {}, MaybeSent, True),
        ("reset_after_create", {}, MaybeSent, True),
        ("http_500", {"path": "/pins", "method": "POST"}, MaybeSent, False),
        ("rate_429", {"path": "/pins", "method": "POST", "seconds": 30}, RateLimited, False),
        ("spam_429", {}, SpamBlocked, False),
        ("trial_29", {}, TrialAppProduction, False),
    ],
)
def test_create_pin_failures_land_in_the_right_class(
    emu: Emulator,
    engine: Engine,
    clock: FakeClock,
    fault: str,
    kwargs: dict[str, object],
    error: type[Exception],
    created: bool,
) -> None:
    client = make_client(emu, engine, clock)
    board = client.create_board("Mugs")
    pin, marker = new_pin(board["id"])
    emu.inject(fault, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(error) as caught:
        client.create_pin(pin)
    assert (marker in emu.pins_by_marker()) is created
    assert emu.pins_by_marker().get(marker, 0) <= 1  # never retried into a duplicate
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 30


def test_a_stopped_emulator_is_surely_not_sent(emu: Emulator, engine: Engine, clock: FakeClock) -> None:
    client = make_client(emu, engine, clock)
    board = client.create_board("Mugs")
    emu.stop()
    with pytest.raises(NotSent):
        client.create_pin(new_pin(board["id"])[0])


def test_image_bytes_survive_the_trip(emu: Emulator, engine: Engine, clock: FakeClock) -> None:
    client = make_client(emu, engine, clock)
    board = client.create_board("Mugs")
    created = client.create_pin(new_pin(board["id"])[0])
    original = created["media"]["images"]["originals"]
    assert (original["width"], original["height"]) == (100, 150)  # decoded from image_base64 by Pillow
