"""The composition root: one place that turns `Settings` into the services pinbot runs.

`pinbot run`, `pinbot demo` and the CLI's other commands build the queue service, the Pinterest
client, the poster, the reconciler, the metrics job and the daemon here, so the service and the demo
cannot drift apart (they once did: only one of them passed `max_requeues` to the reconciler). Time,
the database engine and the Pinterest client are passed in, never reached for: the demo hands in a
FakeClock and a client pointed at the local emulator, the service the system clock and Pinterest.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from pinbot.clock import Clock
from pinbot.config import Settings
from pinbot.queue.planner import RulesPlanner
from pinbot.queue.service import QueueService
from pinbot.shop.boards import BoardDef, load_boards
from pinbot.shop.rules import Rules, load_rules
from pinbot.store import db

if TYPE_CHECKING:
    from pinbot.advocates.deadlinks import PreflightGate
    from pinbot.advocates.job import DemandJobs
    from pinbot.advocates.pull import ReachAPI

    # Imported where used: `pinbot queue list` needs the queue, not the daemon, the Pinterest client,
    # the renderer or the metrics (a second of start-up between them).
    from pinbot.daemon import Daemon, DaemonSettings
    from pinbot.loops.store import LoopStore
    from pinbot.loops.topup import LoopRunner
    from pinbot.metrics.sweep import MetricsService, Progress, SweepResult
    from pinbot.pinterest.client import PinterestClient
    from pinbot.pinterest.types import PinterestAPI
    from pinbot.posting.images import CachedRenderer
    from pinbot.posting.reconcile import ReconcileSettings

__all__ = ["SAFE_GRACE_SECONDS", "Shop", "open_shop"]

# How often the service tops the loops up; a pass is cheap and adds nothing when the queue is full.
LOOPS_EVERY_SECONDS = 3600

# Longest one create_pin can take: the pacer's wait (60 s) + connect (5 s) + read (60 s), plus slack.
SAFE_GRACE_SECONDS = 130


@dataclass
class Shop:
    """One shop's services, built from its settings on demand (nothing is built twice)."""

    settings: Settings
    engine: Engine
    clock: Clock
    account_id: int
    rng: random.Random = field(default_factory=random.Random)

    @cached_property
    def boards(self) -> dict[str, BoardDef]:
        return load_boards(self.settings.boards_dir)

    @cached_property
    def rules(self) -> Rules:
        """The posting rules (PINBOT_RULES_FILE; defaults when the file is absent)."""
        return load_rules(self.settings.rules_file)

    def queue_service(self) -> QueueService:
        """The queue with the shop's boards and posting rules (the planner) wired in."""
        planner = RulesPlanner(self.rules, self.settings.tz, rng=self.rng)
        return QueueService(self.engine, self.account_id, self.boards, self.clock, planner)

    def loops(self) -> LoopStore:
        """The shop's evergreen and seasonal loops."""
        from pinbot.loops.store import LoopStore

        return LoopStore(self.engine, self.account_id, self.boards, self.clock)

    def loop_runner(self) -> LoopRunner:
        """Tops the loops up through the queue service (so the planner and the lint apply)."""
        from pinbot.loops.topup import LoopRunner

        return LoopRunner(self.queue_service(), self.rules.schedule, self.settings.assets_dir)

    def client(self) -> PinterestClient:
        """The Pinterest client of this shop (tokens from the store, seeded from the environment)."""
        from pinbot.pinterest.client import PinterestClient

        return PinterestClient(self.settings, self.engine, self.account_id, self.clock)

    def background_client(self, client: PinterestAPI) -> PinterestAPI:
        """The client the service's analytics jobs use (metrics sweep, earned reach, digest): it never
        waits in the pacer, because the daemon runs its jobs one after another and a minute's wait
        there would hold the next pin back. A job that finds its budget spent stops and comes back."""
        from pinbot.pinterest.client import PinterestClient

        if isinstance(client, PinterestClient):
            return PinterestClient(
                client.settings, client.engine, client.account_id, client.clock, client.session, max_wait=0.0
            )
        return client

    def metrics_service(self, client: PinterestAPI, progress: Progress | None = None) -> MetricsService:
        from pinbot.metrics.sweep import MetricsService

        return MetricsService(self.engine, self.account_id, client, self.clock, self.settings.access_tier, progress)

    def renderer(self, renders_dir: Path | None = None) -> CachedRenderer:
        from pinbot.posting.images import CachedRenderer

        return CachedRenderer(self.settings.assets_dir, renders_dir or self.settings.data_dir / "renders")

    def reconcile_settings(self) -> ReconcileSettings:
        from pinbot.posting.reconcile import ReconcileSettings

        service = self.rules.service
        return ReconcileSettings(
            grace=timedelta(seconds=service.reconcile_grace_seconds),
            recheck=timedelta(seconds=service.reconcile_recheck_seconds),
            max_requeues=service.reconcile_max_requeues,
            sweep_every=timedelta(seconds=max(service.reconcile_every_seconds, 30 * 60)),
        )

    def grace_warning(self) -> str | None:
        """Why the reconcile grace is unsafe, or None: below the longest request a paced POST may
        still be in flight when reconcile looks, and the pin could be posted twice."""
        grace = self.rules.service.reconcile_grace_seconds
        if grace >= SAFE_GRACE_SECONDS:
            return None
        return (
            f"service.reconcile_grace_seconds is {grace} s; below {SAFE_GRACE_SECONDS} s a slow or paced request "
            "could be posted twice"
        )

    def daemon(
        self,
        client: PinterestAPI | None,
        *,
        dry_run: bool = False,
        images: CachedRenderer | None = None,
        daemon_settings: DaemonSettings | None = None,
        on_sweep: Callable[[SweepResult], object] | None = None,
        check_links: bool = True,
    ) -> Daemon:
        """The service: poster, reconcile, token refresh, metrics sweep, loops top-up and heartbeat around
        one loop, plus the demand jobs (earned pull, surge alerts, weekly link check, weekly digest).

        Without a client (a dry run) only the poster runs, describing what it would post.
        `check_links=False` (the demo: its shop's links lead nowhere real) skips the link checks."""
        from pinbot.advocates.deadlinks import PreflightGate
        from pinbot.advocates.pull import ReachAPI
        from pinbot.daemon import Daemon, DaemonSettings
        from pinbot.posting.poster import Poster
        from pinbot.posting.reconcile import Reconciler

        gate = PreflightGate(self.engine, self.account_id, self.clock) if check_links else None
        poster = Poster(
            self.engine,
            self.account_id,
            None if dry_run else client,
            self.clock,
            self.boards,
            images or self.renderer(),
            self.settings.worker_id,
            dry_run=dry_run,
            rng=self.rng,
            link_gate=gate,
            lease=self.reconcile_settings().lease,  # a claim older than this is never sent
        )
        live = client if not dry_run else None
        reconciler = metrics = refresh = None
        if live is not None:
            reconciler = Reconciler(
                self.engine,
                self.account_id,
                live,
                self.clock,
                self.reconcile_settings(),
                boards=self.boards,
                delete_duplicates=self.settings.delete_duplicates,
            )
            background = self.background_client(live)
            sweep = self.metrics_service(background).sweep

            def metrics() -> SweepResult:
                result = sweep()
                if on_sweep is not None:
                    on_sweep(result)
                return result

            refresh = getattr(live, "refresh_tokens", None)
        service = self.rules.service
        daemon = Daemon(
            self.engine,
            self.account_id,
            self.clock,
            self.settings.worker_id,
            poster=poster,
            reconciler=reconciler,
            refresh_token=refresh,
            metrics=metrics,
            heartbeat=not dry_run,
            settings=daemon_settings
            or DaemonSettings(idle_poll=service.idle_poll_seconds, reconcile_every=service.reconcile_every_seconds),
        )
        if live is not None and isinstance(live, ReachAPI):
            jobs = self.demand_jobs(self.background_client(live), gate)  # type: ignore[arg-type]
            daemon.schedule("earned", 3600.0, jobs.daily)
            if check_links:
                daemon.schedule("links", 6 * 3600.0, jobs.weekly_links)
            daemon.schedule("digest", 600.0, jobs.digest)
        if not dry_run:
            runner = self.loop_runner()

            def loops(now: datetime) -> None:
                runner.top_up(now)

            daemon.schedule("loops", LOOPS_EVERY_SECONDS, loops)
        return daemon

    def demand_jobs(self, client: ReachAPI, gate: PreflightGate | None = None) -> DemandJobs:
        """The earned pull, surge alerts, weekly link check and digest of this shop."""
        from pinbot.advocates.job import DemandJobs

        return DemandJobs(self.settings, self.engine, self.account_id, client, self.clock, gate)


def open_shop(settings: Settings, engine: Engine, clock: Clock, *, rng: random.Random | None = None) -> Shop:
    """The shop named by `settings.account` (its account row is created on first use)."""
    with db.session_scope(engine) as session:
        account = db.get_or_create_account(session, settings.account)
        assert account.id is not None
        account_id = account.id
    return Shop(settings, engine, clock, account_id, rng or random.Random())
