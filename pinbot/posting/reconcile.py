"""Settling pins whose outcome is unknown: a pin in `posting` is looked up on its board before it
can ever be posted again.

Owns the reconcile half of docs/posting-exactly-once.md. Only pins claimed longer ago than a grace
period (longer than the HTTP client's total deadline, so no request of theirs is still in flight)
are checked. The board's pins are listed once per pass and searched for the pin's marker
(`utm_content=pb-<uid>` in the link); pins posted without a marker fall back to the title inside
the claim's time window, and ambiguity becomes `needs_attention`, never a duplicate. An unmarked
pin that other unsettled queue items on the board could equally be (same title) is told apart by
everything pinbot sent (title, description, alt text, link); if that still ties, it is a guess,
so it becomes `needs_attention`. A listing that does not parse as the spec says (items not a
list, an item without a digits id) is an API failure: nothing is decided from it.
  found once -> posted      found twice -> needs_attention (first id kept)
  not found  -> checked again later; after two spaced checks back to `queued`
  K requeues without a trace -> needs_attention      API down -> stays `posting`
Every update is conditional on the attempt id and the check count, so two workers reconciling at
once cannot both act on the same pin.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import col, select

from pinbot.clock import Clock, as_utc
from pinbot.links import marker_in
from pinbot.logs import OWNER
from pinbot.pinterest.errors import MaybeSent, PinterestError
from pinbot.pinterest.types import PinterestAPI
from pinbot.posting.duplicates import DuplicateSweep, SweepReport, active_boards
from pinbot.shop.boards import BoardDef
from pinbot.store.db import read_scope, session_scope
from pinbot.store.models import Board, Pin, PinStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReconcileSettings:
    grace: timedelta = timedelta(minutes=3)  # > the client's total deadline for one POST
    recheck: timedelta = timedelta(minutes=2)  # between two "not found" checks of one pin
    checks_per_requeue: int = 2
    max_requeues: int = 5  # then needs_attention: something odd is going on with this pin
    max_listed: int = 5000  # pins read per board per pass (newest pins come first on Pinterest)
    title_window: timedelta = timedelta(minutes=30)
    sweep_every: timedelta = timedelta(minutes=30)  # the duplicate sweep (pinbot.posting.duplicates)
    sweep_window: timedelta = timedelta(days=2)  # boards with a claim this recent are swept
    sweep_listed: int = 250  # one page: the newest pins, where a late duplicate lands

    @property
    def lease(self) -> timedelta:
        """How long a claim is good for sending (Poster.lease): the request must be over before
        reconcile may look, with room for clocks that differ between workers."""
        return self.grace - min(timedelta(seconds=30), self.grace / 5)


@dataclass
class ReconcileReport:
    posted: int = 0
    requeued: int = 0
    needs_attention: int = 0
    pending: int = 0  # checked, not found yet, or the API was down
    duplicates_found: int = 0
    duplicates_deleted: int = 0


_FAR = datetime(9999, 1, 1, tzinfo=UTC)


def _created(item: dict[str, Any]) -> datetime | None:
    raw = item.get("created_at")
    if not raw:
        return None
    try:
        return as_utc(datetime.fromisoformat(str(raw).replace("Z", "+00:00")))
    except ValueError:
        return None


def _text(value: Any) -> str:
    return str(value or "").strip()


def sent_fields(item: Any) -> tuple[str, str, str, str]:
    """What pinbot sent for a pin (a queue row or a listed pin): title, description, alt text, link."""
    if isinstance(item, dict):
        return tuple(_text(item.get(k)) for k in ("title", "description", "alt_text", "link"))  # type: ignore[return-value]
    return (_text(item.title), _text(item.description), _text(item.alt_text), _text(item.link))


def check_listed(item: Any, board_pid: str) -> dict[str, Any]:
    """One listed pin as the spec describes it, or MaybeSent: a listing pinbot cannot read is an
    outage, never evidence that a pin is missing."""
    if not isinstance(item, dict):
        raise MaybeSent(f"GET /boards/{board_pid}/pins: a listed pin is not an object ({type(item).__name__})")
    pid = item.get("id")
    if not isinstance(pid, str) or not pid.isdigit():
        raise MaybeSent(f"GET /boards/{board_pid}/pins: a listed pin has no valid id ({pid!r})")
    for key in ("title", "link", "description", "alt_text", "created_at"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise MaybeSent(f"GET /boards/{board_pid}/pins: a listed pin's {key} is not text")
    return item


class BoardListing:
    """One pass's view of a board's pins, by marker and by title."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.by_marker: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.by_title: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in items:
            marker = marker_in(item.get("link"))
            if marker:
                self.by_marker[marker].append(item)
            self.by_title[str(item.get("title") or "")].append(item)

    def find(self, pin: Pin, tagged: bool, window: timedelta, known_ids: set[str]) -> list[dict[str, Any]]:
        """The board's pins that are this queue item, oldest first."""
        if tagged:
            # The marker is unique to this item: title matches would only find other pins.
            hits = self.by_marker.get(pin.marker, [])
            return sorted(hits, key=lambda i: (_created(i) or _FAR, str(i.get("id", ""))))
        # Posted without a marker (untagged or empty link): match the title within the claim's
        # time window, ignoring pins already known as other queue items and pinbot-marked pins.
        claimed = as_utc(pin.claimed_at) if pin.claimed_at else None
        out = []
        for item in self.by_title.get(pin.title, []):
            if str(item.get("id")) in known_ids or marker_in(item.get("link")):
                continue
            created = _created(item)
            if claimed is None or created is None or abs(created - claimed) <= window:
                out.append(item)
        return out


