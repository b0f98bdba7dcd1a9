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

from sqlalchemy import Engine, bindparam, func, update
from sqlalchemy import select as sa_select
from sqlmodel import col

from pinbot.clock import Clock, as_utc
from pinbot.errors import ImageError, PinbotError
from pinbot.links import domain_of, is_shortener, tagged_link
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
from pinbot.posting.images import ImageSource
from pinbot.shop.boards import BoardDef
from pinbot.store import state as service_state
from pinbot.store.db import detached, read_connection, read_scope, session_scope, write_connection
from pinbot.store.models import Board, Pin, PinStatus, Product, new_uid
from pinbot.store.tables import ATTEMPT, BOARD, PIN

log = logging.getLogger(__name__)

UNSYNCED_DELAY = timedelta(hours=1)
DEAD_LINK_DELAY = timedelta(hours=6)  # a broken or sold-out link is looked at again this much later
ACCOUNT_HOLD = timedelta(minutes=15)
MAX_RETRY_AFTER = 24 * 3600.0


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
class _Error:
    status: int | None = None
    code: int | None = None
    request_id: str | None = None
    message: str = ""

    @classmethod
    def of(cls, exc: BaseException) -> _Error:
        if isinstance(exc, PinterestError):
            return cls(exc.status, exc.code, exc.request_id, str(exc))
        return cls(message=f"{type(exc).__name__}: {exc}")


_ATTEMPT_OUTCOME = ("finished_at", "outcome", "http_status", "error_code", "request_id", "message")


def due_pins(engine: Engine, account_id: int, now: datetime, limit: int = 5) -> list[tuple[Pin, Board]]:
    """The next due `queued` pins with their boards, oldest first (a read; nothing is claimed)."""
    with read_connection(engine) as conn:
        rows = conn.execute(_DUE, {"p_account": account_id, "p_now": as_utc(now), "p_limit": limit})
        return [(detached(Pin, row._mapping), _board_of(row)) for row in rows]


def claim_pin(engine: Engine, pin_id: int, now: datetime, worker_id: str, rendered: str | None) -> Pin | None:
    """Claim this one pin if it is still queued and due: one committed transaction that moves it to
    `posting` with a fresh attempt id and writes its `PostAttempt` row. None if another worker won.
    PostgreSQL skips a row another worker has locked (FOR UPDATE SKIP LOCKED) instead of waiting."""
    now = as_utc(now)
    attempt_id = new_uid()
    params = {"p_pin": pin_id, "p_now": now, "p_attempt": attempt_id, "p_worker": worker_id, "p_rendered": rendered}
    with write_connection(engine) as conn:
        row = conn.execute(_claim_statement(engine.dialect.name), params).first()
        if row is None:
            return None
        conn.execute(_ATTEMPT_STARTED, params)
    return detached(Pin, row._mapping)


def finish(
    engine: Engine,
    pin: Pin,
    now: datetime,
    *,
    outcome: str,
    status: PinStatus,
    error: _Error | None = None,
    pin_values: dict[str, Any] | None = None,
) -> bool:
    """Record an attempt's outcome and move its pin, in one transaction, only if the claim is
    still ours (`attempt_id` matches and the pin is `posting`). False when the claim was lost."""
    now = as_utc(now)
    err = error or _Error()
    values: dict[str, Any] = {"status": status, "updated_at": now, **(pin_values or {})}
    if status != PinStatus.posted:
        values.setdefault("last_error", err.message or None)
    ours = {"p_pin": pin.id, "p_attempt": pin.attempt_id}
    attempt = {
        **ours,
        "p_finished_at": now,
        "p_outcome": outcome,
        "p_http_status": err.status,
        "p_error_code": err.code,
        "p_request_id": err.request_id,
        "p_message": err.message or None,
    }
    changes = {f"p_{k}": v for k, v in values.items()}
    with write_connection(engine) as conn:
        owned = conn.execute(_finish_statement(tuple(sorted(values))), {**ours, **changes}).rowcount == 1
        conn.execute(_ATTEMPT_FINISHED, attempt)
    return bool(owned)


