"""Schema changes go through migrations: an older database upgrades and keeps its rows, and the
migrated schema is exactly what the models describe."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import Session, SQLModel, select

from pinbot.store import db
from pinbot.store.models import Board, Pin, PinStatus, ServiceState


def test_upgrade_from_first_schema_keeps_rows(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db.migrate(engine, "0001")
    assert "servicestate" not in inspect(engine).get_table_names()
    with engine.begin() as conn:  # rows written by the old schema, with plain SQL as old code would
        conn.execute(text("INSERT INTO account (name, created_at) VALUES ('shop', :t)"), {"t": datetime.now(UTC)})
        conn.execute(
            text(
                "INSERT INTO board (account_id, key, name, description, privacy, created_at) "
                "VALUES (1, 'ceramics', 'Ceramics', '', 'PUBLIC', :t)"
            ),
            {"t": datetime.now(UTC)},
        )
        conn.execute(
            text(
                "INSERT INTO pin (uid, account_id, board_id, title, description, link, alt_text, status, due_at, "
                "explicit_time, attempts, reconcile_checks, created_at, updated_at) VALUES ('a'||'b', 1, 1, "
                "'Mug', '', '', '', 'queued', :t, false, 0, 0, :t, :t)"
            ),
            {"t": datetime(2026, 1, 1, tzinfo=UTC)},
        )
    assert db.schema_revisions(engine)[0] == "0001"
    db.migrate(engine)
    current, head = db.schema_revisions(engine)
    assert current == head != "0001"
    with Session(engine) as session:
        (pin,) = session.exec(select(Pin)).all()
        assert (pin.title, pin.status) == ("Mug", PinStatus.queued)
        assert session.exec(select(Board)).one().key == "ceramics"
        session.add(ServiceState(account_id=1, key="paused", value="1"))
        session.commit()
    engine.dispose()


def test_migrated_schema_matches_the_models(engine: object) -> None:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_migrate_is_idempotent(engine: object) -> None:
    db.migrate(engine)  # type: ignore[arg-type]
    db.migrate(engine)  # type: ignore[arg-type]
    current, head = db.schema_revisions(engine)  # type: ignore[arg-type]
    assert current == head
