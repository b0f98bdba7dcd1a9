"""Impressions per keyword: which searches find the shop, through the pins whose words carry them.

Owns the roll-up of per-pin totals (`aggregate.load_pins`) to keywords: a pin counts for a keyword
when its title or description contains it (case-insensitive), so one pin may count for several.
The keywords are the boards' `keywords` and any the caller adds (a loop's trend keywords). Rates
carry the review's 95% intervals; keywords without pins are listed with zeros, so the owner also
sees which of their words no pin carries yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Engine
from sqlalchemy import select as sa_select

from pinbot.review.aggregate import load_pins
from pinbot.review.types import Group, Totals
from pinbot.store.db import read_scope
from pinbot.store.tables import PIN


def keyword_groups(engine: Engine, account_id: int, since: date, until: date, keywords: Iterable[str]) -> list[Group]:
    """One group per keyword, most impressions first (then by outbound click rate)."""
    wanted = list(dict.fromkeys(" ".join(k.lower().split()) for k in keywords if k.strip()))
    pins = load_pins(engine, account_id, since, until)
    texts: dict[int, str] = {}
    ids = [p.pin_id for p in pins]
    with read_scope(engine) as session:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for pin_id, description in session.execute(
                sa_select(PIN.c.id, PIN.c.description).where(PIN.c.id.in_(chunk))
            ):
                texts[pin_id] = description or ""
    totals = {k: Totals() for k in wanted}
    for p in pins:
        text = f"{p.title} {texts.get(p.pin_id, '')}".lower()
        for k in wanted:
            if k in text:
                totals[k].add(p.totals)
    groups = [Group("keyword", k, k, t) for k, t in totals.items()]
    groups.sort(key=lambda g: (-g.totals.impressions, -g.totals.outbound_rate.value, g.key))
    ranked = sorted((g for g in groups if g.totals.enough), key=lambda g: -g.totals.outbound_rate.value)
    for i, g in enumerate(ranked, 1):
        g.rank = i
    return groups
