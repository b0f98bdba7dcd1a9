"""The coming schedule as the owner sees it (`pinbot queue plan`): queued pins by local time, the
count per day, and every rule or lint problem in it (e.g. pins placed by `--at` against the rules).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import col, select

from pinbot.clock import as_utc
from pinbot.links import domain_of
from pinbot.queue.keywords import keyword_warnings
from pinbot.queue.lint import LIVE, findings
from pinbot.queue.planner import Schedule, Slot
from pinbot.shop.boards import BoardDef
from pinbot.shop.rules import Rules
from pinbot.store import state as service_state
from pinbot.store.db import read_scope
from pinbot.store.models import Board, Loop, Pin, PinStatus
from pinbot.words import clip


def _problem(pin: Pin, field: str, what: str) -> dict[str, Any]:
    return {"pin": pin.id, "field": field, "message": f"pin {pin.id} ({clip(pin.title, 40)!r}) {what}"}


def rule_problems(rules: Rules, tz: ZoneInfo, pins: list[Pin], board_keys: dict[int, str]) -> list[dict[str, Any]]:
    """Where the queued pins break the schedule rules (each pin checked against those before it)."""
    r = rules.schedule
    out: list[dict[str, Any]] = []
    sched = Schedule(r, tz)
    for pin in sorted(pins, key=lambda p: (as_utc(p.due_at), p.id or 0)):
        slot = Slot.of(pin.due_at, pin.board_id, pin.link)
        if sched.into_window(slot.at) != slot.at:
            out.append(
                {"pin": pin.id, "field": "schedule.windows", "message": f"pin {pin.id} is outside the posting windows"}
            )
        elif sched.per_day.get(sched.local_day(slot.at), 0) >= r.daily_cap:
            out.append(
                {
                    "pin": pin.id,
                    "field": "schedule.daily_cap",
                    "message": f"pin {pin.id} goes over the daily cap of {r.daily_cap} on {sched.local_day(slot.at)}",
                }
            )
        elif sched.repeats_link(slot):
            out.append(
                {
                    "pin": pin.id,
                    "field": "schedule.same_link_hours",
                    "message": f"pin {pin.id} repeats a link within {r.same_link_hours} h ({slot.link})",
                }
            )
        sched.add(slot)
    return out


def upcoming(
    engine: Engine,
    account_id: int,
    rules: Rules,
    tz: ZoneInfo,
    now: datetime,
    horizon: timedelta,
    boards: Mapping[str, BoardDef] | None = None,
) -> dict[str, Any]:
    """The view; with the board definitions, also the search warnings (keywords, descriptions)."""
    now = as_utc(now)
    with read_scope(engine) as session:
        rows = session.exec(
            select(Pin, Board.key)
            .join(Board, col(Board.id) == Pin.board_id)
            .where(
                Pin.account_id == account_id,
                Pin.status == PinStatus.queued,
                col(Pin.due_at) <= now + horizon,
            )
            .order_by(col(Pin.due_at), col(Pin.id))
        ).all()
        pins = [p for p, _ in rows]
        keys = {p.board_id: k for p, k in rows}
        # Lint against everything live, not just the window shown (an image may be posted already).
        others = (
            session.exec(
                select(Pin).where(
                    Pin.account_id == account_id, col(Pin.status).in_(LIVE), col(Pin.id).not_in([p.id for p in pins])
                )
            ).all()
            if pins
            else []
        )
        loop_names = dict(session.exec(select(Loop.id, Loop.name).where(Loop.account_id == account_id)).all())
        session.expunge_all()
    defs = {bid: boards[key] for bid, key in keys.items() if boards and key in boards}
    warnings = [{"pin": f.pin_id, "field": f.field, "message": f.message} for f in keyword_warnings(pins, defs)]
    problems = [
        {"pin": f.pin_id, "field": f.field, "message": f.message}
        for f in findings([*others, *pins], rules.schedule, keys)
        if f.pin_id is None or f.pin_id in {p.id for p in pins}
    ]
    problems += rule_problems(rules, tz, pins, keys)
    per_day = Counter(as_utc(p.due_at).astimezone(tz).date().isoformat() for p in pins)
    gate = service_state.posting_gate(engine, account_id).blocked(now)
    return {
        "timezone": str(tz),
        "now": now.isoformat(),
        "rules": rules.schedule.describe(),
        "rules_file": str(rules.path) if rules.path else None,
        "paused": gate,
        "pins": [
            {
                "id": p.id,
                "board": keys[p.board_id],
                "title": p.title,
                "link": p.link,
                "domain": domain_of(p.link) if p.link else "",
                "due_at": as_utc(p.due_at).isoformat(),
                "local_time": as_utc(p.due_at).astimezone(tz).isoformat(),
                "explicit_time": p.explicit_time,
                "loop_id": p.loop_id,
                "loop": loop_names.get(p.loop_id) if p.loop_id is not None else None,
            }
            for p in pins
        ],
        "per_day": dict(sorted(per_day.items())),
        "problems": problems,
        "warnings": warnings,
    }
