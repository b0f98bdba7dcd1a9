"""Keeping the loops topped up: what each loop adds to the queue now (the daemon's `loops` job).

Owns one pass over the active loops: which in-stock products of each loop's selection are due on
which of its boards (`every_days` after that product's last live pin there, none while one is still
queued), seasonal loops only inside their dates (their queued pins outside the season are
cancelled), a fresh (photo, design) pair per pin, search-minded wording, and how many pins fit:
the free slots under the daily cap up to the loop's horizon, shared by all loops, earliest due
first. The pins go through `QueueService.enqueue`, so the planner's windows, cap and spacing and
the lint apply exactly as to a pin queued by hand; `not_before` keeps a product's turn from
coming early.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, update
from sqlalchemy import select as sa_select

from pinbot.clock import as_utc
from pinbot.loops.designs import DesignOrder, fresh_choice
from pinbot.loops.season import in_season, season_around
from pinbot.loops.store import LoopStore
from pinbot.loops.wording import write
from pinbot.queue.designs import preferred_designs
from pinbot.queue.lint import LIVE, design_key
from pinbot.queue.service import PinRequest, QueueService
from pinbot.render.template_file import list_templates
from pinbot.review.verdicts import Verdicts, loop_verdicts
from pinbot.shop.rules import ScheduleRules
from pinbot.store.db import read_scope, session_scope
from pinbot.store.models import Loop, PinStatus
from pinbot.store.tables import BOARD, PIN, PRODUCT

BOOST_PERIOD = 0.75  # a product the review says to continue comes back a quarter sooner


@dataclass
class TopUpResult:
    created: int = 0
    cancelled: int = 0  # queued pins of seasonal loops that fell outside their season
    wanted: int = 0  # pins that were due within the horizon
    deferred: int = 0  # due, but no room under the daily cap yet: the next pass takes them
    stale: list[str] = field(default_factory=list)  # product/board pairs with no fresh design left
    stopped: list[int] = field(default_factory=list)  # products the review says to stop: left out
    by_loop: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "cancelled": self.cancelled,
            "wanted": self.wanted,
            "deferred": self.deferred,
            "no_fresh_design": self.stale,
            "stopped_by_review": self.stopped,
            "by_loop": self.by_loop,
        }


@dataclass(frozen=True)
class _Product:
    id: int
    title: str
    description: str
    link: str
    images: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class _History:
    """One product on one board so far: pins ever made, the last live one's time, one still queued."""

    count: int
    last: datetime | None
    queued: bool


def _as_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands MAX() of a datetime back as text
        value = datetime.fromisoformat(value)
    return as_utc(value)


@dataclass
class _Candidate:
    not_before: datetime
    loop_id: int
    request: PinRequest


