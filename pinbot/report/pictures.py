"""The report's pictures: the pins that earned the most, and the coming two weeks of the queue,
each with a small embedded thumbnail of the pin.

Owns ranking pins by what they earned (outbound clicks, then saves, then impressions: a pin is
one pin, so it is never held back by the per-group minimums) and reading the queued pins of the
next 14 days in the shop's time zone. Thumbnails come from the rendered pin, or, for a queued pin
not rendered yet, from `render` (the poster's cached renderer, when given) or its product photo.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import col, select

from pinbot.clock import as_utc
from pinbot.errors import PinbotError
from pinbot.render.names import design_name
from pinbot.render.thumbs import thumbnail_uri
from pinbot.review.types import PinRow
from pinbot.store.db import read_scope
from pinbot.store.models import Board, Pin, PinStatus, Product

TOP_PINS = 10
CALENDAR_DAYS = 14
CALENDAR_RENDERS = 40  # at most this many pins rendered for one report (the rest show their photo)

# Renders a queued pin (with its board key and product) and returns the image file.
PinRenderer = Callable[[Pin, str, Product | None], Path]


@dataclass
class PinCard:
    """A pin with its picture: a top earner (with totals) or a planned pin (with its time)."""

    pin_id: int
    title: str
    board: str
    design_id: str
    design_name: str
    thumbnail: str | None  # data: URI
    when: datetime | None = None  # posted (top pins) or due (calendar), shop time
    numbers: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "pin_id": self.pin_id,
            "title": self.title,
            "board": self.board,
            "design_id": self.design_id,
            "design_name": self.design_name,
            "when": self.when.isoformat() if self.when else None,
            **self.numbers,
        }


@dataclass
class CalendarDay:
    day: date
    pins: list[PinCard]

    def as_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "pins": [p.as_dict() for p in self.pins]}


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _photo(pin: Pin, product: Product | None) -> Path | None:
    if pin.image_path:
        return Path(pin.image_path)
    paths = product.image_paths if product else []
    return Path(paths[0]) if paths else None


def earned_key(p: PinRow) -> tuple[int, int, int]:
    t = p.totals
    return (t.outbound_clicks, t.saves, t.impressions)


def top_pins(
    engine: Engine, pins: Sequence[PinRow], tz: ZoneInfo, *, limit: int = TOP_PINS, cache_dir: Path | None = None
) -> list[PinCard]:
    ranked = sorted((p for p in pins if p.totals.impressions > 0), key=earned_key, reverse=True)[:limit]
    ids = [p.pin_id for p in ranked]
    with read_scope(engine) as session:
        rows = session.exec(select(Pin, Product).outerjoin(Product).where(col(Pin.id).in_(ids))).all() if ids else []
        images = {pin.id: _path(pin.rendered_path) or _photo(pin, product) for pin, product in rows}
    out = []
    for rank, p in enumerate(ranked, 1):
        t = p.totals
        numbers: dict[str, Any] = {"rank": rank, "impressions": t.impressions, "saves": t.saves}
        numbers |= {"outbound_clicks": t.outbound_clicks, "pin_clicks": t.pin_clicks, "product": p.product}
        out.append(
            PinCard(
                pin_id=p.pin_id,
                title=p.title,
                board=p.board,
                design_id=p.design,
                design_name=design_name(p.design),
                thumbnail=thumbnail_uri(images.get(p.pin_id), cache_dir=cache_dir),
                when=p.posted_at.astimezone(tz) if p.posted_at else None,
                numbers=numbers,
            )
        )
    return out


def calendar(
    engine: Engine,
    account_id: int,
    now: datetime,
    tz: ZoneInfo,
    *,
    days: int = CALENDAR_DAYS,
    render: PinRenderer | None = None,
    board_templates: Mapping[str, str | None] | None = None,
    cache_dir: Path | None = None,
) -> list[CalendarDay]:
    """Every day of the next `days` (from today, shop time) with the pins queued for it."""
    start = as_utc(now).astimezone(tz).date()
    end_local = datetime.combine(start + timedelta(days=days), datetime.min.time(), tzinfo=tz)
    with read_scope(engine) as session:
        rows = session.exec(
            select(Pin, Board.key, Product)
            .join(Board, col(Board.id) == Pin.board_id)
            .outerjoin(Product, col(Product.id) == Pin.product_id)
            .where(Pin.account_id == account_id, Pin.status == PinStatus.queued, col(Pin.due_at) < end_local)
            .order_by(col(Pin.due_at), col(Pin.id))
        ).all()
        session.expunge_all()
    by_day: dict[date, list[PinCard]] = {start + timedelta(days=i): [] for i in range(days)}
    renders = 0
    board_templates = board_templates or {}
    for pin, board_key, product in rows:
        due = as_utc(pin.due_at).astimezone(tz)
        day = max(due.date(), start)  # overdue pins go out first thing: show them today
        image = _path(pin.rendered_path)
        if image is None and render is not None and renders < CALENDAR_RENDERS:
            renders += 1
            try:
                image = render(pin, board_key, product)
            except (PinbotError, OSError):  # shows its photo instead; the poster reports the problem
                image = None
        design = pin.variant_key or pin.template or board_templates.get(board_key) or ""
        by_day[day].append(
            PinCard(
                pin_id=pin.id or 0,
                title=pin.title,
                board=board_key,
                design_id=design,
                design_name=design_name(design) if design else "Photo only (no template)",
                thumbnail=thumbnail_uri(image or _photo(pin, product), cache_dir=cache_dir),
                when=due,
            )
        )
    return [CalendarDay(d, cards) for d, cards in sorted(by_day.items())]
