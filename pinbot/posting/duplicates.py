"""The duplicate sweep: one queue item found more than once on its board is cleaned up.

No check on the client closes every window: a worker frozen after its lease check (laptop suspend,
VM pause) can still send once it resumes, after reconcile has requeued and another worker posted
the pin. So the boards that saw claims lately are listed now and then (newest page only, where such
a pin lands) and each pinbot marker is counted:
  marker twice or more, item `posted` -> keep the recorded pin, delete the others (DELETE /pins/{id})
                                          or, with deleting turned off, only report them
  marker found, item `queued` again   -> it is on Pinterest already: `posted`, never sent again
Items still `posting` are left to reconcile. Every action is written to the pin's history
(a `PostAttempt` row with outcome `duplicate_deleted`, `duplicate_found` or `found_queued`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import col, select

from pinbot.clock import as_utc
from pinbot.links import MARKER_PREFIX, marker_in
from pinbot.pinterest.errors import PinterestError, RequestRejected
from pinbot.pinterest.types import PinterestAPI
from pinbot.store.db import read_scope, session_scope
from pinbot.store.models import Board, Pin, PinStatus, PostAttempt, new_uid

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    found: int = 0  # extra pins seen (same marker as a posted item)
    deleted: int = 0
    settled: int = 0  # queued items found already on Pinterest


def active_boards(engine: Engine, account_id: int, since: datetime) -> list[Board]:
    """Synced boards with an item claimed since `since` that is now posted or queued again: the only
    places the sweep can find something to act on."""
    recent = select(Pin.board_id).where(
        col(Pin.claimed_at) >= as_utc(since), col(Pin.status).in_([PinStatus.posted, PinStatus.queued])
    )
    stmt = select(Board).where(
        Board.account_id == account_id, col(Board.pinterest_board_id).is_not(None), col(Board.id).in_(recent)
    )
    with read_scope(engine) as session:
        rows = session.exec(stmt).all()
        session.expunge_all()
        return list(rows)


def _created_key(item: dict[str, Any]) -> tuple[str, str]:
    return (str(item.get("created_at") or "~"), str(item["id"]))


def _history(engine: Engine, pin_id: int, now: datetime, outcome: str, message: str) -> None:
    with session_scope(engine) as session:
        session.add(
            PostAttempt(
                pin_id=pin_id,
                attempt_id=new_uid(),
                worker_id="duplicate-sweep",
                started_at=now,
                finished_at=now,
                outcome=outcome,
                message=message,
            )
        )


def _reported(engine: Engine, pin_id: int, extra_id: str) -> bool:
    with read_scope(engine) as session:
        rows = session.exec(
            select(PostAttempt.message).where(PostAttempt.pin_id == pin_id, PostAttempt.outcome == "duplicate_found")
        ).all()
    return any(extra_id in (m or "") for m in rows)


@dataclass
class DuplicateSweep:
    engine: Engine
    account_id: int
    client: PinterestAPI
    delete: bool = True  # PINBOT_DELETE_DUPLICATES

    def _exists(self, pinterest_id: str) -> bool:
        try:
            self.client.get_pin(pinterest_id)
        except RequestRejected as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def board(self, board: Board, items: list[dict[str, Any]], now: datetime, report: SweepReport) -> None:
        """Act on one board's listing (already checked against the spec by the caller)."""
        by_marker: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            marker = marker_in(item.get("link"))
            if marker:
                by_marker.setdefault(marker, []).append(item)
        if not by_marker:
            return
        uids = [m.removeprefix(MARKER_PREFIX) for m in by_marker]
        with read_scope(self.engine) as session:
            pins = session.exec(select(Pin).where(Pin.board_id == board.id, col(Pin.uid).in_(uids))).all()
            session.expunge_all()
        for pin in pins:
            hits = sorted(by_marker[pin.marker], key=_created_key)
            if pin.status == PinStatus.queued:
                self._settle_queued(pin, hits[0], now, report)
            elif pin.status == PinStatus.posted and len(hits) > 1:
                self._extras(pin, board, hits, now, report)

    def _settle_queued(self, pin: Pin, hit: dict[str, Any], now: datetime, report: SweepReport) -> None:
        assert pin.id is not None
        stmt = (
            update(Pin)
            .where(col(Pin.id) == pin.id, col(Pin.status) == PinStatus.queued)
            .values(
                status=PinStatus.posted,
                pinterest_pin_id=str(hit["id"]),
                posted_at=as_utc(pin.claimed_at or now),
                last_error=None,
                updated_at=as_utc(now),
            )
        )
        with session_scope(self.engine) as session:
            moved = session.execute(stmt).rowcount == 1  # type: ignore[attr-defined]
        if moved:
            message = f"found on Pinterest as {hit['id']} while queued again (a late post); not sent again"
            _history(self.engine, pin.id, now, "found_queued", message)
            log.warning("pin %s: %s", pin.id, message)
            report.settled += 1

    def _extras(self, pin: Pin, board: Board, hits: list[dict[str, Any]], now: datetime, report: SweepReport) -> None:
        assert pin.id is not None
        ids = [str(h["id"]) for h in hits]
        keep = pin.pinterest_pin_id
        if keep not in ids and (not keep or not self._exists(keep)):
            keep = ids[0]  # the recorded pin is gone: the oldest one stays and is recorded
            with session_scope(self.engine) as session:
                session.execute(
                    update(Pin)
                    .where(col(Pin.id) == pin.id, col(Pin.status) == PinStatus.posted)
                    .values(pinterest_pin_id=keep, updated_at=as_utc(now))
                )
        for extra in (i for i in ids if i != keep):
            report.found += 1
            what = f"Pinterest pin {extra} is a second copy of {keep} on board {board.key} (same marker)"
            if not self.delete:
                if not _reported(self.engine, pin.id, extra):
                    _history(self.engine, pin.id, now, "duplicate_found", f"{what}; delete it on Pinterest")
                    log.error("pin %s: %s; delete it on Pinterest (PINBOT_DELETE_DUPLICATES=false)", pin.id, what)
                continue
            try:
                self.client.delete_pin(extra)
            except RequestRejected as exc:
                if exc.status != 404:
                    log.warning("pin %s: could not delete the extra copy %s, will try again: %s", pin.id, extra, exc)
                    continue
            except PinterestError as exc:
                log.warning("pin %s: could not delete the extra copy %s, will try again: %s", pin.id, extra, exc)
                continue
            _history(self.engine, pin.id, now, "duplicate_deleted", f"{what}; deleted it")
            log.warning("pin %s: %s; deleted it", pin.id, what)
            report.deleted += 1
