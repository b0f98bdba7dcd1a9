"""Engine settings, and the claim/record queries (the poster's one claim path) behind exactly-once posting."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from pinbot.clock import FakeClock
from pinbot.posting.claim import claim_pin, due_pins, finish
from pinbot.store import db
from pinbot.store.models import Board, Pin, PinStatus


def seed(engine: Engine, n: int, clock: FakeClock) -> list[int]:
    with db.session_scope(engine) as session:
        account = db.get_or_create_account(session, "shop")
        board = Board(account_id=account.id, key="b", name="B")
        session.add(board)
        session.flush()
        pins = [
            Pin(account_id=account.id, board_id=board.id, title=f"p{i}", due_at=clock.now() - timedelta(minutes=n - i))
            for i in range(n)
        ]
        session.add_all(pins)
        session.flush()
        return [p.id for p in pins]  # type: ignore[misc]


def claim_next(engine: Engine, now: datetime, worker: str) -> Pin | None:
    """What the poster does: read the due pins, claim the first one nobody else has."""
    for pin, _board in due_pins(engine, 1, now):
        assert pin.id is not None
        if (claimed := claim_pin(engine, pin.id, now, worker, None)) is not None:
            return claimed
    return None


def test_sqlite_connections_are_configured(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite pragmas")
    engine = db.make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == db.SQLITE_BUSY_TIMEOUT_MS
    engine.dispose()


def test_claim_takes_the_oldest_due_pin_once(engine: Engine, clock: FakeClock) -> None:
    ids = seed(engine, 3, clock)
    with db.session_scope(engine) as session:
        future = session.get(Pin, ids[2])
        assert future is not None
        future.due_at = clock.now() + timedelta(hours=1)
        session.add(future)
    first = claim_next(engine, clock.now(), "w1")
    second = claim_next(engine, clock.now(), "w1")
    assert first is not None and second is not None
    assert [first.id, second.id] == ids[:2]
    assert first.status == PinStatus.posting and first.attempts == 1 and first.claimed_by == "w1"
    assert first.attempt_id and first.attempt_id != second.attempt_id
    assert claim_next(engine, clock.now(), "w1") is None  # the third is not due


def test_record_needs_the_current_attempt(engine: Engine, clock: FakeClock) -> None:
    seed(engine, 1, clock)
    pin = claim_next(engine, clock.now(), "w1")
    assert pin is not None and pin.attempt_id is not None
    stale = pin.model_copy(update={"attempt_id": "stale-attempt"})
    posted = {"pinterest_pin_id": "123", "posted_at": clock.now()}
    assert not finish(engine, stale, clock.now(), outcome="posted", status=PinStatus.posted, pin_values=posted)
    assert finish(engine, pin, clock.now(), outcome="posted", status=PinStatus.posted, pin_values=posted)
    again = {"pinterest_pin_id": "456", "posted_at": clock.now()}
    assert not finish(engine, pin, clock.now(), outcome="posted", status=PinStatus.posted, pin_values=again)
    with Session(engine) as session:
        row = session.get(Pin, pin.id)
        assert row is not None and (row.status, row.pinterest_pin_id) == (PinStatus.posted, "123")


def test_release_back_to_queue_with_new_due_time(engine: Engine, clock: FakeClock) -> None:
    seed(engine, 1, clock)
    pin = claim_next(engine, clock.now(), "w1")
    assert pin is not None and pin.attempt_id is not None and pin.id is not None
    later = clock.now() + timedelta(minutes=5)
    back = {"due_at": later, "last_error": "429"}
    assert finish(engine, pin, clock.now(), outcome="retry", status=PinStatus.queued, pin_values=back)
    assert claim_next(engine, clock.now(), "w1") is None
    again = claim_next(engine, later, "w2")
    assert again is not None and again.attempts == 2 and again.last_error == "429"


def test_concurrent_claims_never_share_a_pin(engine: Engine, clock: FakeClock) -> None:
    ids = seed(engine, 60, clock)
    claimed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        try:
            while (pin := claim_next(engine, clock.now(), name)) is not None:
                with lock:
                    claimed.append(pin.id)  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(claimed) == sorted(ids)


def test_reads_do_not_wait_for_a_writer(engine: Engine, clock: FakeClock) -> None:
    """read_scope takes no write lock: a reader gets an answer while another connection holds one
    (on SQLite a BEGIN IMMEDIATE reader would wait for busy_timeout instead)."""
    seed(engine, 2, clock)
    writer = engine.connect()
    writer.begin()
    writer.execute(text("UPDATE pin SET title = 'being edited' WHERE id = 1"))
    try:
        done = threading.Event()
        seen: list[str] = []

        def read() -> None:
            with db.read_scope(engine) as session:
                pin = session.get(Pin, 1)
                assert pin is not None
                seen.append(pin.title)
            done.set()

        reader = threading.Thread(target=read)
        reader.start()
        assert done.wait(5), "the reader waited for the writer"
        assert seen == ["p0"]  # the committed state, not the writer's
    finally:
        writer.rollback()
        writer.close()
