"""The poster against an in-memory Pinterest: every failure class lands in the state
docs/posting-exactly-once.md gives it, and nothing is ever posted twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine

from pinbot.clock import FakeClock
from pinbot.posting.claim import claim_pin
from pinbot.posting.reconcile import Reconciler
from pinbot.store import state as service_state
from pinbot.store.models import PinStatus
from tests.helpers import make_photo
from tests.scheduler_support import Shop, make_shop


@pytest.fixture
def shop(engine: Engine, clock: FakeClock, tmp_path: Path) -> Shop:
    return make_shop(engine, clock, tmp_path)


def test_posts_a_due_pin_once_with_tagged_link_and_attempt_row(shop: Shop) -> None:
    (pid,) = shop.add(1, board="jewelry")
    result = shop.poster().post_next(shop.clock.now())
    assert result is not None and result.outcome == "posted"
    pin = shop.pin(pid)
    assert pin.status == PinStatus.posted and pin.pinterest_pin_id == result.pinterest_pin_id
    assert pin.attempts == 1 and Path(pin.rendered_path or "").parent == shop.tmp / "renders"  # re-encoded
    (posted,) = shop.api.pins.values()
    query = parse_qs(urlsplit(posted["link"]).query)
    assert query["utm_content"] == [pin.marker] and query["utm_campaign"] == ["jewels"]
    (attempt,) = shop.attempts(pid)
    assert attempt.outcome == "posted" and attempt.attempt_id == pin.attempt_id and attempt.finished_at
    assert shop.poster().post_next(shop.clock.now()) is None  # nothing left: never posted again
    assert shop.api.create_calls == 1


def test_untagged_board_posts_the_owner_link_unchanged(shop: Shop) -> None:
    shop.add(1, board="untagged", link="https://shop.example/a?ref=x")
    shop.poster().post_next(shop.clock.now())
    assert [p["link"] for p in shop.api.pins.values()] == ["https://shop.example/a?ref=x"]


def test_pin_not_yet_due_waits(shop: Shop) -> None:
    shop.add(1, at=shop.clock.now() + timedelta(hours=2))
    assert shop.poster().post_next(shop.clock.now()) is None
    assert shop.poster().post_next(shop.clock.now() + timedelta(hours=2)) is not None


def test_not_sent_goes_back_to_queue_with_backoff_then_posts(shop: Shop) -> None:
    (pid,) = shop.add(1)
    shop.api.inject("not_sent")
    result = shop.poster().post_next(shop.clock.now())
    assert result is not None and result.outcome == "retry"
    pin = shop.pin(pid)
    assert pin.status == PinStatus.queued and "connection refused" in (pin.last_error or "")
    wait = (pin.due_at - shop.clock.now()).total_seconds()
    assert 20 <= wait <= 40  # first backoff: 30 s +- 20 %
    assert shop.poster().post_next(shop.clock.now()) is None  # not before its backoff
    assert shop.poster().post_next(shop.clock.now() + timedelta(seconds=wait)) is not None
    assert shop.pin(pid).status == PinStatus.posted
    assert [a.outcome for a in shop.attempts(pid)] == ["retry", "posted"]
    assert len(shop.api.pins) == 1


def test_backoff_grows_and_is_capped(shop: Shop) -> None:
    from random import Random

    from pinbot.posting.poster import Backoff

    b = Backoff(base=30, cap=3600)
    waits = [b.seconds(n, Random(0)) for n in range(1, 12)]
    assert waits[1] > waits[0] and max(waits) <= 3600 * 1.2 and waits[-1] >= 3600 * 0.8


def test_rate_limited_honours_retry_after_and_tells_the_daemon(shop: Shop) -> None:
    (pid,) = shop.add(1)
    shop.api.inject("rate")
    result = shop.poster().post_next(shop.clock.now())
    assert result is not None and result.outcome == "retry" and result.retry_after is not None
    assert 120 <= result.retry_after <= 132
    pin = shop.pin(pid)
    assert pin.status == PinStatus.queued and pin.due_at >= shop.clock.now() + timedelta(seconds=120)
    (attempt,) = shop.attempts(pid)
    assert (attempt.outcome, attempt.http_status, attempt.error_code, attempt.request_id) == (
        "rate_limited",
        429,
        8,
        "rid-429",
    )


def test_spam_block_stops_posting_for_the_account(shop: Shop) -> None:
    (pid,) = shop.add(1)
    shop.api.inject("spam")
    result = shop.poster().post_next(shop.clock.now())
    assert result is not None and result.outcome == "blocked"
    assert shop.pin(pid).status == PinStatus.queued  # not created: it will go out after the block
    gate = service_state.posting_gate(shop.engine, shop.account_id)
    assert gate.blocked(shop.clock.now()) and "spam" in (gate.spam_block or "")
    assert "spam_block" in service_state.resume(shop.engine, shop.account_id)
    assert service_state.posting_gate(shop.engine, shop.account_id).blocked(shop.clock.now()) is None


def test_401_refreshes_once_and_retries(shop: Shop) -> None:
    (pid,) = shop.add(1)
    refreshed: list[int] = []
    shop.api.inject("401")
    result = shop.poster(refresh=lambda: refreshed.append(1)).post_next(shop.clock.now())
    assert result is not None and result.outcome == "posted" and refreshed == [1]
    assert shop.pin(pid).status == PinStatus.posted and len(shop.api.pins) == 1


def test_401_after_the_refresh_goes_back_to_queue(shop: Shop) -> None:
    (pid,) = shop.add(1)
    refreshed: list[int] = []
    shop.api.inject("401", "401")
    result = shop.poster(refresh=lambda: refreshed.append(1)).post_next(shop.clock.now())
    assert result is not None and result.outcome == "retry" and refreshed == [1]
    assert shop.pin(pid).status == PinStatus.queued and shop.api.pins == {}


def test_dead_login_holds_posting_without_failing_the_pin(shop: Shop) -> None:
    (pid,) = shop.add(1)
    shop.api.inject("invalid_grant")
    result = shop.poster().post_next(shop.clock.now())
    assert result is not None and result.outcome == "blocked"
    assert shop.pin(pid).status == PinStatus.queued
    gate = service_state.posting_gate(shop.engine, shop.account_id)
    assert "authorization grant" in (gate.blocked(shop.clock.now()) or "")
    assert gate.blocked(shop.clock.now() + timedelta(minutes=16)) is None  # a hold, not forever


def test_rejected_pin_fails_with_pinterests_message(shop: Shop) -> None:
    a, b = shop.add(2)
    shop.api.inject("reject")
    poster = shop.poster()
    assert poster.post_next(shop.clock.now()).outcome == "failed"  # type: ignore[union-attr]
    pin = shop.pin(a)
    assert pin.status == PinStatus.failed and "Board not found." in (pin.last_error or "")
    assert "HTTP 404" in (pin.last_error or "") and "rid-404" in (pin.last_error or "")
    assert poster.post_next(shop.clock.now()).outcome == "posted"  # type: ignore[union-attr]
    assert shop.pin(b).status == PinStatus.posted


@pytest.mark.parametrize("fault", ["maybe_after_create", "crash_after_create"])
def test_created_then_ambiguous_stays_posting_and_reconcile_finds_it(shop: Shop, fault: str) -> None:
    (pid,) = shop.add(1)
    shop.api.inject(fault)
    result = shop.poster().post_next(shop.clock.now())
    assert result is not None and result.outcome == "ambiguous"
    assert shop.pin(pid).status == PinStatus.posting
    assert shop.poster().post_next(shop.clock.now() + timedelta(hours=1)) is None  # never re-posted blindly
    recon = Reconciler(shop.engine, shop.account_id, shop.api, shop.clock, boards=shop.boards)
    report = recon.run(shop.clock.now() + timedelta(minutes=10))
    assert report.posted == 1
    pin = shop.pin(pid)
    assert pin.status == PinStatus.posted and pin.pinterest_pin_id in shop.api.pins
    assert shop.api.create_calls == 1 and len(shop.api.pins) == 1


def test_ambiguous_and_not_created_is_posted_again_after_two_checks(shop: Shop) -> None:
    (pid,) = shop.add(1)
    shop.api.inject("maybe")
    shop.poster().post_next(shop.clock.now())
    recon = Reconciler(shop.engine, shop.account_id, shop.api, shop.clock, boards=shop.boards)
    t1 = shop.clock.now() + timedelta(minutes=5)
    assert recon.run(t1).pending == 1 and shop.pin(pid).status == PinStatus.posting
    assert recon.run(t1 + timedelta(seconds=30)).pending == 0  # checks are spaced apart
    t2 = t1 + timedelta(minutes=3)
    assert recon.run(t2).requeued == 1 and shop.pin(pid).status == PinStatus.queued
    assert shop.poster().post_next(t2).outcome == "posted"  # type: ignore[union-attr]
    assert list(shop.api.by_marker().values()) == [1]


def test_bad_image_fails_that_pin_and_the_next_one_posts(shop: Shop) -> None:
    broken = shop.tmp / "broken.jpg"
    broken.write_bytes(b"not an image")
    (bad,) = shop.add(1, image=broken, prefix="bad")
    (good,) = shop.add(1, prefix="good")
    poster = shop.poster()
    assert poster.post_next(shop.clock.now()).outcome == "failed"  # type: ignore[union-attr]
    assert "broken.jpg" in (shop.pin(bad).last_error or "")
    assert poster.post_next(shop.clock.now()).outcome == "posted"  # type: ignore[union-attr]
    assert shop.pin(good).status == PinStatus.posted and shop.api.create_calls == 1


def test_shortened_link_is_refused_before_posting(shop: Shop) -> None:
    (pid,) = shop.add(1, link="https://bit.ly/x{i}")
    assert shop.poster().post_next(shop.clock.now()).outcome == "failed"  # type: ignore[union-attr]
    assert "shortener" in (shop.pin(pid).last_error or "") and shop.api.create_calls == 0


def test_unsynced_board_waits_with_a_clear_message(shop: Shop) -> None:
    (pid,) = shop.add(1, board="unsynced")
    result = shop.poster().post_next(shop.clock.now())
    assert result is not None and result.outcome == "deferred"
    pin = shop.pin(pid)
    assert pin.status == PinStatus.queued and pin.due_at > shop.clock.now()
    assert pin.last_error == "board unsynced is not synced: run pinbot boards sync"
    assert shop.api.create_calls == 0


def test_claim_is_exclusive(shop: Shop) -> None:
    (pid,) = shop.add(1)
    now = shop.clock.now()
    first = claim_pin(shop.engine, pid, now, "w1", None)
    assert first is not None and first.status == PinStatus.posting and first.claimed_by == "w1"
    assert claim_pin(shop.engine, pid, now, "w2", None) is None
    (attempt,) = shop.attempts(pid)
    assert attempt.attempt_id == first.attempt_id and attempt.outcome is None


def test_two_posters_never_post_one_pin_twice(shop: Shop) -> None:
    shop.add(5)
    a, b = shop.poster(worker_id="a"), shop.poster(worker_id="b")
    outcomes = []
    for _ in range(6):
        for p in (a, b):
            r = p.post_next(shop.clock.now())
            outcomes.append(r.outcome if r else None)
    assert outcomes.count("posted") == 5 and sorted(shop.api.by_marker().values()) == [1] * 5


def test_dry_run_renders_and_reports_but_changes_nothing(shop: Shop, caplog: pytest.LogCaptureFixture) -> None:
    ids = shop.add(2)
    poster = shop.poster(client=None, dry_run=True)
    with caplog.at_level("INFO", logger="pinbot.posting.poster"):
        results = [poster.post_next(shop.clock.now()) for _ in range(3)]
    assert [r.outcome if r else None for r in results] == ["dry_run", "dry_run", None]
    assert all(shop.pin(i).status == PinStatus.queued and shop.pin(i).attempts == 0 for i in ids)
    assert "would post 'Pin 0' to board mugs" in caplog.text
    assert shop.attempts(ids[0]) == []


def test_source_photo_png_is_sent_as_png(shop: Shop) -> None:
    png = shop.tmp / "p.png"
    make_photo(shop.tmp / "tmp.jpg")
    from PIL import Image

    Image.new("RGB", (200, 300)).save(png, "PNG")
    shop.add(1, image=png, prefix="png")
    sent = []
    original = shop.api.create_pin

    def spy(pin):  # type: ignore[no-untyped-def]
        sent.append(pin.image.content_type)
        return original(pin)

    shop.api.create_pin = spy  # type: ignore[method-assign]
    shop.poster().post_next(shop.clock.now())
    assert sent == ["image/png"]


def test_templated_pin_is_rendered_once_then_served_from_the_cache(shop: Shop) -> None:
    from pinbot.posting.images import CachedRenderer
    from pinbot.store.models import Pin
    from tests.conftest import REPO

    templates = sorted(p.stem for p in (REPO / "assets" / "templates").glob("*.toml"))
    if not templates:
        pytest.skip("no templates in assets/")
    renderer = CachedRenderer(REPO / "assets", shop.tmp / "renders")
    pin = Pin(
        id=1,
        account_id=1,
        board_id=1,
        title="Hand-thrown mug",
        link="https://shop.example/mug",
        image_path=str(shop.photo),
        template=templates[0],
        due_at=shop.clock.now(),
    )
    image, path = renderer.image_for(pin, shop.boards["mugs"], None)
    assert path.parent == shop.tmp / "renders" and image.data and image.content_type in ("image/jpeg", "image/png")
    mtime = path.stat().st_mtime_ns
    again, same = renderer.image_for(pin, shop.boards["mugs"], None)
    assert same == path and again.data == image.data and path.stat().st_mtime_ns == mtime
