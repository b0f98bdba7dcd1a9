"""How well pinbot notices pins taking off, measured on the emulator's simulated shops.

Each simulated shop is an emulator (its own seed) with others' pins of its website arriving every
day and, for "surging" shops, a share of pins that take off once (the emulator knows when: that
is the ground truth). pinbot runs as the service does, once a simulated day: the metrics sweep,
the earned pull (real PinterestClient over HTTP, real SQLite), then surge detection. The shop also
posts one pin of its own a day.

Printed: the share of true surges caught within 2 days of their start (target >= 95 %), and false
alerts per 90 days on quiet shops, where nothing takes off (target <= 1).

    python bench/surges.py                # 12 surging + 8 quiet shops, 20 warm-up + 90 days each
    python bench/surges.py --shops 4 --quiet 2 --days 45
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

# bench/queue.py would shadow the standard library's queue: the repository root replaces the script folder
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from pinbot.advocates.pull import EarnedPull  # noqa: E402
from pinbot.advocates.surges import find_surges  # noqa: E402
from pinbot.app import open_shop  # noqa: E402
from pinbot.clock import FakeClock  # noqa: E402
from pinbot.config import Settings  # noqa: E402
from pinbot.emulator import Emulator  # noqa: E402
from pinbot.emulator.earned import EarnedSettings  # noqa: E402
from pinbot.emulator.protocol import Request  # noqa: E402
from pinbot.links import marker_for, tagged_link  # noqa: E402
from pinbot.pinterest import analytics as an  # noqa: E402
from pinbot.pinterest.client import PinterestClient  # noqa: E402
from pinbot.pinterest.errors import RequestRejected  # noqa: E402
from pinbot.pinterest.types import DailyMetrics, NewPin, PinImage  # noqa: E402
from pinbot.store import db  # noqa: E402
from pinbot.store.models import Board, Pin, PinStatus  # noqa: E402

APP_ID, APP_SECRET = "7001", "surge-bench-secret"
WARMUP_DAYS = 20
CATCH_WITHIN_DAYS = 2


@dataclass
class ShopRun:
    seed: int
    surging: bool
    true_onsets: dict[str, date] = field(default_factory=dict)  # pin id -> onset, within the observed days
    all_onsets: dict[str, date] = field(default_factory=dict)
    alerts: dict[str, date] = field(default_factory=dict)  # pin id -> first detection day
    why: dict[str, str] = field(default_factory=dict)  # pin id -> the alert's reason
    observed_days: int = 0
    calls_per_day: float = 0.0

    def caught(self) -> int:
        return sum(
            1
            for pin, onset in self.true_onsets.items()
            if pin in self.alerts and self.alerts[pin] <= onset + timedelta(days=CATCH_WITHIN_DAYS)
        )

    def false_alerts(self) -> list[str]:
        return [pin for pin, day in self.alerts.items() if not (pin in self.all_onsets and self.all_onsets[pin] <= day)]


def simulate(seed: int, *, surging: bool, days: int, others_per_day: float, viral_rate: float) -> ShopRun:
    run = ShopRun(seed, surging)
    start = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    clock = FakeClock(start)
    earned = EarnedSettings(others_per_day=others_per_day, viral_rate=viral_rate if surging else 0.0)
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with (
        tempfile.TemporaryDirectory(dir=shm) as tmp,
        Emulator(APP_ID, APP_SECRET, clock=clock, seed=seed, earned=earned, access_ttl=10**9, refresh_ttl=10**9) as emu,
    ):
        engine = db.make_engine(f"sqlite:///{tmp}/bench.db")
        db.migrate(engine)
        tokens = emu.mint_tokens()
        settings = Settings.from_mapping(
            {
                "PINTEREST_API_BASE": emu.base_url,
                "PINTEREST_APP_ID": APP_ID,
                "PINTEREST_APP_SECRET": APP_SECRET,
                "PINTEREST_ACCESS_TOKEN": tokens["access_token"],
                "PINTEREST_REFRESH_TOKEN": tokens["refresh_token"],
                "PINBOT_WORKER_ID": "surge-bench",
                "PINBOT_DATA_DIR": tmp,
            }
        )
        shop = open_shop(settings, engine, clock, rng=random.Random(seed))
        client = PinterestClient(settings, engine, shop.account_id, clock)
        remote_board = client.create_board("Stoneware")
        with db.session_scope(engine) as session:
            board = Board(
                account_id=shop.account_id, key="mugs", name="Stoneware", pinterest_board_id=remote_board["id"]
            )
            session.add(board)
            session.flush()
            board_id = board.id
        assert board_id is not None
        api = InProcessAPI(emu)
        sweep = shop.metrics_service(api)  # type: ignore[arg-type]
        pull = EarnedPull(engine, shop.account_id, api, clock, settings.access_tier)
        first_observed = start.date() + timedelta(days=WARMUP_DAYS)
        calls = 0
        for n in range(days + WARMUP_DAYS):
            now = clock.now()
            _post_one(engine, client, shop.account_id, board_id, remote_board["id"], now, n)
            sweep.sweep()
            calls += pull.run().calls
            today = now.date()
            for found in find_surges(engine, shop.account_id, today - timedelta(days=1), today, now):
                if found.new and today >= first_observed:
                    run.alerts.setdefault(found.surge.pinterest_pin_id, today)
                    run.why[found.surge.pinterest_pin_id] = f"{today} {found.surge.source}: {found.verdict.why()}"
            clock.advance(days=1)
        last = start.date() + timedelta(days=days + WARMUP_DAYS - 1)
        truth = emu.true_surges(start.date() - timedelta(days=400), last)
        run.all_onsets = {pin: v.onset for pin, v in truth.items()}
        run.true_onsets = {
            pin: v.onset for pin, v in truth.items() if first_observed <= v.onset <= last - timedelta(days=2)
        }
        run.observed_days = days
        run.calls_per_day = calls / (days + WARMUP_DAYS)
        engine.dispose()
    return run


class InProcessAPI:
    """The Pinterest calls the sweep and the pull make, answered by the emulator without sockets.

    Same emulator code (routes, auth, limits, analytics) and pinbot's own parsing; only HTTP and
    the client's pacing are left out so that 2,000 simulated shop-days fit in minutes. The
    wiring over real HTTP is covered by tests/test_advocates_emulator.py."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.token = emu.mint_tokens()["access_token"]

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        target = "/v5" + path + "?" + urlencode(params, doseq=True)
        response = self.emu.handle(Request.build("GET", target, {"Authorization": f"Bearer {self.token}"}))
        if response.status != 200:
            raise RequestRejected(f"GET {path}: {response.body}", status=response.status)
        return response.body

    def _window(self, start: date, end: date) -> dict[str, str]:
        return an.date_params(start, end)

    def pin_analytics(self, pin_id: str, start: date, end: date) -> list[DailyMetrics]:
        params = {**self._window(start, end), "metric_types": an.pin_metric_types()}
        return an.parse_daily(self._get(f"/pins/{pin_id}/analytics", params))

    def multi_pin_analytics(self, pin_ids: Sequence[str], start: date, end: date) -> dict[str, list[DailyMetrics]]:
        params = {"pin_ids": ",".join(pin_ids), **self._window(start, end), "metric_types": an.pin_metric_types()}
        return an.parse_multi(self._get("/pins/analytics", params), list(pin_ids))

    def account_analytics(
        self, start: date, end: date, *, source: str = "ALL", claimed: str = "BOTH"
    ) -> list[DailyMetrics]:
        params = {**self._window(start, end), "metric_types": ",".join(an.ACCOUNT_METRICS)}
        params.update(an.reach_filters(source, claimed))
        return an.parse_daily(self._get("/user_account/analytics", params))

    def top_pins(
        self,
        sort_by: str,
        start: date,
        end: date,
        num_of_pins: int = 50,
        *,
        source: str = "ALL",
        claimed: str = "BOTH",
        created_recently: str = "",
    ) -> list[dict[str, Any]]:
        params = an.top_pins_params(sort_by, start, end, num_of_pins, start, source, claimed, created_recently)
        return list(self._get("/user_account/analytics/top_pins", params).get("pins") or [])


