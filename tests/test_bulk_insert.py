"""The import's one executemany stores on SQLite exactly what SQLAlchemy Core's insert stores:
the same text for times (any timezone in, UTC stored), statuses, flags and NULLs."""

from __future__ import annotations

import random
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert

from pinbot.queue.bulk_insert import insert_columns, insert_rows, insert_values
from pinbot.queue.service import ROW_KEYS, PinDraft
from pinbot.store import db
from pinbot.store.models import Pin, new_uids


def shop(path: Path) -> str:
    engine = db.make_engine(f"sqlite:///{path}")
    db.migrate(engine)
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO account (name, created_at) VALUES ('t', '2026-01-01 00:00:00.000000')")
    conn.execute(
        "INSERT INTO board (account_id, key, name, description, privacy, created_at) "
        "VALUES (1, 'b', 'B', '', 'PUBLIC', '2026-01-01 00:00:00.000000')"
    )
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


def rows() -> list[dict[str, object]]:
    now = datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    drafts = [
        PinDraft(1, "b", "csv:a#b", "Mug", "Blue \u00e9 mug", "https://x.example/a", "", "/p/a.png", now, False),
        PinDraft(
            1,
            "b",
            "csv:b#b",
            "Vase",
            "",
            "",
            "alt",
            None,
            datetime(2026, 7, 1, 12, tzinfo=UTC),
            True,
            template="t",
            variant_key="t.v",
            headline="Big",
            badge="NEW",
            image_hash="0" * 40,
            not_after=now,
        ),
        # The same instant as the first pin's, written in UTC: stored alike.
        PinDraft(1, "b", "csv:c#b", "Jug", "", "", "", None, now.astimezone(UTC), False),
    ]
    out = []
    for i, draft in enumerate(drafts):
        row = draft.row(1, now + timedelta(microseconds=i))
        row["uid"] = f"uid{i}"
        out.append(row)
    return out


def stored(url: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(url.split("///", 1)[1])
    try:
        return conn.execute("SELECT * FROM pin ORDER BY id").fetchall()
    finally:
        conn.close()


def stored_both_ways(
    tmp_path: Path, drafts: list[PinDraft], now: datetime
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The rows `drafts` make, inserted by Core's insert and by the import's fast one, each into a
    shop of its own, as `stored` reads them back: (Core's, the fast one's)."""
    uids = [f"uid{i}" for i in range(len(drafts))]
    core, fast = shop(tmp_path / "core.db"), shop(tmp_path / "fast.db")
    values = [d.values(uid, 1, now) for d, uid in zip(drafts, uids, strict=True)]
    for url, write in (
        (core, lambda c: c.execute(insert(Pin.__table__), [dict(zip(ROW_KEYS, v, strict=True)) for v in values])),  # type: ignore[attr-defined]
        (fast, lambda c: insert_columns(c, Pin.__table__, ROW_KEYS, PinDraft.columns(drafts, uids, 1, now))),  # type: ignore[attr-defined]
    ):
        engine = db.make_engine(url)
        with engine.begin() as conn:
            write(conn)
        engine.dispose()
    return stored(core), stored(fast)


def test_the_fast_insert_stores_what_core_stores(tmp_path: Path) -> None:
    core, fast, tuples = shop(tmp_path / "core.db"), shop(tmp_path / "fast.db"), shop(tmp_path / "tuples.db")
    for url, write in (
        (core, lambda c: c.execute(insert(Pin.__table__), rows())),  # type: ignore[attr-defined]
        (fast, lambda c: insert_rows(c, Pin.__table__, rows())),  # type: ignore[attr-defined]
        # The import's own path: each draft's values in ROW_KEYS order, no dict per row.
        (tuples, lambda c: insert_values(c, Pin.__table__, ROW_KEYS, [tuple(r.values()) for r in rows()])),  # type: ignore[attr-defined]
    ):
        engine = db.make_engine(url)
        with engine.begin() as conn:
            write(conn)
        engine.dispose()
    assert stored(fast) == stored(core)
    assert stored(tuples) == stored(core)
    assert len(stored(fast)) == 3
    assert "2026-03-28 22:30:15.123456" in stored(fast)[0]  # UTC, as Core stores it
    assert "2026-03-28 22:30:15.123456" in stored(fast)[2]


def test_many_due_times_are_stored_as_core_stores_them(tmp_path: Path) -> None:
    """An import's due times are stamped a day and a time of day at a time: the same text as
    Core's, on days and seconds met again, with microseconds, before 1970, in any timezone."""
    rng = random.Random(5)
    start = datetime(2026, 11, 30, 10, 30, 15, tzinfo=UTC)
    times = [start + timedelta(seconds=rng.randrange(0, 40 * 86400)) for _ in range(300)]
    times += [t.replace(microsecond=rng.randrange(1, 10**6)) for t in times[:20]]
    times += [datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)]
    times += [t.astimezone(timezone(timedelta(hours=-5))) for t in times[:10]]
    drafts = [
        PinDraft(1, "b", f"csv:{i}#b", "Mug", "", "", "", None, at, False) for i, at in enumerate([*times, *times])
    ]
    now = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    core, fast = stored_both_ways(tmp_path, drafts, now)
    assert fast == core
    assert "0001-01-01 00:00:00.000000" in fast[len(times) - 11]


def test_a_column_default_left_unset_is_filled_as_core_fills_it(tmp_path: Path) -> None:
    url = shop(tmp_path / "d.db")
    row = rows()[0]
    del row["description"]  # has a default ("")
    engine = db.make_engine(url)
    with engine.begin() as conn:
        insert_rows(conn, Pin.__table__, [row])  # type: ignore[attr-defined]
    engine.dispose()
    conn = sqlite3.connect(tmp_path / "d.db")
    assert conn.execute("SELECT description FROM pin").fetchall() == [("",)]
    conn.close()


def test_uids_made_in_bulk_are_distinct_random_uuid4s() -> None:
    uids = new_uids(5000)
    assert len(set(uids)) == 5000
    for value in uids:
        parsed = uuid.UUID(hex=value)
        assert (parsed.version, parsed.variant, parsed.hex) == (4, uuid.RFC_4122, value)
    assert new_uids(0) == []


def test_values_every_row_shares_are_stored_as_core_stores_them(tmp_path: Path) -> None:
    """Values every row shares come back exactly as Core's bound values do: a quote, a number, a
    flag and NULL written into the statement once, a text with a line break still bound per row."""
    now = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    drafts = [
        PinDraft(1, "b", f"csv:{i}#b", "O'Brien's mug", "line one\nline 'two'", "", "", None, now, True)
        for i in range(4)
    ]
    drafts[3].description = "line one\nline 'two' "  # one row apart: bound, not shared
    core, fast = stored_both_ways(tmp_path, drafts, now)
    assert fast == core
    assert [row[9] for row in fast] == ["O'Brien's mug"] * 4


def test_draft_columns_are_its_values_column_by_column() -> None:
    now = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    drafts = [
        PinDraft(1, "b", "csv:a#b", "Mug", "", "", "", "/p/a.png", now, False, headline="Big"),
        PinDraft(2, "c", "csv:b#c", "Vase", "d", "https://x.example", "alt", None, now, True, 7, "t", "t.v", 3),
    ]
    columns = PinDraft.columns(drafts, ["u1", "u2"], 5, now)
    rows = [d.values(u, 5, now) for d, u in zip(drafts, ["u1", "u2"], strict=True)]
    assert [tuple(c) for c in columns] == list(zip(*rows, strict=True))
