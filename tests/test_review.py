"""The review: aggregations by every dimension, intervals, minimums, and the stop/start/continue/change rules."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from pinbot.errors import InvalidInput
from pinbot.metrics.sweep import upsert_pin_days
from pinbot.pinterest.types import DailyMetrics
from pinbot.review.aggregate import build_review, period
from pinbot.store.db import session_scope
from tests.metrics_fakes import add_board, add_posted_pin, add_product, make_account

POSTED = datetime(2026, 2, 10, 18, 0, tzinfo=UTC)  # a Tuesday; 13:00 in New York
SINCE, UNTIL = date(2026, 2, 10), date(2026, 3, 1)


def _pin_with(engine: Engine, account_id: int, board_id: int, design: str, n: int, totals: tuple[int, int, int], **kw):  # type: ignore[no-untyped-def]
    """A posted pin whose numbers add up to `totals` = (impressions, saves, outbound) over 4 days."""
    imp, saves, out = totals
    pin_id = add_posted_pin(engine, account_id, board_id, POSTED, str(5000 + n), template=design, **kw)
    days = []
    for i in range(4):
        share = lambda x, i=i: x // 4 + (1 if i < x % 4 else 0)  # noqa: E731
        days.append(
            DailyMetrics(SINCE + timedelta(days=i), "READY", share(imp), share(saves), share(imp) // 40, share(out))
        )
    with session_scope(engine) as session:
        upsert_pin_days(session, pin_id, days, POSTED)
    return pin_id


@pytest.fixture
def shop(engine: Engine) -> int:
    account_id = make_account(engine)
    jewelry = add_board(engine, account_id, "jewelry")
    ring = add_product(engine, account_id, "ring", "Hammered ring")
    add_product(engine, account_id, "brass", "Brass ear cuff")  # in stock, never pinned
    n = 0
    for design, totals in (
        ("photo-band", (2000, 20, 50)),  # 2.5% outbound: continue
        ("split-block", (2000, 20, 8)),  # 0.4% outbound: stop
        ("text-forward", (2000, 120, 24)),  # 6% saves but 1.2% outbound: change
    ):
        for _ in range(5):
            _pin_with(engine, account_id, jewelry, design, n, totals, product_id=ring)
            n += 1
    _pin_with(engine, account_id, jewelry, "collage", n, (300, 3, 9))  # too little data to rank
    # Another account's pins never leak into this shop's review.
    other = make_account(engine, "other")
    _pin_with(engine, other, add_board(engine, other, "x"), "photo-band", 99, (10_000, 0, 0))
    return account_id


def test_totals_groups_and_intervals(engine: Engine, shop: int) -> None:
    review = build_review(engine, shop, SINCE, UNTIL, "America/New_York")
    assert review.shop.impressions == 30_300 and review.shop.outbound_clicks == 419 and review.shop.saves == 803
    assert review.shop.pins == 16
    designs = {g.key: g for g in review.groups["design"]}
    pb = designs["photo-band"].totals
    assert (pb.impressions, pb.outbound_clicks, pb.pins) == (10_000, 250, 5)
    rate = pb.outbound_rate
    assert rate.value == pytest.approx(0.025) and rate.low < 0.025 < rate.high
    assert rate.high - rate.low < 0.007
    # Ranked by outbound rate among groups with enough data; the single collage pin is listed, unranked, last.
    assert [(g.key, g.rank) for g in review.groups["design"]] == [
        ("photo-band", 1),
        ("text-forward", 2),
        ("split-block", 3),
        ("collage", None),
    ]
    # Weekday and hour are the posting time in the shop's timezone.
    assert [g.label for g in review.groups["weekday"]] == ["Tue"]
    assert [g.label for g in review.groups["hour"]] == ["13:00"]
    assert {g.label for g in review.groups["product"]} == {"Hammered ring", "(no product)"}
    assert len(review.groups["pin"]) == 16
    assert sum(d.totals.impressions for d in review.daily) == 30_300 and len(review.daily) == 4
    json.dumps(review.as_dict())  # the JSON shape is serialisable as is


def test_recommendations_are_concrete_and_only_where_the_data_is_clear(engine: Engine, shop: int) -> None:
    review = build_review(engine, shop, SINCE, UNTIL, known_designs=["photo-band", "split-block", "photo-overlay"])
    by_kind: dict[str, list[str]] = {}
    for rec in review.recommendations:
        by_kind.setdefault(rec.kind, []).append(rec.text)
    (stop,) = by_kind["stop"]
    assert stop.startswith("Stop posting design “Split block”: 0.40% outbound click rate (95% CI 0.")
    assert "vs 1.38% for the shop, 10,000 impressions over 5 pins." in stop
    assert by_kind["continue"][0].startswith("Continue posting design “Photo band”: 2.50% outbound click rate")
    assert len(by_kind["continue"]) == 1  # design x board pairs of photo-band are not repeated
    assert by_kind["change"][0].startswith("Change design “Text forward”: people save it (6.00% save rate vs 2.65%")
    starts = " ".join(by_kind["start"])
    assert "Start pinning “Brass ear cuff”" in starts
    assert "“Photo overlay”" in starts and "Hammered ring" not in starts
    assert not any("collage" in text.lower() for texts in by_kind.values() for text in texts)  # too little data
    assert all(r.numbers for r in review.recommendations)


def test_no_recommendation_without_enough_data(engine: Engine) -> None:
    account_id = make_account(engine)
    board = add_board(engine, account_id, "jewelry")
    for n, (design, totals) in enumerate([("a", (300, 3, 0)), ("b", (300, 3, 12))]):
        _pin_with(engine, account_id, board, design, n, totals)
    review = build_review(engine, account_id, SINCE, UNTIL)
    assert [r for r in review.recommendations if r.kind != "start"] == []
    assert all(g.rank is None for g in review.groups["design"])


def test_period_parsing() -> None:
    today = date(2026, 3, 2)
    assert period(None, today) == (date(2026, 1, 31), date(2026, 3, 1))
    assert period("7d", today) == (date(2026, 2, 23), date(2026, 3, 1))
    assert period("2w", today)[0] == date(2026, 2, 16)
    assert period("2026-01-01", today) == (date(2026, 1, 1), date(2026, 3, 1))
    with pytest.raises(InvalidInput, match="--since"):
        period("yesterday", today)
