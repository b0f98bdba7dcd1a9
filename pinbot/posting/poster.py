"""Posting one due pin: render -> claim -> post -> record, each failure class to its state.

Owns the posting half of the state machine in docs/posting-exactly-once.md. The image is rendered
before the claim; the claim (state `posting`, a fresh attempt id, a `PostAttempt` row) commits
before the request leaves; the outcome is recorded by attempt id. Surely-not-sent and 429 go back
to `queued` (backoff / Retry-After); 401 gets one token refresh and one retry; 400/403/404 fail
with Pinterest's message; anything ambiguous stays `posting` for `pinbot.posting.reconcile`. A spam
block, a dead login or a trial app stop posting for the account instead of failing pins.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from pinbot.clock import Clock, as_utc
from pinbot.errors import ImageError, PinbotError
from pinbot.links import domain_of, is_shortener, tagged_link
from pinbot.logs import OWNER
from pinbot.pinterest.errors import (
    InsufficientScope,
    InvalidGrant,
    MaybeSent,
    NotAuthenticated,
    NotSent,
    PinterestError,
    RateLimited,
    RequestRejected,
    SpamBlocked,
    TrialAppProduction,
    Unauthorized,
)
from pinbot.pinterest.types import NewPin, PinImage, PinterestAPI
from pinbot.posting.claim import AttemptError, claim_pin, defer, due_pins, fail_unclaimed, finish
from pinbot.posting.images import ImageSource
from pinbot.shop.boards import BoardDef
from pinbot.store import state as service_state
from pinbot.store.db import read_scope
from pinbot.store.driver import HotConnection, hot_connection
from pinbot.store.models import Board, Pin, PinStatus, Product

log = logging.getLogger(__name__)

UNSYNCED_DELAY = timedelta(hours=1)
DEAD_LINK_DELAY = timedelta(hours=6)  # a broken or sold-out link is looked at again this much later
ACCOUNT_HOLD = timedelta(minutes=15)
MAX_RETRY_AFTER = 24 * 3600.0
LOOKAHEAD = 5  # due pins read per post: the next ones to try when another service wins the race


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with jitter, by attempt number (1 = first retry)."""

    base: float = 30.0
    cap: float = 3600.0

    def seconds(self, attempt: int, rng: random.Random) -> float:
        raw = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return raw * rng.uniform(0.8, 1.2)


@dataclass
class PostResult:
    pin_id: int
    outcome: str  # posted, retry, failed, ambiguous, blocked, deferred, lost, dry_run
    message: str = ""
    pinterest_pin_id: str | None = None
    retry_after: float | None = None  # the whole account should wait this long (429)