# The hot path's statements, built once: SQLAlchemy then reuses their compiled form, and no ORM
# session, unit of work or identity map runs per pin (they cost several times the SQL itself).
_BOARD_COLUMNS = [c.label(f"board__{c.key}") for c in BOARD.c]
_DUE = (
    sa_select(PIN, *_BOARD_COLUMNS)
    .join(BOARD, BOARD.c.id == PIN.c.board_id)
    .where(
        PIN.c.account_id == bindparam("p_account"),
        PIN.c.status == PinStatus.queued,
        PIN.c.due_at <= bindparam("p_now", type_=PIN.c.due_at.type),
    )
    .order_by(PIN.c.due_at, PIN.c.id)
    .limit(bindparam("p_limit"))
)
_ATTEMPT_STARTED = ATTEMPT.insert().values(
    pin_id=bindparam("p_pin"),
    attempt_id=bindparam("p_attempt"),
    worker_id=bindparam("p_worker"),
    started_at=bindparam("p_now", type_=ATTEMPT.c.started_at.type),
)
_ATTEMPT_FINISHED = (
    ATTEMPT.update()
    .where(ATTEMPT.c.attempt_id == bindparam("p_attempt"), ATTEMPT.c.pin_id == bindparam("p_pin"))
    .values({k: bindparam(f"p_{k}", type_=ATTEMPT.c[k].type) for k in _ATTEMPT_OUTCOME})
)
_TEXT = PIN.c.rendered_path.type
_claims: dict[str, Any] = {}
_finishes: dict[tuple[str, ...], Any] = {}


def _board_of(row: Any) -> Board:
    m = row._mapping
    return detached(Board, {c.key: m[f"board__{c.key}"] for c in BOARD.c})


def _claim_statement(dialect: str) -> Any:
    stmt = _claims.get(dialect)
    if stmt is None:
        target = sa_select(PIN.c.id).where(
            PIN.c.id == bindparam("p_pin"),
            PIN.c.status == PinStatus.queued,
            PIN.c.due_at <= bindparam("p_now", type_=PIN.c.due_at.type),
        )
        if dialect == "postgresql":
            target = target.with_for_update(skip_locked=True)
        stmt = _claims[dialect] = (
            PIN.update()
            .where(PIN.c.id == target.scalar_subquery())
            .values(
                status=PinStatus.posting,
                attempt_id=bindparam("p_attempt"),
                claimed_by=bindparam("p_worker"),
                claimed_at=bindparam("p_now", type_=PIN.c.claimed_at.type),
                attempts=PIN.c.attempts + 1,
                updated_at=bindparam("p_now", type_=PIN.c.updated_at.type),
                # None keeps the path a previous attempt rendered
                rendered_path=func.coalesce(
                    bindparam("p_rendered", type_=PIN.c.rendered_path.type), PIN.c.rendered_path
                ),
            )
            .returning(*PIN.c)
        )
    return stmt


def _finish_statement(keys: tuple[str, ...]) -> Any:
    stmt = _finishes.get(keys)
    if stmt is None:
        stmt = _finishes[keys] = (
            PIN.update()
            .where(
                PIN.c.id == bindparam("p_pin"),
                PIN.c.attempt_id == bindparam("p_attempt"),
                PIN.c.status == PinStatus.posting,
            )
            .values({k: bindparam(f"p_{k}", type_=PIN.c[k].type) for k in keys})
        )
    return stmt


def _fail_unclaimed(engine: Engine, pin_id: int, now: datetime, message: str, *, status: PinStatus) -> None:
    """Move a queued pin that was never claimed (bad image, lint) to `status`."""
    stmt = (
        update(Pin)
        .where(col(Pin.id) == pin_id, col(Pin.status) == PinStatus.queued)
        .values(status=status, last_error=message, updated_at=as_utc(now))
    )
    with session_scope(engine) as session:
        session.execute(stmt)