class LoopRunner:
    def __init__(
        self,
        queue: QueueService,
        rules: ScheduleRules,
        assets_dir: Path,
        *,
        use_review: bool = True,
    ) -> None:
        self.queue = queue
        self.rules = rules
        self.assets_dir = assets_dir
        self.use_review = use_review
        self.store = LoopStore(queue.engine, queue.account_id, queue.boards, queue.clock)
        self._verdicts: tuple[date, Verdicts] | None = None
        # Design orders outlive a pass while the verdicts and the templates folder stay the same.
        self._orders: dict[tuple[int, str | None, str | None], DesignOrder] = {}
        self._orders_basis: tuple[Verdicts, tuple[str, ...]] | None = None

    @property
    def tz(self) -> Any:
        return getattr(self.queue.planner, "tz", None) or _utc()

    def top_up(self, now: datetime | None = None) -> TopUpResult:
        now = as_utc(now or self.queue.clock.now())
        tz = self.tz
        today = now.astimezone(tz).date()
        result = TopUpResult()
        loops = self.store.list(active_only=True)
        if not loops:
            return result
        result.cancelled = self._cancel_out_of_season(loops, tz)
        ahead = max(lp.ahead_days for lp in loops)
        room = self._room(today, tz, ahead, self._queued_until(now + timedelta(days=ahead + 1)))
        if room == 0:
            return result  # the queue is full to the horizon: most of the service's hourly passes end here
        engine, account = self.queue.engine, self.queue.account_id
        if self._verdicts is None or self._verdicts[0] != today:  # the review changes once a day at most
            self._verdicts = (today, loop_verdicts(engine, account, today) if self.use_review else Verdicts())
        verdicts = self._verdicts[1]
        products, board_ids, history = self._load()
        result.stopped = sorted(pid for pid in verdicts.stop_products if pid in products)
        for pid in result.stopped:
            del products[pid]  # the review says stop: it leaves every loop until the review changes its mind
        due_items: list[tuple[datetime, int, int, Loop, _Product, str, _History | None, datetime]] = []
        proposed: set[tuple[int, str]] = set()  # two loops on one board: the product goes once
        for loop in loops:
            assert loop.id is not None
            horizon = now + timedelta(days=loop.ahead_days)
            window = self._window(loop, today, tz, horizon)
            if window is None:
                continue
            opens, closes = window
            chosen = self._select(loop, products, history, board_ids)
            for rank, product in enumerate(chosen):
                # A product's first turn is staggered over the loop's period, so a new loop (or a
                # product back in stock) spreads out instead of filling the next days and leaving a gap.
                anchor = as_utc(loop.created_at) if closes is None else opens
                first_turn = anchor + timedelta(days=loop.every_days) * rank / max(1, len(chosen))
                for board_key in loop.boards:
                    board_id = board_ids.get(board_key)
                    hist = history.get((product.id, board_id)) if board_id is not None else None
                    if (product.id, board_key) in proposed or (hist is not None and hist.queued):
                        continue  # its next turn is already in the queue
                    last = hist.last if hist is not None else None
                    every = timedelta(days=loop.every_days)
                    if product.id in verdicts.boost_products:
                        every *= BOOST_PERIOD  # the review says continue: its turns come sooner
                    due = max(now, opens, last + every if last else first_turn)
                    if due > horizon or (closes is not None and due > closes):
                        continue
                    proposed.add((product.id, board_key))
                    # Placed at most a day past the horizon (a turn due at its edge lands in the next
                    # window), never after the season: else not queued, and a later pass tries again.
                    limit = horizon + timedelta(days=1) if closes is None else min(horizon + timedelta(days=1), closes)
                    due_items.append((due, loop.id, product.id, loop, product, board_key, hist, limit))
        result.wanted = len(due_items)
        boost = verdicts.boost_products
        due_items.sort(key=lambda item: (item[0], item[2] not in boost, item[1], item[2], item[5]))
        preferred = preferred_designs(engine, account, {item[2] for item in due_items[: room * 2]})
        templates = tuple(list_templates(self.assets_dir))
        if self._orders_basis != (verdicts, templates):
            self._orders, self._orders_basis = {}, (verdicts, templates)
        taken: list[_Candidate] = []
        used = self._used_designs({item[2] for item in due_items[: room * 2]})
        for due, loop_id, product_id, loop, product, board_key, hist, limit in due_items:
            if len(taken) >= room:
                break
            look = self.queue.boards[board_key].default_template
            order_key = (product_id, preferred.get(product_id), look)
            order = self._orders.get(order_key)
            if order is None:
                order = self._orders[order_key] = DesignOrder.build(
                    f"product:{product_id}", templates, verdicts, preferred.get(product_id), look
                )
            board_id = board_ids.get(board_key, -1)  # a board never pinned to yet has no row, nothing used
            choice = fresh_choice(product.images, order, used.get((product_id, board_id), ()))
            if choice is None:
                result.stale.append(f"product {product_id} on {board_key}")
                continue
            n = hist.count if hist is not None else 0
            request = self._request(loop, product, board_key, choice, n, due, limit)
            taken.append(_Candidate(due, loop_id, request))
        result.deferred = len(due_items) - len(taken) - len(result.stale)
        if taken:
            made = self.queue.enqueue([c.request for c in taken])
            result.created = len(made.created)
            result.deferred += len(made.later)
            later = set(made.later)
            names = {lp.id: lp.name for lp in loops}
            for c in taken:
                if c.request.key_for(c.request.boards[0]) not in later:
                    result.by_loop[names[c.loop_id]] = result.by_loop.get(names[c.loop_id], 0) + 1
        return result

    # -- pieces ----------------------------------------------------------------------------
    def _window(self, loop: Loop, today: date, tz: Any, horizon: datetime) -> tuple[datetime, datetime | None] | None:
        """(earliest time, latest time or None) the loop may place pins at; None when out of season."""
        if loop.kind != "seasonal" or not loop.season_start or not loop.season_end:
            return datetime.min.replace(tzinfo=horizon.tzinfo), None
        first, last = season_around(today, loop.season_start, loop.season_end)
        opens = datetime.combine(first, time.min, tz)
        closes = datetime.combine(last + timedelta(days=1), time.min, tz) - timedelta(seconds=1)
        if opens > horizon:
            return None
        return as_utc(opens), as_utc(closes)

    def _request(
        self,
        loop: Loop,
        product: _Product,
        board_key: str,
        choice: tuple[str, str],
        n: int,
        due: datetime,
        limit: datetime,
    ) -> PinRequest:
        image, variant = choice
        board = self.queue.boards[board_key]
        words = write(product.title, product.description, product.tags, board.keywords, loop.keywords, n)
        return PinRequest(
            boards=(board_key,),
            title=words.title,
            description=words.description,
            link=product.link,
            image=image,
            alt_text=product.title[:500],
            template=variant.split(".")[0],
            variant_key=variant,
            product_id=product.id,
            source_key=f"loop:{loop.id}:p{product.id}:n{n}",
            loop_id=loop.id,
            not_before=due,
            not_after=limit,
        )

    def _select(
        self,
        loop: Loop,
        products: dict[int, _Product],
        history: dict[tuple[int, int], _History],
        board_ids: dict[str, int],
    ) -> list[_Product]:
        sel = loop.selection
        if sel.get("all"):
            return list(products.values())
        if "tags" in sel:
            wanted = set(sel["tags"])
            return [p for p in products.values() if wanted & {t.lower() for t in p.tags}]
        if "products" in sel:
            return [products[i] for i in sel["products"] if i in products]
        if "boards" in sel:
            ids = {board_ids[k] for k in sel["boards"] if k in board_ids}
            on = {pid for (pid, bid) in history if bid in ids}
            return [p for pid, p in products.items() if pid in on]
        return []

    def _room(self, today: date, tz: Any, ahead: int, queued: int) -> int:
        """Free slots under the daily cap from today to the horizon (allowed weekdays only)."""
        days = [today + timedelta(days=i) for i in range(ahead + 1)]
        allowed = sum(1 for d in days if d.weekday() in self.rules.weekdays)
        return max(0, allowed * self.rules.daily_cap - queued)

    def _load(self) -> tuple[dict[int, _Product], dict[str, int], dict[tuple[int, int], _History]]:
        """In-stock products, board ids, and per product and board the pins so far (one GROUP BY)."""
        pr, pin, bd = PRODUCT.c, PIN.c, BOARD.c
        account = self.queue.account_id
        live = [s.value for s in LIVE]
        with read_scope(self.queue.engine) as session:
            products = {
                int(row.id): _Product(
                    int(row.id),
                    row.title,
                    row.description or "",
                    row.link or "",
                    tuple(row.image_paths or ()),
                    tuple(row.tags or ()),
                )
                for row in session.execute(
                    sa_select(pr.id, pr.title, pr.description, pr.link, pr.image_paths, pr.tags).where(
                        pr.account_id == account, pr.in_stock.is_(True)
                    )
                )
                if row.image_paths
            }
            board_ids = {
                str(k): int(i) for k, i in session.execute(sa_select(bd["key"], bd.id).where(bd.account_id == account))
            }
            when = func.coalesce(pin.posted_at, pin.due_at)
            rows = session.execute(
                sa_select(
                    pin.product_id,
                    pin.board_id,
                    func.count(),
                    func.max(case((pin.status.in_(live), when))),
                    func.sum(case((pin.status == PinStatus.queued.value, 1), else_=0)),
                )
                .where(pin.account_id == account, pin.product_id.is_not(None))
                .group_by(pin.product_id, pin.board_id)
            )
            history = {
                (int(pid), int(bid)): _History(int(n), _as_time(last), bool(queued))
                for pid, bid, n, last, queued in rows
            }
        return products, board_ids, history

    def _queued_until(self, until: datetime) -> int:
        pin = PIN.c
        with read_scope(self.queue.engine) as session:
            return int(
                session.execute(
                    sa_select(func.count()).where(
                        pin.account_id == self.queue.account_id,
                        pin.status == PinStatus.queued.value,
                        pin.due_at <= until,
                    )
                ).scalar_one()
            )

    def _used_designs(self, product_ids: set[int]) -> dict[tuple[int, int], set[tuple[str, str, str]]]:
        """(photo, design) pairs live per product and board: what a fresh pin must avoid."""
        pin = PIN.c
        used: dict[tuple[int, int], set[tuple[str, str, str]]] = defaultdict(set)
        if not product_ids:
            return used
        with read_scope(self.queue.engine) as session:
            rows = session.execute(
                sa_select(pin.product_id, pin.board_id, pin.image_path, pin.template, pin.variant_key).where(
                    pin.account_id == self.queue.account_id,
                    pin.product_id.in_(list(product_ids)),
                    pin.status.in_([s.value for s in LIVE]),
                )
            )
            for pid, bid, image, template, variant in rows:
                used[(int(pid), int(bid))].add((image or "", *design_key(template, variant)))
        return used

    def _cancel_out_of_season(self, loops: list[Loop], tz: Any) -> int:
        seasonal = {lp.id: lp for lp in loops if lp.kind == "seasonal" and lp.season_start and lp.season_end}
        if not seasonal:
            return 0
        pin = PIN.c
        cancelled = 0
        with read_scope(self.queue.engine) as session:
            rows = session.execute(
                sa_select(pin.id, pin.loop_id, pin.due_at).where(
                    pin.loop_id.in_(list(seasonal)), pin.status == PinStatus.queued.value
                )
            ).all()
            out = [
                pid
                for pid, loop_id, due in rows
                if not in_season(
                    as_utc(due).astimezone(tz).date(),
                    seasonal[loop_id].season_start or "",
                    seasonal[loop_id].season_end or "",
                )
            ]
        if out:
            now = self.queue.clock.now()
            with session_scope(self.queue.engine) as session:
                result = session.execute(
                    update(PIN)
                    .where(pin.id.in_(out), pin.status == PinStatus.queued.value)
                    .values(status=PinStatus.cancelled.value, last_error="outside the loop's season", updated_at=now)
                )
                cancelled = int(getattr(result, "rowcount", 0) or 0)
        return cancelled


def _utc() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("UTC")