@dataclass
class Poster:
    engine: Engine
    account_id: int
    client: PinterestAPI | None
    clock: Clock
    boards: dict[str, BoardDef]
    images: ImageSource
    worker_id: str
    dry_run: bool = False
    refresh: Callable[[], object] | None = None  # one token refresh after a 401, if the client lacks it
    # How long a claim stays good for sending: the request must be over by claimed_at + lease, which
    # is kept below reconcile's grace. None: no limit (tests and tools that never reconcile).
    lease: timedelta | None = None
    backoff: Backoff = field(default_factory=Backoff)
    rng: random.Random = field(default_factory=random.Random)
    # (pin, product, the link as it would be posted) -> why not to post it now, or None
    link_gate: Callable[[Pin, Product | None, str], str | None] | None = None
    _shown: set[int] = field(default_factory=set)  # dry run: pins already reported
    _conn: HotConnection | None = field(default=None, init=False, repr=False)  # the connection of the post in hand
    _raced: bool = field(default=False, init=False, repr=False)  # lost a claim to another service
    _spread: int = field(default=0, init=False, repr=False)  # which of the due pins to try first
    _spreader: random.Random = field(default_factory=random.Random, init=False, repr=False)

    def post_next(self, now: datetime, conn: HotConnection | None = None) -> PostResult | None:
        """Post (or, dry run, describe) the next due pin. None when nothing is due. The claim path's
        statements share one pool check-out: the caller's `conn`, or one taken here."""
        if conn is None:
            with hot_connection(self.engine) as held:
                return self.post_next(now, held)
        self._conn = conn
        try:
            return self._post_next(now, conn)
        finally:
            self._conn = None

    def _db(self) -> Engine | HotConnection:
        """Where the claim path's statements go: the connection of the post in hand, if any."""
        return self._conn if self._conn is not None else self.engine

    def _post_next(self, now: datetime, conn: HotConnection) -> PostResult | None:
        # Alone, a service posts the oldest due pin: it reads just that one. Once it has lost a race
        # to another service it reads the next few too, and starts at another of them.
        limit = LOOKAHEAD + len(self._shown) if self.dry_run or self._raced else 1
        for pin, board in due_pins(conn, self.account_id, now, limit=limit, start=self._spread):
            assert pin.id is not None
            if self.dry_run and pin.id in self._shown:
                continue
            board_def = self.boards.get(board.key)
            if not board.pinterest_board_id:
                message = f"board {board.key} is not synced: run pinbot boards sync"
                if self.dry_run:
                    self._shown.add(pin.id)
                    log.info("dry-run pin %s: would wait, %s", pin.id, message, extra=OWNER)
                    return PostResult(pin.id, "dry_run", message)
                defer(self.engine, pin.id, now + UNSYNCED_DELAY, message, now)
                log.warning("pin %s deferred: %s", pin.id, message)
                return PostResult(pin.id, "deferred", message)
            product = self._product(pin)  # a database error is no fault of this pin: the job retries
            try:
                if pin.link and is_shortener(pin.link):
                    raise ImageError("link", f"{domain_of(pin.link)} is a link shortener (spam trigger)")
                image, rendered = self.images.image_for(pin, board_def, product)
            except PinbotError as exc:  # a bad photo, a missing template: this pin only
                return self._refuse(pin, now, str(exc))
            except OSError:
                raise  # the render cache's disk (full, read-only) fails every pin alike: the job backs off
            except Exception as exc:
                # A renderer bug must not hold up every pin due after this one: fail it with the
                # reason, post the next one in the same pass.
                log.exception("pin %s: rendering crashed", pin.id)
                return self._refuse(pin, now, f"rendering crashed ({type(exc).__name__}: {exc}); report this bug")
            dead = self.link_gate(pin, product, self._link(pin, board_def)) if self.link_gate and pin.link else None
            if dead:
                message = f"not posted: {dead}; fix the page or the link, pinbot looks again in 6 hours"
                if self.dry_run:
                    self._shown.add(pin.id)
                else:
                    defer(self.engine, pin.id, now + DEAD_LINK_DELAY, message, now)
                log.warning("pin %s %s", pin.id, message)
                return PostResult(pin.id, "dry_run" if self.dry_run else "deferred", message)
            if self.dry_run:
                self._shown.add(pin.id)
                link = self._link(pin, board_def)
                log.info(
                    "dry-run pin %s: would post %r to board %s with %s, link %s",
                    pin.id,
                    pin.title,
                    board.key,
                    rendered,  # the whole path: the owner can open the image
                    link or "(none)",
                    extra=OWNER,  # what `run --once --dry-run` is for
                )
                return PostResult(pin.id, "dry_run", str(rendered))
            # The claim's time is when it really happens (rendering took a while since `now`): the
            # lease and reconcile's grace both count from it.
            claimed = claim_pin(conn, pin.id, max(now, self.clock.now()), self.worker_id, str(rendered))
            if claimed is None:
                # Another service took it between our read and our claim. Services sharing a queue
                # all read the same oldest pins: from now on this one starts at another of them,
                # or they would keep racing (and rendering) for the same pin. Alone, it never races
                # and keeps the strict oldest-first order.
                self._raced = True
                self._spread = self._spreader.randrange(LOOKAHEAD)
                continue
            return self._post(claimed, board, board_def, image, now)
        if limit == 1 and self._raced:  # the one pin read went to another service: look further
            return self._post_next(now, conn)
        return None

    def _product(self, pin: Pin) -> Product | None:
        if pin.product_id is None:
            return None
        with read_scope(self.engine) as session:
            product = session.get(Product, pin.product_id)
            if product is not None:
                session.expunge(product)
            return product

    def _refuse(self, pin: Pin, now: datetime, message: str) -> PostResult:
        assert pin.id is not None
        if self.dry_run:
            self._shown.add(pin.id)
            log.warning("dry-run pin %s: would fail: %s", pin.id, message)
            return PostResult(pin.id, "dry_run", message)
        fail_unclaimed(self.engine, pin.id, now, message, status=PinStatus.failed)
        log.error("pin %s failed: %s (fix it, then `pinbot queue retry %s`)", pin.id, message, pin.id)
        return PostResult(pin.id, "failed", message)

    @staticmethod
    def _link(pin: Pin, board_def: BoardDef | None) -> str:
        if not pin.link or (board_def is not None and not board_def.link.tag_links):
            return pin.link
        rules = board_def.link if board_def is not None else None
        return tagged_link(
            pin.link,
            marker=pin.marker,
            campaign=board_def.campaign if board_def is not None else "pinbot",
            design=pin.variant_key or pin.template,
            source=rules.utm_source if rules else "pinterest",
            medium=rules.utm_medium if rules else "social",
        )

    def _create(self, new: NewPin) -> dict[str, Any]:
        assert self.client is not None, "posting needs a Pinterest client"
        try:
            return self.client.create_pin(new)
        except (InvalidGrant, InsufficientScope):
            raise
        except Unauthorized:
            if self.refresh is None:
                raise
            log.info("401 from Pinterest: refreshing the token once and retrying")
            self.refresh()
            return self.client.create_pin(new)  # 401 means nothing was created: safe to repeat

    def _post(self, pin: Pin, board: Board, board_def: BoardDef | None, image: PinImage, now: datetime) -> PostResult:
        assert pin.id is not None and board.pinterest_board_id
        new = NewPin(
            board_id=board.pinterest_board_id,
            title=pin.title,
            description=pin.description,
            link=self._link(pin, board_def),
            alt_text=pin.alt_text,
            image=image,
            board_section_id=None,
            deadline=as_utc(pin.claimed_at) + self.lease if self.lease is not None and pin.claimed_at else None,
        )
        try:
            created = self._create(new)
        except BaseException as exc:  # every class is routed below; KeyboardInterrupt is re-raised
            result = self._failed(pin, exc, self.clock.now())
            if not isinstance(exc, Exception):
                raise
            return result
        done = self.clock.now()
        raw_id = created.get("id") if isinstance(created, dict) else None
        if not isinstance(raw_id, str | int) or isinstance(raw_id, bool) or not str(raw_id).isdigit():
            # Created, probably, but with no id to record: reconcile finds it by its marker.
            what = f"POST /pins: Pinterest answered without a usable pin id ({raw_id!r}); it may have created the pin"
            return self._failed(pin, MaybeSent(what), done)
        pinterest_id = str(raw_id)
        values = {"pinterest_pin_id": pinterest_id, "posted_at": as_utc(done), "last_error": None}
        if not finish(self._db(), pin, done, outcome="posted", status=PinStatus.posted, pin_values=values):
            log.warning(
                "pin %s posted as %s but its claim was lost; the duplicate sweep removes it if it is a second copy",
                pin.id,
                pinterest_id,
            )
            return PostResult(pin.id, "lost", "claim lost", pinterest_id)
        log.info("pin %s posted: Pinterest id %s (board %s)", pin.id, pinterest_id, board.key, extra=OWNER)
        return PostResult(pin.id, "posted", pinterest_pin_id=pinterest_id)

    def _requeue(self, pin: Pin, now: datetime, err: AttemptError, seconds: float, outcome: str = "retry") -> None:
        due = as_utc(now) + timedelta(seconds=seconds)
        finish(self._db(), pin, now, outcome=outcome, status=PinStatus.queued, error=err, pin_values={"due_at": due})

    def _failed(self, pin: Pin, exc: BaseException, now: datetime) -> PostResult:
        """Route one failure of create_pin to the state docs/posting-exactly-once.md gives it."""
        assert pin.id is not None
        err = AttemptError.of(exc)
        if isinstance(exc, SpamBlocked):
            self._requeue(pin, now, err, 0, outcome="spam_block")
            service_state.record_spam_block(self.engine, self.account_id, err.message, now)
            log.error("pin %s: spam block, posting stopped for the account: %s", pin.id, err.message)
            return PostResult(pin.id, "blocked", err.message)
        if isinstance(exc, RateLimited):
            wait = min(max(exc.retry_after, 1.0), MAX_RETRY_AFTER) * self.rng.uniform(1.0, 1.1)
            self._requeue(pin, now, err, wait, outcome="rate_limited")
            log.warning("pin %s: rate limited, back in queue in %.0f s: %s", pin.id, wait, err.message)
            return PostResult(pin.id, "retry", err.message, retry_after=wait)
        if isinstance(exc, InvalidGrant | InsufficientScope | NotAuthenticated | TrialAppProduction):
            self._requeue(pin, now, err, ACCOUNT_HOLD.total_seconds(), outcome="blocked")
            service_state.hold_posting(self.engine, self.account_id, now + ACCOUNT_HOLD, err.message, now)
            log.error("pin %s: posting on hold for the account: %s", pin.id, err.message)
            return PostResult(pin.id, "blocked", err.message, retry_after=ACCOUNT_HOLD.total_seconds())
        if isinstance(exc, NotSent | Unauthorized):
            wait = self.backoff.seconds(pin.attempts, self.rng)
            self._requeue(pin, now, err, wait)
            log.warning("pin %s: not sent, back in queue in %.0f s: %s", pin.id, wait, err.message)
            return PostResult(pin.id, "retry", err.message)
        if isinstance(exc, RequestRejected):
            finish(self._db(), pin, now, outcome="failed", status=PinStatus.failed, error=err)
            log.error("pin %s failed: %s", pin.id, err.message)
            return PostResult(pin.id, "failed", err.message)
        # MaybeSent, an unclassified error, or a crash of our own while the request was out: the pin
        # may exist on Pinterest. It stays `posting` until reconcile has looked for its marker.
        finish(self._db(), pin, now, outcome="ambiguous", status=PinStatus.posting, error=err)
        if not isinstance(exc, MaybeSent | PinterestError):
            log.exception("pin %s: unexpected error while posting; reconcile will check", pin.id, exc_info=exc)
        else:
            log.warning("pin %s: outcome unknown, reconcile will check: %s", pin.id, err.message)
        return PostResult(pin.id, "ambiguous", err.message)