def _post_one(engine, client, account_id: int, board_id: int, remote_board: str, now: datetime, n: int) -> None:  # type: ignore[no-untyped-def]
    pin = Pin(account_id=account_id, board_id=board_id, title=f"Mug {n}", due_at=now, variant_key=f"d{n % 5}")
    link = tagged_link(
        f"https://shop.example/p/{n}", marker=marker_for(pin.uid), campaign="mugs", design=pin.variant_key
    )
    made = client.create_pin(
        NewPin(remote_board, pin.title, "", link, "a mug", PinImage(url="https://shop.example/m.jpg"))
    )
    pin.link, pin.status, pin.pinterest_pin_id, pin.posted_at = link, PinStatus.posted, made["id"], now
    with db.session_scope(engine) as session:
        session.add(pin)


def _one(job: tuple[int, bool, int]) -> ShopRun:
    seed, surging, days = job
    others = random.Random(seed).choice((1.0, 2.0, 4.0))
    run = simulate(seed, surging=surging, days=days, others_per_day=others, viral_rate=0.04)
    print(
        f"shop {seed} ({'surging' if surging else 'quiet'}, {others:g} others' pins a day): "
        f"{run.caught()}/{len(run.true_onsets)} caught, {len(run.false_alerts())} false alerts",
        file=sys.stderr,
        flush=True,
    )
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shops", type=int, default=12, help="surging shops")
    parser.add_argument("--quiet", type=int, default=8, help="quiet shops (nothing takes off)")
    parser.add_argument("--days", type=int, default=90, help="observed days per shop, after 20 warm-up days")
    parser.add_argument("--workers", type=int, default=2, help="shops simulated at once")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="list every false alert and missed surge")
    args = parser.parse_args(argv)
    began = time.monotonic()
    jobs = [(1000 + i, i < args.shops, args.days) for i in range(args.shops + args.quiet)]
    with multiprocessing.Pool(args.workers) as pool:
        runs = pool.map(_one, jobs)
    surges = sum(len(r.true_onsets) for r in runs)
    caught = sum(r.caught() for r in runs)
    quiet = [r for r in runs if not r.surging]
    quiet_false = sum(len(r.false_alerts()) for r in quiet)
    quiet_days = sum(r.observed_days for r in quiet)
    surging_false = sum(len(r.false_alerts()) for r in runs if r.surging)
    result = {
        "true_surges": surges,
        "caught_within_2_days": caught,
        "catch_rate": round(caught / surges, 4) if surges else None,
        "quiet_shops": len(quiet),
        "quiet_false_alerts": quiet_false,
        "false_alerts_per_90_days": round(quiet_false / quiet_days * 90, 3) if quiet_days else None,
        "false_alerts_on_surging_shops": surging_false,
        "analytics_calls_per_day": round(sum(r.calls_per_day for r in runs) / len(runs), 1),
        "seconds": round(time.monotonic() - began, 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        rate = result["catch_rate"]
        print(
            f"surges caught within {CATCH_WITHIN_DAYS} days: {caught} of {surges} "
            f"({rate * 100 if rate is not None else float('nan'):.1f} %, target >= 95 %)"
        )
        print(
            f"false alerts on {len(quiet)} quiet shops: {quiet_false} in {quiet_days} shop-days = "
            f"{result['false_alerts_per_90_days']} per 90 days (target <= 1)"
        )
        print(
            f"(false alerts on surging shops: {surging_false}; earned pull: {result['analytics_calls_per_day']} "
            f"analytics calls a day; {result['seconds']} s)"
        )
    if args.verbose:
        for r in runs:
            for pin in r.false_alerts():
                print(f"  false alert, shop {r.seed}: pin {pin} {r.why[pin]}")
            for pin, onset in r.true_onsets.items():
                got = r.alerts.get(pin)
                if got is None or got > onset + timedelta(days=CATCH_WITHIN_DAYS):
                    print(f"  missed, shop {r.seed}: pin {pin} took off {onset}, alerted {got or 'never'}")
    ok = (result["catch_rate"] or 0) >= 0.95 and (result["false_alerts_per_90_days"] or 0) <= 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
