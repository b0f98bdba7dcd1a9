"""The planner's placements do not change when it is made faster: each scenario of
`tests/planner_cases.py` (thousands of items, two rule sets, two time zones with a DST change,
three seeds, an existing queue) must give the due times main's planner gave before the rewrite to
integer instants (their digests below), both from a list of slots and from the database."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert

from pinbot.queue.planner import Item, Slot, load_schedule, place, place_into
from pinbot.store.db import session_scope
from pinbot.store.models import Account, Board, Pin
from tests.planner_cases import Case, cases, digest, loaded, lookback

# Computed with the planner of main at c81f1c9 (datetime arithmetic, the whole queue loaded), then
# again when a jittered time that breaks a rule stopped leading to a second search from it (a draw
# nearer the free time, or the free time itself: docs/loops.md, planning time).
EXPECTED = {
    "default-new_york-1": "62835132562f1e625cfdc5a7",
    "default-new_york-2": "89a4566e5cf3172cc982909b",
    "default-new_york-3": "94c7f33f469924ca430d50fb",
    "default-london-1": "3254fb7f6adff8ff8ef4ae4f",
    "default-london-2": "bbe532a6c28bdc536684dd1c",
    "default-london-3": "6a772cecac58bd4468856e70",
    "tight-new_york-1": "7573681fed3d64d35f4afd36",
    "tight-new_york-2": "fe0ac31998af9bd71517042a",
    "tight-new_york-3": "483646f7ee0d1e9a483dc624",
    "tight-london-1": "cc4622b6bfdd2e95d128bf89",
    "tight-london-2": "0cce26d0f86995aa1522348b",
    "tight-london-3": "dedcba291cfce8f5bd667dbf",
}
CASES = list(cases())


def test_every_case_has_a_digest() -> None:
    assert sorted(c.name for c in CASES) == sorted(EXPECTED)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_placements_from_slots_are_unchanged(case: Case) -> None:
    since = case.now - lookback(case.rules)
    existing = [Slot.of(at, board, link) for at, board, link in loaded(case.rows, since)]
    times = place(case.rules, case.tz, existing, case.items, case.now, random.Random(case.seed))
    assert len(times) == len(case.items)
    assert digest(times) == EXPECTED[case.name]


@pytest.mark.parametrize("case", CASES[::5], ids=lambda c: c.name)
def test_placements_from_the_database_are_unchanged(case: Case, engine: Engine) -> None:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    with session_scope(engine) as session:
        session.add(Account(name="other"))  # another account's pins must not count
        account = Account(name="shop")
        session.add(account)
        session.flush()
        assert account.id is not None
        boards = [Board(account_id=account.id, key=f"b{b}", name=f"B{b}") for b in range(8)]
        session.add_all(boards)
        session.flush()
        ids = [b.id for b in boards]
        rows = [
            {
                "uid": f"u{n}",
                "account_id": account.id if n % 50 else 1,
                "board_id": ids[r.board],
                "title": "t",
                "link": r.link,
                "status": r.status,
                "due_at": r.due_at,
                "posted_at": r.posted_at,
                "explicit_time": r.explicit,
                "created_at": stamp,
                "updated_at": stamp,
            }
            for n, r in enumerate(case.rows)
        ]
        session.execute(insert(Pin), rows)
    kept = tuple(r for n, r in enumerate(case.rows) if n % 50)
    items = [
        Item(board=ids[i.board] or 0, link=i.link, group=i.group, at=i.at, not_before=i.not_before) for i in case.items
    ]
    with session_scope(engine) as session:
        sched = load_schedule(session, account.id, case.rules, case.tz, case.now)
        times = place_into(sched, items, case.now, random.Random(case.seed))
    # The other account's rows left out: the same as a list of only this account's slots.
    since = case.now - lookback(case.rules)
    existing = [Slot.of(at, ids[board] or 0, link) for at, board, link in loaded(kept, since)]
    assert times == place(case.rules, case.tz, existing, items, case.now, random.Random(case.seed))
    assert len(times) == len(items)
