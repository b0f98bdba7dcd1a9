"""The review: the shop's numbers grouped every useful way, ready for the report and the rules.

Owns the aggregations: SQL GROUP BY over the daily rows (one pass by pin, one by day); everything
else is rolled up from the per-pin totals (a few thousand rows at most) by board, design (the
variant id, else the template), product, weekday and hour posted (shop time), design x board.
Each rate carries a 95% Wilson interval; groups below the minimums (`review/types.py`) are listed but
not ranked. The stop/start/continue/change rules are in `review/recommend.py`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func
from sqlalchemy import select as sa_select

from pinbot.clock import as_utc
from pinbot.errors import InvalidInput
from pinbot.render.names import design_name
from pinbot.review.recommend import ExperimentFinding, recommend
from pinbot.review.types import (
    DIMENSIONS,
    WEEKDAYS,
    DayRow,
    Group,
    IdleProduct,
    PinRow,
    Recommendation,
    Review,
    Totals,
)
from pinbot.shop.products import typed_ref
from pinbot.store.db import session_scope
from pinbot.store.tables import BOARD, PIN, PMD, PRODUCT


def _totals(row: Sequence[Any], pins: int = 1) -> Totals:
    return Totals(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0), pins)


def load_pins(engine: Engine, account_id: int, since: date, until: date) -> list[PinRow]:
    """Per-pin totals over [since, until]: one GROUP BY over the daily rows, one read of the pins."""
    pmd, pin, board, product = PMD.c, PIN.c, BOARD.c, PRODUCT.c
    sums = (func.sum(pmd.impressions), func.sum(pmd.saves), func.sum(pmd.pin_clicks), func.sum(pmd.outbound_clicks))
    with session_scope(engine) as session:
        totals = {
            row[0]: _totals(row[1:])
            for row in session.execute(
                sa_select(pmd.pin_id, *sums)
                .where(pmd.day >= since, pmd.day <= until)
                .where(pmd.pin_id.in_(sa_select(pin.id).where(pin.account_id == account_id)))
                .group_by(pmd.pin_id)
            )
        }
        if not totals:
            return []  # no pin has data in the period (a pin without data is not listed anyway)
        rows = session.execute(
            sa_select(
                pin.id,
                pin.title,
                BOARD.c["key"],
                pin.variant_key,
                pin.template,
                pin.product_id,
                product.title,
                pin.posted_at,
            )
            .join_from(PIN, BOARD, board.id == pin.board_id)
            .outerjoin(PRODUCT, product.id == pin.product_id)
            .where(pin.account_id == account_id, pin.posted_at.is_not(None))
        ).all()
    out = []
    for pin_id, title, board_key, variant, template, product_id, product_title, posted_at in rows:
        if pin_id not in totals:
            continue
        out.append(
            PinRow(
                pin_id=pin_id,
                title=title,
                board=board_key,
                design=variant or template or "(none)",
                product_id=product_id,
                product=product_title or "(no product)",
                posted_at=as_utc(posted_at) if posted_at else None,
                totals=totals[pin_id],
            )
        )
    return out


def load_daily(engine: Engine, account_id: int, since: date, until: date) -> list[DayRow]:
    pmd, pin = PMD.c, PIN.c
    sums = (func.sum(pmd.impressions), func.sum(pmd.saves), func.sum(pmd.pin_clicks), func.sum(pmd.outbound_clicks))
    with session_scope(engine) as session:
        rows = session.execute(
            sa_select(pmd.day, func.count(), *sums)
            .where(pmd.day >= since, pmd.day <= until)
            .where(pmd.pin_id.in_(sa_select(pin.id).where(pin.account_id == account_id)))
            .group_by(pmd.day)
            .order_by(pmd.day)
        ).all()
    return [DayRow(_day(r[0]), _totals(r[2:], int(r[1]))) for r in rows]


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def group_pins(pins: Iterable[PinRow], dimension: str, tz: ZoneInfo) -> list[Group]:
    """Roll per-pin totals up to one dimension; rank by outbound click rate among groups with enough data."""
    acc: dict[str, Totals] = defaultdict(Totals)
    labels: dict[str, str] = {}
    units: dict[str, list[tuple[int, int, int, int]]] = defaultdict(list)
    for p in pins:
        key, label = _key(p, dimension, tz)
        acc[key].add(p.totals)
        labels[key] = label
        t = p.totals
        units[key].append((p.pin_id, t.outbound_clicks, t.saves, t.impressions))
    groups = [Group(dimension, k, labels[k], t, units=units[k]) for k, t in acc.items()]
    ranked = sorted((g for g in groups if g.totals.enough), key=lambda g: -g.totals.outbound_rate.value)
    for i, g in enumerate(ranked, 1):
        g.rank = i
    rest = sorted((g for g in groups if not g.totals.enough), key=lambda g: -g.totals.impressions)
    return ranked + rest


def _key(p: PinRow, dimension: str, tz: ZoneInfo) -> tuple[str, str]:
    local = p.posted_at.astimezone(tz) if p.posted_at else None
    if dimension == "pin":
        return str(p.pin_id), f"#{p.pin_id} {p.title}"
    if dimension == "board":
        return p.board, p.board
    if dimension == "design":
        return p.design, design_name(p.design)
    if dimension == "product":
        return str(p.product_id or 0), p.product
    if dimension == "weekday":
        wd = local.weekday() if local else -1
        return str(wd), WEEKDAYS[wd] if local else "?"
    if dimension == "hour":
        hour = local.hour if local else -1
        return f"{hour:02d}", f"{hour:02d}:00" if local else "?"
    if dimension == "design_board":
        return f"{p.design}|{p.board}", f"{design_name(p.design)} on {p.board}"
    raise ValueError(f"unknown dimension {dimension}")


def build_review(
    engine: Engine,
    account_id: int,
    since: date,
    until: date,
    timezone: str = "UTC",
    *,
    known_designs: Sequence[str] = (),
    extra: Sequence[Recommendation] = (),
    experiments: Sequence[ExperimentFinding] = (),
) -> Review:
    tz = ZoneInfo(timezone)
    pins = load_pins(engine, account_id, since, until)
    shop = Totals()
    for p in pins:
        shop.add(p.totals)
    groups = {dim: group_pins(pins, dim, tz) for dim in DIMENSIONS}
    daily = load_daily(engine, account_id, since, until)
    products = _idle_products(engine, account_id, {p.product_id for p in pins if p.product_id}, since)
    recs = recommend(shop, groups, products, known_designs, experiments) + list(extra)
    return Review(since, until, timezone, shop, pins, groups, daily, recs)


def _idle_products(engine: Engine, account_id: int, pinned: set[int], since: date) -> list[IdleProduct]:
    """In-stock products without a pin with data, a pin on its way (queued or being posted) or one
    posted since the period began (too new for numbers): "start pinning" one of those would be
    advice the owner has already taken. Those with a photo first: they can be queued at once."""
    product, pin = PRODUCT.c, PIN.c
    start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    with session_scope(engine) as session:
        busy = set(
            session.execute(
                sa_select(pin.product_id)
                .where(pin.account_id == account_id, pin.product_id.is_not(None))
                .where(pin.status.in_(("queued", "posting")) | ((pin.status == "posted") & (pin.posted_at >= start)))
                .distinct()
            ).scalars()
        )
        rows = session.execute(
            sa_select(product.id, product.title, product.source, product.external_id, product.image_paths)
            .where(product.account_id == account_id, product.in_stock.is_(True))
            .order_by(product.id)
        ).all()
    idle = [
        IdleProduct(pid, title, typed_ref(pid, source, key), bool(photos))
        for pid, title, source, key, photos in rows
        if pid not in pinned and pid not in busy
    ]
    return sorted(idle, key=lambda p: not p.has_photo)


def period(since: str | None, today: date) -> tuple[date, date]:
    """`30d`, `12w`, `2026-01-01` or None (30 days) -> (first day, last day) ending yesterday."""
    until = today - timedelta(days=1)
    if not since:
        return until - timedelta(days=29), until
    text = since.strip().lower()
    try:
        if text[-1] in "dw" and text[:-1].isdigit():
            days = int(text[:-1]) * (7 if text[-1] == "w" else 1)
            if days < 1:
                raise ValueError
            return until - timedelta(days=days - 1), until
        start = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("--since", f"expected like 30d, 12w or 2026-01-31, got {since!r}") from None
    return start, until


def utc_today(now: datetime) -> date:
    return now.astimezone(UTC).date()
