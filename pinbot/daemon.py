"""The long-running service: `Daemon.tick(now) -> seconds to sleep`, and a small loop around it.

Owns the jobs and their cadence: post due pins (one per tick, so a stop request is honoured
between pins), reconcile stale `posting` pins, refresh the token ahead of expiry, write the
heartbeat, and the metrics sweep, which says itself when it wants to run again (tomorrow after a
full sweep, within the hour after a network failure). Jobs are registered with
`Daemon.schedule(name, every, func)` in the manner of the `schedule` library (one pass, then "how
long may I idle"), but with the clock passed in: the library itself reads `datetime.now()`, which
a FakeClock test could not drive. Time, the Pinterest client and the jobs' services are injected
(`pinbot.app` builds them); signal handlers (installed by the CLI) only set flags, and the loop logs
what they asked for. No job failure stops the loop. `run` returns what it did.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from pinbot.clock import Clock, as_utc
from pinbot.errors import PinbotError
from pinbot.metrics.sweep import SweepResult
from pinbot.posting.claim import posting_outlook
from pinbot.posting.poster import Poster
from pinbot.posting.reconcile import Reconciler
from pinbot.store import state as service_state
from pinbot.store.driver import hot_connection
from pinbot.store.state import read_heartbeat, read_heartbeat_detail
from pinbot.words import plural

__all__ = ["Daemon", "DaemonSettings", "Job", "RunReport", "read_heartbeat", "read_heartbeat_detail"]

log = logging.getLogger(__name__)

JobFunc = Callable[[datetime], "float | None"]


@dataclass
class Job:
    """Runs `func(now)` every `every` seconds; `func` may return a sooner or later next run."""

    name: str
    every: float
    func: JobFunc
    next_run: datetime | None = None  # None: at the first tick
    failures: int = 0

    def due(self, now: datetime) -> bool:
        return self.next_run is None or self.next_run <= now


@dataclass
class RunReport:
    """What one `Daemon.run` did: ticks, and the pins it posted or gave up on."""

    ticks: int = 0
    posted: int = 0
    failed: int = 0  # pins moved to failed or needs_attention in this run
    stop_signal: str | None = None  # the signal that ended the run, if one did


@dataclass(frozen=True)
class DaemonSettings:
    idle_poll: float = 30.0  # nothing due: look again this soon (the CLI may enqueue meanwhile)
    heartbeat_every: float = 300.0  # `pinbot doctor` warns after 15 min without one
    reconcile_every: float = 60.0
    refresh_every: float = 600.0
    metrics_every: float = 24 * 3600.0
    blocked_poll: float = 30.0  # paused / spam block: check the flag this often
    max_job_backoff: float = 300.0


class Daemon:
    def __init__(
        self,
        engine: Engine,
        account_id: int,
        clock: Clock,
        worker_id: str,
        *,
        poster: Poster | None = None,
        reconciler: Reconciler | None = None,
        refresh_token: Callable[[], object] | None = None,
        metrics: Callable[[], SweepResult] | None = None,
        settings: DaemonSettings | None = None,
        heartbeat: bool = True,
    ) -> None:
        self.engine = engine
        self.account_id = account_id
        self.clock = clock
        self.worker_id = worker_id
        self.poster = poster
        self.settings = s = settings or DaemonSettings()
        self.jobs: list[Job] = []
        self.stop_requested = threading.Event()  # graceful: finish the pin in hand, then leave
        self.stop_signal: str | None = None  # set with stop_requested by a signal handler
        self.report = RunReport()
        self._blocked_reason: str | None = None
        if heartbeat:
            self.schedule("heartbeat", s.heartbeat_every, self._heartbeat)
        if poster is not None:
            self.schedule("post", 0.0, self._post)
        if reconciler is not None:
            recon = reconciler
            self.schedule("reconcile", s.reconcile_every, lambda now: self._reconcile(recon, now))
        if refresh_token is not None:
            refresh = refresh_token
            self.schedule("refresh_token", s.refresh_every, lambda now: self._call(refresh))
        if metrics is not None:
            sweep = metrics
            self.schedule("metrics", s.metrics_every, lambda now: self._sweep(sweep, now))

    # -- registration and one pass --------------------------------------------------------------
    def schedule(self, name: str, every: float, func: JobFunc) -> Job:
        if every < 0:
            raise ValueError(f"job {name}: every must be >= 0 seconds, got {every}")
        if any(j.name == name for j in self.jobs):
            raise ValueError(f"job {name} is already scheduled")
        job = Job(name, every, func)
        self.jobs.append(job)
        return job

    def tick(self, now: datetime) -> float:
        """Run every due job once; return how long the caller may sleep before the next tick."""
        now = as_utc(now)
        for job in sorted(self.jobs, key=lambda j: j.next_run or datetime.min.replace(tzinfo=now.tzinfo)):
            if self.stop_requested.is_set() and job.name == "post":
                continue  # shutting down: no new pin is started
            if not job.due(now):
                continue
            try:
                wanted = job.func(now)
                job.failures = 0
            except Exception as exc:  # one failing job (a bad pin, a locked database) never stops the loop
                job.failures += 1
                wanted = min(self.settings.max_job_backoff, max(job.every, 5.0) * 2 ** (job.failures - 1))
                if isinstance(exc, PinbotError):  # a known problem says what to do: one line, no traceback
                    log.error(
                        "job %s failed (%d in a row), next try in %.0f s: %s", job.name, job.failures, wanted, exc
                    )
                else:
                    log.exception(
                        "job %s failed (%d in a row), next try in %.0f s: %s", job.name, job.failures, wanted, exc
                    )
            job.next_run = now + timedelta(seconds=job.every if wanted is None else max(0.0, wanted))
        return self.idle_seconds(now)

    def idle_seconds(self, now: datetime) -> float:
        upcoming = [j.next_run for j in self.jobs if j.next_run is not None]
        if not upcoming or len(upcoming) < len(self.jobs):
            return 0.0
        return max(0.0, (min(upcoming) - as_utc(now)).total_seconds())

    def run(
        self, stop: threading.Event | None = None, *, max_ticks: int | None = None, once: bool = False
    ) -> RunReport:
        """Tick until `stop` is set (or `max_ticks`, or, with `once`, until nothing is due now), and
        say what was done. The clock's sleep must wake up when `stop` is set (SystemClock(stop_event)
        does)."""
        stop = stop or self.stop_requested
        self.report = report = RunReport()
        while not (stop.is_set() or self.stop_requested.is_set()):
            idle = self.tick(self.clock.now())
            report.ticks += 1
            if (max_ticks is not None and report.ticks >= max_ticks) or (once and idle > 0):
                break
            if stop.is_set() or self.stop_requested.is_set():
                break
            if idle > 0:
                self.clock.sleep(idle)
        if self.stop_signal:
            log.info("%s received: no pin was left half-done; stopping", self.stop_signal)
        report.stop_signal = self.stop_signal
        log.info(
            "service stopped after %s (%d posted, %d failed)",
            plural(report.ticks, "tick"),
            report.posted,
            report.failed,
        )
        return report

    # -- the jobs ---------------------------------------------------------------------------------
    def _heartbeat(self, now: datetime) -> None:
        service_state.write_heartbeat(self.engine, self.account_id, now, self.worker_id)

    def _call(self, func: Callable[[], object]) -> None:
        func()

    def _sweep(self, sweep: Callable[[], SweepResult], now: datetime) -> float | None:
        """Run the metrics sweep; the next run comes when the sweep asked for it (an hour after a
        network failure, tomorrow after a full sweep), not a fixed day later."""
        result = sweep()
        log.info("%s", result.message())
        if result.next_sweep_at is None:
            return None
        return max(60.0, (as_utc(result.next_sweep_at) - as_utc(now)).total_seconds())

    def _reconcile(self, reconciler: Reconciler, now: datetime) -> None:
        report = reconciler.run(now)
        if report.posted or report.requeued or report.needs_attention:
            log.info(
                "reconcile: %d found posted, %d queued again, %d need attention, %d pending",
                report.posted,
                report.requeued,
                report.needs_attention,
                report.pending,
            )

    def _post(self, now: datetime) -> float | None:
        assert self.poster is not None
        # The idle tick is this one statement (pause, spam block, hold and the next due time); a
        # post shares its pool check-out.
        with hot_connection(self.engine) as conn:
            gate, next_due = posting_outlook(conn, self.account_id)
            if not self.poster.dry_run:
                reason = gate.blocked(now)
                if reason != self._blocked_reason:
                    if reason:
                        log.warning("posting stopped: %s", reason)
                    else:
                        log.info("posting resumed")
                    self._blocked_reason = reason
                if reason:
                    return self.settings.blocked_poll
            if next_due is None or next_due > now:
                return self._until(next_due, now)
            result = self.poster.post_next(now, conn)
        if result is None:
            return self._until(next_due, now)
        if result.outcome == "posted":
            self.report.posted += 1
        elif result.outcome in ("failed", "needs_attention"):
            self.report.failed += 1
        if result.retry_after:
            return result.retry_after  # 429: the next pin would be refused too
        return 0.0  # more may be due: go on at once (the stop flag is checked between pins)

    def _until(self, next_due: datetime | None, now: datetime) -> float:
        """How long to idle when nothing more can be posted now."""
        poll = self.settings.idle_poll
        if next_due is None or (self.poster is not None and self.poster.dry_run):
            return poll
        return max(1.0, min(poll, (next_due - as_utc(now)).total_seconds()))
