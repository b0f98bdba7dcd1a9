"""What the owner is told, in words: a pin taking off, a dead link, and the weekly digest.

Messages are plain text a potter reads on a phone: what happened, with numbers that mean
something, and the one thing to do (with the command that does it). Sending goes through
`pinbot.notify` (every configured channel); each attempt's outcome is kept (`notify_status`) so
`pinbot doctor` can say the mail server has been failing. Nothing here raises on a delivery failure.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func
from sqlalchemy import select as sa_select

from pinbot.advocates.deadlinks import DeadLink
from pinbot.advocates.surges import Found, pin_page, recent_surges
from pinbot.config import Settings
from pinbot.notify.channels import send_all
from pinbot.notify.message import Delivery, Message
from pinbot.review.aggregate import build_review
from pinbot.store import state
from pinbot.store.db import session_scope
from pinbot.store.models import Pin, Product, ReachDaily
from pinbot.words import clip

STATUS_KEY = "notify_status"


def record(engine: Engine, account_id: int, deliveries: Sequence[Delivery], now: datetime) -> None:
    failed = [d.as_dict() for d in deliveries if not d.ok]
    value = {"at": now.isoformat(), "sent": len(deliveries) - len(failed), "failed": failed}
    state.set_value(engine, account_id, STATUS_KEY, json.dumps(value), now)


def last_status(engine: Engine, account_id: int) -> dict[str, object] | None:
    found = state.get_value(engine, account_id, STATUS_KEY)
    if found is None:
        return None
    try:
        value = json.loads(found[0])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def deliver(settings: Settings, engine: Engine, account_id: int, message: Message, now: datetime) -> list[Delivery]:
    deliveries = send_all(settings, message)
    if deliveries:
        record(engine, account_id, deliveries, now)
    return deliveries


def _pin_and_product(engine: Engine, pin_id: int | None) -> tuple[Pin | None, Product | None]:
    if pin_id is None:
        return None, None
    with session_scope(engine) as session:
        pin = session.get(Pin, pin_id)
        product = session.get(Product, pin.product_id) if pin and pin.product_id else None
        session.expunge_all()
        return pin, product


def surge_message(engine: Engine, found: Found) -> Message:
    surge = found.surge
    pin, product = _pin_and_product(engine, surge.pin_id)
    page = pin_page(surge.pinterest_pin_id)
    if surge.source == "earned":
        subject = "Someone's pin of your shop is taking off"
        who = "A pin somebody else made of your website"
        thanks = f"See it (and thank its creator) at {page}"
    else:
        subject = f"Your pin is taking off: {clip(pin.title, 60) if pin else surge.pinterest_pin_id}"
        who = f"Your pin \u201c{pin.title}\u201d" if pin else "One of your pins"
        thanks = f"See it at {page}"
    act = f"pinbot surges act {surge.id}" + ("" if product else " --product PRODUCT")
    lines = [
        f"{who} is getting much more attention than usual: {found.verdict.why()}.",
        "",
        "What to do now:",
        f"- Put the product in front of more people while the interest lasts: `{act}` queues it to "
        "the boards it is not on yet, with fresh designs, within your posting rules (it checks stock "
        "and the link first).",
        "- Make sure you can sell it: check your stock and that the product page works.",
        f"- {thanks}",
    ]
    if product is not None and not product.in_stock:
        lines.insert(1, f"WARNING: {product.title} is marked SOLD OUT: restock before this interest fades.")
    return Message(subject, "\n".join(lines), (("The pin", page),))


def dead_links_message(dead: Sequence[DeadLink]) -> Message:
    lines = ["These links lead nowhere a visitor can buy. Fix the page (or the pins' link):", ""]
    lines += [f"- {d.line()}" for d in dead]
    lines += ["", "New pins to a dead link are held back until it works again."]
    n = len(dead)
    return Message(f"{n} link{'s' if n != 1 else ''} of your pins lead nowhere", "\n".join(lines))


def reach_totals(engine: Engine, account_id: int, first: date, last: date) -> dict[str, dict[str, int]]:
    rd = ReachDaily.__table__.c  # type: ignore[attr-defined]
    with session_scope(engine) as session:
        rows = session.execute(
            sa_select(rd.source, func.sum(rd.impressions), func.sum(rd.saves), func.sum(rd.outbound_clicks))
            .where(rd.account_id == account_id, rd.day >= first, rd.day <= last)
            .group_by(rd.source)
        ).all()
    out = {s: {"impressions": 0, "saves": 0, "outbound_clicks": 0} for s in ("earned", "owned")}
    for source, impressions, saves, clicks in rows:
        out[source] = {"impressions": impressions or 0, "saves": saves or 0, "outbound_clicks": clicks or 0}
    return out


def digest_message(
    settings: Settings, engine: Engine, account_id: int, today: date, dead: Sequence[DeadLink]
) -> Message:
    since, until = today - timedelta(days=7), today - timedelta(days=1)
    review = build_review(engine, account_id, since, until, settings.timezone)
    lines = [f"Your week on Pinterest, {since:%d %b} to {until:%d %b}.", ""]
    reach = reach_totals(engine, account_id, since, until)
    earned, owned = reach["earned"], reach["owned"]
    lines.append("Who pins your shop:")
    lines.append(
        f"- Pins other people made of your shop: {earned['impressions']:,} views, {earned['saves']:,} saves, "
        f"{earned['outbound_clicks']:,} visits to your shop"
    )
    lines.append(
        f"- Your own pins: {owned['impressions']:,} views, {owned['saves']:,} saves, "
        f"{owned['outbound_clicks']:,} visits to your shop"
    )
    surges = recent_surges(engine, account_id, since)
    lines += ["", f"Pins taking off this week: {len(surges) or 'none'}"]
    for s in surges:
        done = s.action or f"nothing yet (`pinbot surges act {s.id}`)"
        lines.append(
            f"- {pin_page(s.pinterest_pin_id)} ({s.source}, {s.recent} {s.metric.replace('_', ' ')} in 2 days): {done}"
        )
    lines += ["", f"Dead links: {len(dead) or 'none'}"]
    lines += [f"- {d.line()}" for d in dead]
    for kind, title in (("stop", "Stop"), ("start", "Start"), ("continue", "Continue"), ("change", "Change")):
        recs = [r for r in review.recommendations if r.kind == kind]
        if recs:
            lines += ["", f"{title}:"] + [f"- {r.text}" + (f"\n  {r.action}" if r.action else "") for r in recs]
    if not review.recommendations:
        lines += ["", "Not enough numbers yet for advice on what to stop, start, continue or change."]
    return Message(f"pinbot weekly: {earned['saves'] + owned['saves']:,} saves, {len(surges)} surges", "\n".join(lines))
