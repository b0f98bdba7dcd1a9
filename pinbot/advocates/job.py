"""The service's demand jobs: the daily earned pull and surge alerts, the weekly link check, the digest.

Each is a `Daemon.schedule` job (`func(now) -> seconds until it wants to run again`) that does its
work at most once per period, remembered with `pinbot.store.state` so a restart does not repeat it:
- `daily`: once a UTC day, the earned pull, surge detection on yesterday's numbers, and an alert
  per new surge (a surge is alerted once; if every channel failed it is tried again next run);
  also any dead link the poster met before posting;
- `weekly_links`: every 7 days, the link of every pin that still earns;
- `digest`: the weekly digest at the owner's day and hour (PINBOT_DIGEST_DAY/HOUR, shop time).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from pinbot.advocates import alerts
from pinbot.advocates.deadlinks import Check, DeadLink, PreflightGate, known_dead, mark_alerted, weekly_check
from pinbot.advocates.pull import EarnedPull, ReachAPI
from pinbot.advocates.surges import find_surges
from pinbot.advocates.surges import mark_alerted as mark_surge_alerted
from pinbot.clock import Clock
from pinbot.config import Settings
from pinbot.store import state

log = logging.getLogger(__name__)

DAY_KEY, LINKS_KEY, DIGEST_KEY = "demand_day", "links_checked", "digest_sent"
HOUR = 3600.0


class DemandJobs:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        account_id: int,
        client: ReachAPI,
        clock: Clock,
        gate: PreflightGate | None = None,
        check: Check | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.account_id = account_id
        self.clock = clock
        self.pull = EarnedPull(engine, account_id, client, clock, settings.access_tier)
        self.gate = gate
        self.check = check

    def _done(self, key: str) -> str | None:
        found = state.get_value(self.engine, self.account_id, key)
        return found[0] if found else None

    def _send(self, message: alerts.Message, now: datetime) -> bool:
        """True when someone was told (or no channel is configured: the CLI and report show it)."""
        deliveries = alerts.deliver(self.settings, self.engine, self.account_id, message, now)
        for d in deliveries:
            (log.info if d.ok else log.warning)("alert by %s: %s", d.channel, d.detail)
        return not deliveries or any(d.ok for d in deliveries)

    def daily(self, now: datetime) -> float:
        today = now.astimezone(UTC).date()
        self._gate_alerts(now)
        if self._done(DAY_KEY) == today.isoformat():
            return HOUR
        result = self.pull.run()
        log.info("%s", result.message())
        for found in find_surges(self.engine, self.account_id, today - timedelta(days=1), today, now):
            surge_id = found.surge.id
            if (
                found.surge.alerted_at is None
                and surge_id is not None
                and self._send(alerts.surge_message(self.engine, found), now)
            ):
                mark_surge_alerted(self.engine, surge_id, now)
        if result.stopped is None or result.calls:
            state.set_value(self.engine, self.account_id, DAY_KEY, today.isoformat(), now)
        return HOUR

    def _gate_alerts(self, now: datetime) -> None:
        if self.gate is None or not self.gate.found:
            return
        dead, self.gate.found = self.gate.found, []
        if self._send(alerts.dead_links_message(dead), now):
            for d in dead:
                mark_alerted(self.engine, self.account_id, d.url, d.verdict, now)

    def weekly_links(self, now: datetime) -> float:
        last = self._done(LINKS_KEY)
        if last and datetime.fromisoformat(last) > now - timedelta(days=7):
            return 6 * HOUR
        dead = weekly_check(self.engine, self.account_id, now, self.check)
        fresh = [d for d in dead if d.alert]
        if fresh and self._send(alerts.dead_links_message(fresh), now):
            for d in fresh:
                mark_alerted(self.engine, self.account_id, d.url, d.verdict, now)
        state.set_value(self.engine, self.account_id, LINKS_KEY, now.isoformat(), now)
        return 6 * HOUR

    def digest(self, now: datetime) -> float:
        local = now.astimezone(self.settings.tz)
        if local.weekday() != self.settings.digest_day or local.hour != self.settings.digest_hour:
            return 600.0
        week = local.date().isoformat()
        if self._done(DIGEST_KEY) == week:
            return 600.0
        dead = [DeadLink(r.url, r.verdict, r.reason) for r in known_dead(self.engine, self.account_id)]
        message = alerts.digest_message(self.settings, self.engine, self.account_id, now.astimezone(UTC).date(), dead)
        self._send(message, now)
        state.set_value(self.engine, self.account_id, DIGEST_KEY, week, now)
        return 600.0
