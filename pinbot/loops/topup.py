"""Keeping the loops topped up: what each loop adds to the queue now (the daemon's `loops` job).

Owns one pass over the active loops: which in-stock products of each loop's selection are due on
which of its boards (`every_days` after that product's last live pin there, none while one is still
queued; products the review says to stop left out, those it says to continue sooner), seasonal
loops only inside their dates (their queued pins outside the season are cancelled), a fresh
(photo, design) pair per pin, search-minded wording, and how many pins fit: what the rules can
place per day up to the loop's horizon, shared by all loops, earliest due first. The pins go
through `QueueService.enqueue`, so the planner's windows, cap and spacing and the lint apply
exactly as to a pin queued by hand; `not_before` keeps a product's turn from coming early and
`not_after` drops a pin the rules could only place past the horizon or the season (docs/loops.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

from pinbot.clock import as_utc
from pinbot.links import domain_of
from pinbot.loops.designs import DesignOrder, fresh_choice
from pinbot.loops.reads import History, LoopReads, Product
from pinbot.loops.season import in_season, season_around
from pinbot.loops.store import LoopStore
from pinbot.loops.wording import write
from pinbot.queue.designs import preferred_designs
from pinbot.queue.planner import day_capacity
from pinbot.queue.service import PinRequest, QueueService
from pinbot.render.template_file import list_templates
from pinbot.review.verdicts import Verdicts, loop_verdicts
from pinbot.shop.rules import ScheduleRules
from pinbot.store.models import Loop

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


@dataclass
class _Candidate:
    not_before: datetime
    loop_id: int
    request: PinRequest
    period: timedelta
    latest: datetime


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
        self.reads = LoopReads(queue.engine, queue.account_id)
        self._verdicts: tuple[date, Verdicts] | None = None
        # Design orders outlive a pass while the verdicts and the templates folder stay the same.
        self._orders: dict[tuple[int, str | None, str | None], DesignOrder] = {}
        self._orders_basis: tuple[Verdicts, tuple[str, ...]] | None = None
        self._domains: dict[str, str] = {}
        self._capacity: dict[int, int] = {}  # pins one day can take, by the number of link domains

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
        result.cancelled = self._cancel_out_of_season(loops, tz, now)
        ahead = max(lp.ahead_days for lp in loops)
        queued = self.reads.queued_until(now + timedelta(days=ahead + 1))
        room = self._room(today, ahead, queued, self.rules.daily_cap)
        if room == 0:
            return result  # the queue is full to the horizon: most of the service's hourly passes end here
        engine, account = self.queue.engine, self.queue.account_id
        if self._verdicts is None or self._verdicts[0] != today:  # the review changes once a day at most
            self._verdicts = (today, loop_verdicts(engine, account, today) if self.use_review else Verdicts())
        verdicts = self._verdicts[1]
        # Rounds: each queues at most one turn per product and board; another round runs only when
        # a turn just queued may come back within the horizon (a horizon longer than a loop's
        # period, e.g. a year planned at once), as its next turn counts from where the rules put it.
        while True:
            made, again = self._round(now, today, tz, loops, verdicts, ahead, queued, result)
            queued += made
            if not (made and again):
                break
        return result

    def _round(
        self,
        now: datetime,
        today: date,
        tz: Any,
        loops: list[Loop],
        verdicts: Verdicts,
        ahead: int,
        queued: int,
        result: TopUpResult,
    ) -> tuple[int, bool]:
        """One round of a top-up: (pins queued, whether a turn queued may come again in the horizon)."""
        engine, account = self.queue.engine, self.queue.account_id
        products, board_ids, history = self.reads.load()
        # What the rules can really place per day (a shop's one domain allows a few pins an hour):
        # asking for more only makes pins that land past the horizon and are dropped.
        domains = len({self._domain(p.link) for p in products.values()})
        if domains not in self._capacity:
            self._capacity[domains] = day_capacity(self.rules, tz, domains)
        room = self._room(today, ahead, queued, self._capacity[domains])
        if room == 0:
            return 0, False
        result.stopped = sorted(pid for pid in verdicts.stop_products if pid in products)
        for pid in result.stopped:
            del products[pid]  # the review says stop: it leaves every loop until the review changes its mind
        # (due, not boosted, loop id, product id, board key, loop, product, history, latest placement,
        #  the product's period, the loop's horizon)
        due_items: list[
            tuple[datetime, bool, int, int, str, Loop, Product, History | None, datetime, timedelta, datetime]
        ] = []
        boosted = verdicts.boost_products
        proposed: set[tuple[int, str]] = set()  # two loops on one board: the product goes once
        for loop in loops:
            assert loop.id is not None
            horizon = now + timedelta(days=loop.ahead_days)
            window = self._window(loop, today, tz, horizon)
            if window is None:
                continue
            opens, closes = window
            chosen = self._select(loop, products, history, board_ids)
            # Placed at most a day past the horizon (a turn due at its edge lands in the next
            # window), never after the season: else not queued, and a later pass tries again.
            limit = horizon + timedelta(days=1) if closes is None else min(horizon + timedelta(days=1), closes)
            latest = horizon if closes is None else min(horizon, closes)
            every = timedelta(days=loop.every_days)
            sooner = every * BOOST_PERIOD  # the review says continue: its turns come sooner
            # A product's first turn is staggered over the loop's period, so a new loop (or a
            # product back in stock) spreads out instead of filling the next days and leaving a gap.
            anchor = as_utc(loop.created_at) if closes is None else opens
            step = every / max(1, len(chosen))
            start = max(now, opens)
            on = [(key, board_ids.get(key, -1)) for key in loop.boards]
            for rank, product in enumerate(chosen):
                pid = product.id
                period = sooner if pid in boosted else every
                for board_key, board_id in on:
                    if (pid, board_key) in proposed:
                        continue  # one turn per product and board in a round
                    hist = history.get((pid, board_id))
                    last = hist.last if hist is not None else None  # its last pin, posted or queued
                    turn = last + period if last is not None else anchor + step * rank
                    due = turn if turn > start else start
                    if due > latest:
                        continue
                    proposed.add((pid, board_key))
                    kept = pid not in boosted
                    due_items.append((due, kept, loop.id, pid, board_key, loop, product, hist, limit, period, latest))
        result.wanted = result.created + len(due_items)
        due_items.sort(key=itemgetter(0, 1, 2, 3, 4))  # unique: a product goes to a board once per pass
        preferred = preferred_designs(engine, account, {item[3] for item in due_items[: room * 2]})
        templates = tuple(list_templates(self.assets_dir))
        if self._orders_basis != (verdicts, templates):
            self._orders, self._orders_basis = {}, (verdicts, templates)
        taken: list[_Candidate] = []
        used = self.reads.used_designs(item[3] for item in due_items[: room * 2])
        for due, _, loop_id, product_id, board_key, loop, product, hist, limit, period, latest in due_items:
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
                stale = f"product {product_id} on {board_key}"
                if stale not in result.stale:
                    result.stale.append(stale)
                continue
            n = hist.count if hist is not None else 0
            request = self._request(loop, product, board_key, choice, n, due, limit)
            taken.append(_Candidate(due, loop_id, request, period, latest))
        if not taken:
            return 0, False
        made = self.queue.enqueue([c.request for c in taken])
        result.created += len(made.created)
        later = set(made.later)
        names = {lp.id: lp.name for lp in loops}
        again = False
        for c in taken:
            if c.request.key_for(c.request.boards[0]) not in later:
                result.by_loop[names[c.loop_id]] = result.by_loop.get(names[c.loop_id], 0) + 1
                # placed no earlier than its turn: the next one is at least a period later
                again = again or c.not_before + c.period < c.latest
        result.deferred = result.wanted - result.created - len(result.stale)
        return len(made.created), again

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
        product: Product,
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
        products: dict[int, Product],
        history: dict[tuple[int, int], History],
        board_ids: dict[str, int],
    ) -> list[Product]:
        sel = loop.selection
        if sel.get("all"):
            return list(products.values())
        if "tags" in sel:
            wanted = set(sel["tags"])
            return [p for p in products.values() if not wanted.isdisjoint(p.lower_tags)]
        if "products" in sel:
            return [products[i] for i in sel["products"] if i in products]
        if "boards" in sel:
            ids = {board_ids[k] for k in sel["boards"] if k in board_ids}
            on = {pid for (pid, bid) in history if bid in ids}
            return [p for pid, p in products.items() if pid in on]
        return []

    def _domain(self, link: str) -> str:
        found = self._domains.get(link)
        if found is None:
            found = self._domains[link] = domain_of(link)
        return found

    def _room(self, today: date, ahead: int, queued: int, per_day: int) -> int:
        """Free slots from today to the horizon (allowed weekdays only), `per_day` on each."""
        days = [today + timedelta(days=i) for i in range(ahead + 1)]
        allowed = sum(1 for d in days if d.weekday() in self.rules.weekdays)
        return max(0, allowed * per_day - queued)

    def _cancel_out_of_season(self, loops: list[Loop], tz: Any, now: datetime) -> int:
        """Cancel seasonal loops' queued pins whose day fell outside the season (dates edited)."""
        seasonal = {lp.id: lp for lp in loops if lp.kind == "seasonal" and lp.season_start and lp.season_end}

        def outside(loop_id: int, due: datetime) -> bool:
            loop = seasonal[loop_id]
            return not in_season(due.astimezone(tz).date(), loop.season_start or "", loop.season_end or "")

        return self.reads.cancel_queued([i for i in seasonal if i is not None], outside, now)


def _utc() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("UTC")