def _defer(engine: Engine, pin_id: int, due_at: datetime, message: str, now: datetime) -> None:
    stmt = (
        update(Pin)
        .where(col(Pin.id) == pin_id, col(Pin.status) == PinStatus.queued)
        .values(due_at=as_utc(due_at), last_error=message, updated_at=as_utc(now))
    )
    with session_scope(engine) as session:
        session.execute(stmt)


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

    def post_next(self, now: datetime) -> PostResult | None:
        """Post (or, dry run, describe) the next due pin. None when nothing is due."""
        for pin, board in due_pins(self.engine, self.account_id, now, limit=5 + len(self._shown)):
            assert pin.id is not None
            if self.dry_run and pin.id in self._shown:
                continue
            board_def = self.boards.get(board.key)
            if not board.pinterest_board_id:
                message = f"board {board.key} is not synced: run pinbot boards sync"
                if self.dry_run:
                    self._shown.add(pin.id)
                    log.info("dry-run pin %s: would wait, %s", pin.id, message)
                    return PostResult(pin.id, "dry_run", message)
                _defer(self.engine, pin.id, now + UNSYNCED_DELAY, message, now)
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
                    _defer(self.engine, pin.id, now + DEAD_LINK_DELAY, message, now)
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
                    rendered.name,
                    link or "(none)",
                )
                return PostResult(pin.id, "dry_run", str(rendered))
            # The claim's time is when it really happens (rendering took a while since `now`): the
            # lease and reconcile's grace both count from it.
            claimed = claim_pin(self.engine, pin.id, max(now, self.clock.now()), self.worker_id, str(rendered))
            if claimed is None:
                continue  # another worker took it between our read and our claim
            return self._post(claimed, board, board_def, image, now)
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
        _fail_unclaimed(self.engine, pin.id, now, message, status=PinStatus.failed)
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
        if not finish(self.engine, pin, done, outcome="posted", status=PinStatus.posted, pin_values=values):
            log.warning(
                "pin %s posted as %s but its claim was lost; the duplicate sweep removes it if it is a second copy",
                pin.id,
                pinterest_id,
            )
            return PostResult(pin.id, "lost", "claim lost", pinterest_id)
        log.info("pin %s posted: Pinterest id %s (board %s)", pin.id, pinterest_id, board.key)
        return PostResult(pin.id, "posted", pinterest_pin_id=pinterest_id)

    def _requeue(self, pin: Pin, now: datetime, err: _Error, seconds: float, outcome: str = "retry") -> None:
        due = as_utc(now) + timedelta(seconds=seconds)
        finish(self.engine, pin, now, outcome=outcome, status=PinStatus.queued, error=err, pin_values={"due_at": due})

    def _failed(self, pin: Pin, exc: BaseException, now: datetime) -> PostResult:
        """Route one failure of create_pin to the state docs/posting-exactly-once.md gives it."""
        assert pin.id is not None
        err = _Error.of(exc)
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
            finish(self.engine, pin, now, outcome="failed", status=PinStatus.failed, error=err)
            log.error("pin %s failed: %s", pin.id, err.message)
            return PostResult(pin.id, "failed", err.message)
        # MaybeSent, an unclassified error, or a crash of our own while the request was out: the pin
        # may exist on Pinterest. It stays `posting` until reconcile has looked for its marker.
        finish(self.engine, pin, now, outcome="ambiguous", status=PinStatus.posting, error=err)
        if not isinstance(exc, MaybeSent | PinterestError):
            log.exception("pin %s: unexpected error while posting; reconcile will check", pin.id, exc_info=exc)
        else:
            log.warning("pin %s: outcome unknown, reconcile will check: %s", pin.id, err.message)
        return PostResult(pin.id, "ambiguous", err.message)
