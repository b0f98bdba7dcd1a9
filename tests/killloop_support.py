"""The kill loop (docs/posting-exactly-once.md): a real `pinbot run` subprocess against the emulator with
injected faults, killed with SIGKILL at random moments and restarted while more pins are queued;
at the end every queue item must exist exactly once on the emulator. Used by tests/test_killloop.py
(CI: >= 50 cycles; 1,000 behind the `slow` marker) and bench/service.py."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import select

from pinbot.clock import SystemClock, as_utc
from pinbot.emulator.app import Emulator
from pinbot.queue.service import PinRequest, QueueService
from pinbot.shop.boards import load_boards
from pinbot.store import db
from pinbot.store.models import Board, Pin, PinStatus
from tests.helpers import make_photo
from tests.prestarted import Forked, PreStarted

REPO = Path(__file__).resolve().parent.parent
NAIVE_WORKER = Path(__file__).resolve().parent / "naive_worker.py"
FAULTS = ("rate_429", "http_500_after_create", "reset_after_create", "latency", "http_500", "reset")


@dataclass
class KillLoop:
    tmp: Path
    emu: Emulator
    engine: Engine
    account_id: int
    env: dict[str, str]
    command: list[str]
    rng: random.Random
    photo: Path
    naive: bool = False
    queued: int = 0
    kills: int = 0
    fired: Counter[str] = field(default_factory=Counter)
    prestarted: PreStarted | None = None

    @classmethod
    def create(cls, tmp: Path, *, seed: int = 0, naive: bool = False, db_url: str | None = None) -> KillLoop:
        emu = Emulator(tier="standard", seed=seed)
        base = emu.start()
        tokens = emu.mint_tokens()
        boards_dir = tmp / "boards"
        boards_dir.mkdir()
        for key in ("mugs", "rings"):
            (boards_dir / f"{key}.toml").write_text(f'name = "{key.title()}"\n', encoding="utf-8")
        rules = tmp / "pinbot.toml"
        # Faults wait at most ~1 s, so a 3 s grace is longer than any request of a killed worker.
        rules.write_text(
            "[service]\nreconcile_grace_seconds = 3\nreconcile_recheck_seconds = 2\n"
            "reconcile_every_seconds = 1\nidle_poll_seconds = 1\n"
            # A kill every second or so is far harsher than life: allow many re-posts of one pin.
            "reconcile_max_requeues = 100\n",
            encoding="utf-8",
        )
        url = db_url or f"sqlite:///{tmp / 'pinbot.db'}"
        engine = db.make_engine(url)
        db.migrate(engine)
        with db.session_scope(engine) as session:
            account = db.get_or_create_account(session, "default")
            assert account.id is not None
            for key in ("mugs", "rings"):
                remote = emu.add_board(key.title())
                session.add(Board(account_id=account.id, key=key, name=key.title(), pinterest_board_id=remote["id"]))
            account_id = account.id
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PINBOT_", "PINTEREST_"))}
        env.update(
            PINBOT_DATABASE_URL=url,
            PINBOT_DATA_DIR=str(tmp / "data"),
            PINBOT_BOARDS_DIR=str(boards_dir),
            PINBOT_ASSETS_DIR=str(tmp / "assets"),
            PINBOT_RULES_FILE=str(rules),
            PINTEREST_API_BASE=base,
            PINTEREST_APP_ID="emulator-app",
            PINTEREST_APP_SECRET="emulator-secret",
            PINTEREST_ACCESS_TOKEN=tokens["access_token"],
            PINTEREST_REFRESH_TOKEN=tokens["refresh_token"],
            PINTEREST_ACCESS_TIER="standard",
            PINBOT_LOG_LEVEL="INFO",
            PYTHONPATH=str(REPO),
        )
        command = [sys.executable, str(NAIVE_WORKER)] if naive else [sys.executable, "-m", "pinbot.cli", "run"]
        photo = make_photo(tmp / "photo.jpg")
        return cls(tmp, emu, engine, account_id, env, command, random.Random(seed), photo, naive)

    def enqueue(self, n: int) -> None:
        """More pins arrive while the service runs (a CLI writer beside the daemon)."""
        boards = load_boards(self.tmp / "boards")
        queue = QueueService(self.engine, self.account_id, boards, SystemClock())
        reqs = []
        for _ in range(n):
            i = self.queued
            self.queued += 1
            reqs.append(
                PinRequest(
                    boards=("mugs" if i % 2 else "rings",),
                    title=f"Pin {i}",
                    link=f"https://shop.example/p/{i}",
                    image=str(self.photo),
                    source_key=f"kill-{i}",
                )
            )
        queue.enqueue(reqs)

    def start(self, log_name: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.tmp / log_name
        with log.open("ab") as out:
            proc = subprocess.Popen(self.command, env=self.env, cwd=self.tmp, stdout=out, stderr=subprocess.STDOUT)
        return proc, log

    def fork(self, log_name: str, *args: str) -> tuple[Forked, Path]:
        """Like `start`, from an interpreter that has already imported pinbot (tests/prestarted.py):
        the same `pinbot run` (or naive worker; or `pinbot <args>`) in a process of its own, without
        a second of imports."""
        if self.prestarted is None:
            self.prestarted = PreStarted(self.env, naive=self.naive)
        log = self.tmp / log_name
        return self.prestarted.spawn(list(args or ("run",)), self.env, self.tmp, log), log

    def wait_started(
        self, proc: subprocess.Popen[bytes] | Forked, log: Path, offset: int, timeout: float = 20.0
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b"service started" in log.read_bytes()[offset:]:
                return
            if proc.poll() is not None:
                raise AssertionError(f"pinbot run exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            time.sleep(0.02)
        raise AssertionError("pinbot run did not start in time")

    def inject_random(self) -> None:
        for _ in range(self.rng.randint(1, 3)):
            kind = self.rng.choice(FAULTS)
            self.fired[kind] += 1
            if kind == "rate_429":
                self.emu.inject(kind, seconds=1, path="/pins", method="POST")
            elif kind == "latency":
                self.emu.inject(kind, seconds=round(self.rng.uniform(0.1, 0.8), 2), path="/pins", method="POST")
            elif kind in ("http_500", "reset"):
                self.emu.inject(kind, path="/pins", method="POST")
            else:
                self.emu.inject(kind)

    def cycle(self, max_alive: float = 0.8, add: int = 3) -> None:
        """One cycle on its own: queue pins, inject faults, start `pinbot run`, SIGKILL it."""
        self.run(1, workers=1, max_alive=max_alive, add=add)

    def run(self, cycles: int, *, workers: int = 2, max_alive: float = 0.8, add: int = 3) -> None:
        """`cycles` kill-and-restart cycles with `workers` services alive at once on one database
        (their start-ups overlap, which keeps the loop quick). Each cycle queues `add` more pins and
        injects faults; each worker is killed with SIGKILL a random 0..max_alive s after it started
        ("service started" in its log). The workers are forked from a pre-started interpreter
        (tests/prestarted.py): a fresh one spent a second importing before any kill could land."""
        slots: list[tuple[Forked, Path, int, float | None, float]] = []

        def spawn() -> None:
            self.enqueue(add)
            self.inject_random()
            name = f"run-{self.kills + len(slots)}.log"
            proc, log = self.fork(name)
            slots.append((proc, log, 0, None, self.rng.uniform(0.0, max_alive)))

        try:
            while self.kills < cycles or slots:
                while len(slots) < workers and self.kills + len(slots) < cycles:
                    spawn()
                now = time.monotonic()
                for i, (proc, log, offset, started, alive) in enumerate(list(slots)):
                    if started is None:
                        if proc.poll() is not None:
                            raise AssertionError(
                                f"pinbot run exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
                            )
                        if b"service started" in log.read_bytes()[offset:]:
                            slots[i] = (proc, log, offset, now, alive)
                    elif now - started >= alive:
                        proc.send_signal(signal.SIGKILL)
                        proc.wait()
                        self.kills += 1
                        slots[i] = None  # type: ignore[call-overload]
                slots[:] = [s for s in slots if s is not None]
                time.sleep(0.01)
        finally:
            for proc, *_ in slots:
                proc.kill()
                proc.wait()

    def seconds_to_last_due(self) -> float:
        """Seconds until the latest due time of a queued pin (0 when none is due later)."""
        with db.session_scope(self.engine) as session:
            last = session.exec(
                select(func.max(Pin.due_at)).where(Pin.account_id == self.account_id, Pin.status == PinStatus.queued)
            ).one()
        if last is None:
            return 0.0
        return max(0.0, (as_utc(last) - SystemClock().now()).total_seconds())

    def counts(self) -> dict[str, int]:
        with db.session_scope(self.engine) as session:
            rows = session.exec(
                select(Pin.status, func.count()).where(Pin.account_id == self.account_id).group_by(Pin.status)
            ).all()
        return {str(getattr(s, "value", s)): int(n) for s, n in rows}

    def drain(self, timeout: float | None = None, *, faults: tuple[str, ...] = ()) -> int:
        """Run until every pin is settled, then stop it with SIGTERM; its exit code. The loop's
        leftover faults are cleared; `faults` are injected on the next pin creations instead, so a
        fault is certain to meet a POST however the kills fell. The default timeout grows with the
        backlog: the emulator takes 100 writes a minute."""
        self.emu.clear_faults()
        for kind in faults:
            self.fired[kind] += 1
            self.emu.inject(kind, path="/pins", method="POST")
        if timeout is None:
            counts = self.counts()
            settled = counts.get(PinStatus.posted.value, 0) + counts.get(PinStatus.needs_attention.value, 0)
            timeout = 90.0 + 0.9 * max(0, self.queued - settled)
        proc, log = self.start("drain.log")
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                counts = self.counts()
                if (
                    counts.get(PinStatus.posted.value, 0) + counts.get(PinStatus.needs_attention.value, 0)
                    == self.queued
                ):
                    break
                if proc.poll() is not None:
                    raise AssertionError(f"drain exited early:\n{log.read_text()[-3000:]}")
                # A pin put back with a backoff (a claim that outlived its lease while the pacer
                # waited, say) is due later: wait for it rather than call it lost.
                later = self.seconds_to_last_due()
                if 0.0 < later < 900.0:
                    deadline = max(deadline, time.monotonic() + later + 15.0)
                time.sleep(0.1)
            proc.send_signal(signal.SIGTERM)
            return proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def markers(self) -> list[str]:
        with db.session_scope(self.engine) as session:
            return [f"pb-{uid}" for uid in session.exec(select(Pin.uid).where(Pin.account_id == self.account_id))]

    def duplicates(self) -> dict[str, int]:
        on_pinterest = self.emu.pins_by_marker()
        return {m: n for m, n in on_pinterest.items() if n != 1}

    def figures(self) -> str:
        """The run in numbers, for the closing line of a kill-loop test (pytest -s shows it)."""
        from pinbot.store.models import PostAttempt

        counts = self.counts()
        with db.session_scope(self.engine) as session:
            swept = session.exec(
                select(func.count()).select_from(PostAttempt).where(PostAttempt.outcome == "duplicate_deleted")
            ).one()
        dups = sum(n - 1 for n in self.emu.pins_by_marker().values() if n > 1)
        lost = self.queued - counts.get("posted", 0) - counts.get("needs_attention", 0)
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.fired.items()))
        return (
            f"kill loop on {self.engine.dialect.name}: {self.kills} cycles, {self.queued} pins, "
            f"{sum(self.fired.values())} faults ({faults}), {dups} duplicates on Pinterest, "
            f"{swept} extra copies deleted by the sweep, {lost} lost, "
            f"{counts.get('needs_attention', 0)} need attention"
        )

    def close(self) -> None:
        if self.prestarted is not None:
            self.prestarted.close()
        self.emu.stop()
        self.engine.dispose()
