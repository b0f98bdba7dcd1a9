"""Builders of posted pins with their numbers, for the metrics, review and report tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import Engine

from pinbot.pinterest.memory import MemoryPinterest
from pinbot.pinterest.types import DailyMetrics
from pinbot.render.samples import sample_photo
from pinbot.store.db import get_or_create_account, session_scope
from pinbot.store.models import Board, Pin, PinStatus, Product

# The one in-memory Pinterest answers analytics too (90-day rules, ESTIMATE days, call counts).
FakeAPI = MemoryPinterest


def make_account(engine: Engine, name: str = "default") -> int:
    with session_scope(engine) as session:
        account = get_or_create_account(session, name)
        assert account.id is not None
        return account.id


def add_board(engine: Engine, account_id: int, key: str) -> int:
    with session_scope(engine) as session:
        board = Board(account_id=account_id, key=key, name=key.title())
        session.add(board)
        session.flush()
        assert board.id is not None
        return board.id


def add_product(
    engine: Engine, account_id: int, external_id: str, title: str = "", link: str = "", photos: Sequence[str] = ()
) -> int:
    with session_scope(engine) as session:
        product = Product(
            account_id=account_id,
            external_id=external_id,
            title=title or external_id,
            link=link or f"https://shop.example/{external_id}",
            image_paths=list(photos),
        )
        session.add(product)
        session.flush()
        assert product.id is not None
        return product.id


def product_photos(folder: Path, key: str, kind: str, count: int = 1) -> list[str]:
    """`count` different product shots of one kind (JPEG files in `folder`), as an owner's photos of
    one product: another shot, not the same one with other noise (the lint compares by look)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{key}-{i}.jpg"
        photo = sample_photo(kind, (600, 800), seed=i + 1)
        if i % 2:
            photo = photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        photo.save(path, "JPEG", quality=85)
        paths.append(str(path))
    return paths


def add_posted_pin(
    engine: Engine,
    account_id: int,
    board_id: int,
    posted_at: datetime,
    remote_id: str,
    *,
    template: str | None = "photo-band",
    variant_key: str | None = None,
    product_id: int | None = None,
    experiment_variant_id: int | None = None,
) -> int:
    with session_scope(engine) as session:
        pin = Pin(
            account_id=account_id,
            board_id=board_id,
            title=f"pin {remote_id}",
            link="https://shop.example/x",
            due_at=posted_at,
            status=PinStatus.posted,
            pinterest_pin_id=remote_id,
            posted_at=posted_at,
            template=template,
            variant_key=variant_key,
            product_id=product_id,
            experiment_variant_id=experiment_variant_id,
        )
        session.add(pin)
        session.flush()
        assert pin.id is not None
        return pin.id


def seed_shop(engine: Engine, account_id: int, today: date, *, days: int = 60, seed: int = 1) -> dict[str, int]:
    """A small shop with history: 3 boards, 4 designs of different appeal, 48 pins, `days` of metrics."""
    import random

    from pinbot.metrics.sweep import upsert_pin_days

    rng = random.Random(seed)
    appeal = {"photo-band": 1.6, "split-block": 0.5, "text-forward": 1.0, "collage": 1.0}
    boards = {key: add_board(engine, account_id, key) for key in ("jewelry", "ceramics", "tutorials")}
    products = [add_product(engine, account_id, f"p{i}", f"Product {i}") for i in range(6)]
    add_product(engine, account_id, "idle", "Brass ear cuff")
    pins = 0
    for i in range(48):
        design = list(appeal)[i % 4]
        board = list(boards)[(i // 4) % 3]
        posted = datetime.combine(today - timedelta(days=days - i % 20), datetime.min.time()).replace(
            hour=8 + (i % 12), tzinfo=UTC
        )
        pin_id = add_posted_pin(
            engine, account_id, boards[board], posted, str(80000 + i), template=design, product_id=products[i % 6]
        )
        rows = []
        day = posted.date()
        while day < today:
            imp = rng.randint(80, 220)
            rate = 0.01 * appeal[design]
            out = sum(rng.random() < rate for _ in range(imp))
            saves = sum(rng.random() < 0.015 for _ in range(imp))
            status = "READY" if (today - day).days > 2 else "ESTIMATE"
            rows.append(DailyMetrics(day, status, imp, saves, imp // 30, out))
            day += timedelta(days=1)
        with session_scope(engine) as session:
            upsert_pin_days(session, pin_id, rows, posted)
        pins += 1
    return {"pins": pins, **boards}