class Reconciler:
    def __init__(
        self,
        engine: Engine,
        account_id: int,
        client: PinterestAPI,
        clock: Clock,
        settings: ReconcileSettings | None = None,
        boards: dict[str, BoardDef] | None = None,
        *,
        delete_duplicates: bool = True,
    ) -> None:
        self.boards = boards or {}
        self.duplicates = DuplicateSweep(engine, account_id, client, delete=delete_duplicates)
        self._last_sweep: datetime | None = None
        self.engine = engine
        self.account_id = account_id
        self.client = client
        self.clock = clock
        self.settings = settings or ReconcileSettings()

    def stale(self, now: datetime) -> list[tuple[Pin, Board]]:
        s = self.settings
        now = as_utc(now)
        stmt = (
            select(Pin, Board)
            .join(Board, col(Board.id) == Pin.board_id)
            .where(
                Pin.account_id == self.account_id,
                Pin.status == PinStatus.posting,
                col(Pin.claimed_at) <= now - s.grace,
                col(Pin.updated_at) <= now - s.recheck,
            )
            .order_by(col(Pin.claimed_at))
            .limit(200)
        )
        with session_scope(self.engine) as session:
            rows = session.exec(stmt).all()
            session.expunge_all()
            return [(p, b) for p, b in rows]

    def _known_ids(self, board_id: int) -> set[str]:
        with session_scope(self.engine) as session:
            rows = session.exec(
                select(Pin.pinterest_pin_id).where(Pin.board_id == board_id, col(Pin.pinterest_pin_id).is_not(None))
            ).all()
        return {r for r in rows if r}

    def _rivals(self, pin: Pin) -> list[Pin]:
        """Other queue items on this pin's board, sent without a marker and not settled by id,
        that a listed pin with this title could equally belong to."""
        with read_scope(self.engine) as session:
            rows = session.exec(
                select(Pin).where(
                    Pin.board_id == pin.board_id,
                    Pin.title == pin.title,
                    col(Pin.id) != pin.id,
                    col(Pin.attempts) > 0,
                    col(Pin.pinterest_pin_id).is_(None),
                    col(Pin.status).in_([PinStatus.posting, PinStatus.queued, PinStatus.needs_attention]),
                )
            ).all()
            session.expunge_all()
        return list(rows)

    def _listing(self, board_pid: str, limit: int | None = None) -> BoardListing:
        items = []
        for item in self.client.iter_board_pins(board_pid):
            items.append(check_listed(item, board_pid))
            if len(items) >= (limit or self.settings.max_listed):
                break
        return BoardListing(items)

    def sweep(self, now: datetime, report: ReconcileReport, listings: dict[str, BoardListing | None]) -> None:
        """The duplicate sweep over boards with recent claims (a listing already read this pass
        is reused); an outage skips the board until the next sweep."""
        s = self.settings
        if self._last_sweep is not None and now - self._last_sweep < s.sweep_every:
            return
        self._last_sweep = now
        found = SweepReport()
        for board in active_boards(self.engine, self.account_id, now - s.sweep_window):
            assert board.pinterest_board_id is not None
            listing = listings.get(board.pinterest_board_id)
            try:
                if listing is None:
                    listing = self._listing(board.pinterest_board_id, s.sweep_listed)
                self.duplicates.board(board, listing.items, now, found)
            except PinterestError as exc:
                log.warning("duplicate sweep: cannot check board %s, will try later: %s", board.key, exc)
        report.duplicates_found += found.found
        report.duplicates_deleted += found.deleted
        report.posted += found.settled

    def run(self, now: datetime | None = None) -> ReconcileReport:
        """One pass over the stale `posting` pins. Never raises for an API outage."""
        now = as_utc(now or self.clock.now())
        report = ReconcileReport()
        listings: dict[str, BoardListing | None] = {}
        for pin, board in self.stale(now):
            if not board.pinterest_board_id:
                self._not_found(pin, now, report)  # never sent: the board had no id to post to
                continue
            if board.pinterest_board_id not in listings:
                try:
                    listings[board.pinterest_board_id] = self._listing(board.pinterest_board_id)
                except PinterestError as exc:
                    log.warning("reconcile: cannot list board %s, will try later: %s", board.key, exc)
                    listings[board.pinterest_board_id] = None
            listing = listings[board.pinterest_board_id]
            if listing is None:
                self._touch(pin, now)
                report.pending += 1
                continue
            assert board.id is not None
            board_def = self.boards.get(board.key)
            tagged = bool(pin.link) and (board_def is None or board_def.link.tag_links)
            known = set() if tagged else self._known_ids(board.id)
            hits = listing.find(pin, tagged, self.settings.title_window, known)
            rivals = self._rivals(pin) if hits and not tagged else []
            if rivals:
                # Only what was sent can tell look-alikes apart; a tie is a guess, and a guess can
                # give one item another's pin and post the other twice.
                mine = sent_fields(pin)
                if any(sent_fields(r) == mine for r in rivals):
                    hits = []
                    message = (
                        f"a pin with the same title is on Pinterest, but {len(rivals)} other queue item(s) on "
                        f"board {board.key} were sent with the same title and text and no marker; check which "
                        "is which on Pinterest, then mark them posted or queue them again"
                    )
                    self._settle(pin, now, PinStatus.needs_attention, None, message)
                    log.error("pin %s needs attention: %s", pin.id, message)
                    report.needs_attention += 1
                    continue
                hits = [h for h in hits if sent_fields(h) == mine]
            if len(hits) == 1:
                self._settle(pin, now, PinStatus.posted, str(hits[0]["id"]), None)
                log.info("pin %s reconciled: found on Pinterest as %s", pin.id, hits[0]["id"], extra=OWNER)
                report.posted += 1
            elif len(hits) > 1:
                ids = ", ".join(str(h["id"]) for h in hits)
                how = "with its marker" if tagged else "by title (no marker)"
                message = f"found {len(hits)} times on Pinterest {how} ({ids}); delete the extras"
                self._settle(pin, now, PinStatus.needs_attention, str(hits[0]["id"]), message)
                log.error("pin %s needs attention: %s", pin.id, message)
                report.needs_attention += 1
            else:
                self._not_found(pin, now, report)
        self.sweep(now, report, listings)
        return report

    def _where(self, pin: Pin) -> Any:
        return (
            (col(Pin.id) == pin.id)
            & (col(Pin.attempt_id) == pin.attempt_id)
            & (Pin.status == PinStatus.posting)
            & (col(Pin.reconcile_checks) == pin.reconcile_checks)
        )

    def _update(self, pin: Pin, **values: Any) -> bool:
        with session_scope(self.engine) as session:
            return bool(session.execute(update(Pin).where(self._where(pin)).values(**values)).rowcount == 1)  # type: ignore[attr-defined]

    def _touch(self, pin: Pin, now: datetime) -> None:
        self._update(pin, updated_at=now)

    def _settle(
        self, pin: Pin, now: datetime, status: PinStatus, pinterest_id: str | None, message: str | None
    ) -> None:
        self._update(
            pin,
            status=status,
            pinterest_pin_id=pinterest_id,
            posted_at=(pin.claimed_at or now) if pinterest_id else None,
            last_error=message,
            updated_at=now,
            reconcile_checks=pin.reconcile_checks + 1,
        )

    def _not_found(self, pin: Pin, now: datetime, report: ReconcileReport) -> None:
        s = self.settings
        checks = pin.reconcile_checks + 1
        if checks % s.checks_per_requeue:
            self._update(pin, reconcile_checks=checks, updated_at=now)
            report.pending += 1
            return
        if checks // s.checks_per_requeue > s.max_requeues:
            message = f"not found on Pinterest after {checks} checks and {s.max_requeues} re-posts; check by hand"
            self._update(
                pin, status=PinStatus.needs_attention, reconcile_checks=checks, last_error=message, updated_at=now
            )
            log.error("pin %s needs attention: %s", pin.id, message)
            report.needs_attention += 1
            return
        if self._update(
            pin,
            status=PinStatus.queued,
            due_at=now,
            reconcile_checks=checks,
            last_error="not found on Pinterest after the last attempt; queued again",
            updated_at=now,
        ):
            log.info("pin %s not on Pinterest after %s checks: queued again", pin.id, checks, extra=OWNER)
            report.requeued += 1
