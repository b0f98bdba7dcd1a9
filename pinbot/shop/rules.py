"""The shop's posting rules: one readable file (`PINBOT_RULES_FILE`, default `pinbot.toml`).

Owns parsing and validating the `[schedule]` section (posting windows in the shop's local time,
daily cap, spacing per board, per link and per domain, jitter, the interval between the boards
of one product, boards per product), the `[service]` section (reconcile timing, idle poll) and the
defaults used when the file or a key is absent.
Errors name the file and the key. Imports only leaves, so any layer may use it.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass, fields
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Any

from pinbot.errors import InvalidInput

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

# The file `pinbot rules init` style users copy from (and what `docs` show): every key, its default.
EXAMPLE = """\
# pinbot posting rules. Every key is optional; the values below are the defaults.
[schedule]
# When pins may go out, in the shop's timezone (PINBOT_TIMEZONE). "HH:MM-HH:MM", end exclusive.
windows = ["08:00-11:00", "12:00-14:00", "19:00-22:30"]
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
daily_cap = 15                  # pins per local day, all boards together (Pinterest warns past 15-25)
min_gap_minutes = 20            # between any two pins of the shop
board_gap_minutes = 120         # between two pins on the same board
same_link_hours = 48            # the same link again only after this many hours (>= 48 advised)
domain_burst_limit = 4          # at most this many pins to one domain ...
domain_burst_minutes = 180      # ... within this many minutes
jitter_minutes = 12             # random delay so posts do not look machine-made
board_interval_days = 7         # one product on several boards: this many days between boards
max_boards_per_product = 10     # Pinterest's guidance; the lint refuses more

[service]
# How the running service (`pinbot run`) checks on pins whose outcome is unknown. Keep the grace
# longer than one POST can take (pacing wait + connect + read: about 125 s), or a slow request
# could be posted twice.
reconcile_grace_seconds = 180
reconcile_recheck_seconds = 120
reconcile_every_seconds = 60
reconcile_max_requeues = 5      # not found on Pinterest this often: needs_attention, not another try
idle_poll_seconds = 30          # nothing due: look for new pins this often
"""


@dataclass(frozen=True)
class Window:
    start: time
    end: time  # exclusive; a window never crosses midnight (write two windows instead)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class ScheduleRules:
    windows: tuple[Window, ...] = (
        Window(time(8, 0), time(11, 0)),
        Window(time(12, 0), time(14, 0)),
        Window(time(19, 0), time(22, 30)),
    )
    days: tuple[str, ...] = DAYS
    daily_cap: int = 15
    min_gap_minutes: int = 20
    board_gap_minutes: int = 120
    same_link_hours: int = 48
    domain_burst_limit: int = 4
    domain_burst_minutes: int = 180
    jitter_minutes: int = 12
    board_interval_days: int = 7
    max_boards_per_product: int = 10

    @cached_property  # the planner asks for every candidate time of every pin
    def weekdays(self) -> frozenset[int]:
        """Allowed days as `datetime.weekday()` numbers."""
        return frozenset(DAYS.index(d) for d in self.days)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = [str(w) for w in value] if f.name == "windows" else value
            if f.name == "days":
                out[f.name] = list(value)
        return out


# key -> (lowest, highest) accepted value
_INT_BOUNDS: dict[str, tuple[int, int]] = {
    "daily_cap": (1, 100),
    "min_gap_minutes": (0, 24 * 60),
    "board_gap_minutes": (0, 7 * 24 * 60),
    "same_link_hours": (0, 24 * 90),
    "domain_burst_limit": (1, 100),
    "domain_burst_minutes": (1, 24 * 60),
    "jitter_minutes": (0, 120),
    "board_interval_days": (1, 90),
    "max_boards_per_product": (1, 10),
}
_ALLOWED = {"windows", "days", *_INT_BOUNDS}


def _parse_window(raw: object, key: str, src: str) -> Window:
    if not isinstance(raw, str):
        raise InvalidInput(key, f'each window must be a string like "09:00-11:30", got {raw!r}', source=src)
    m = _WINDOW_RE.match(raw)
    if not m:
        raise InvalidInput(key, f'{raw!r} is not "HH:MM-HH:MM"', source=src)
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h2 == 24 and m2 == 0:
        h2, m2 = 23, 59
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise InvalidInput(key, f"{raw!r} is not a valid time of day", source=src)
    start, end = time(h1, m1), time(h2, m2)
    if end <= start:
        raise InvalidInput(key, f"{raw!r} ends before it starts (split windows that cross midnight)", source=src)
    return Window(start, end)


def parse_schedule(data: dict[str, Any], src: str) -> ScheduleRules:
    unknown = set(data) - _ALLOWED
    if unknown:
        raise InvalidInput(
            f"schedule.{sorted(unknown)[0]}", f"unknown key (allowed: {', '.join(sorted(_ALLOWED))})", source=src
        )
    values: dict[str, Any] = {}
    if "windows" in data:
        raw = data["windows"]
        if not isinstance(raw, list) or not raw:
            raise InvalidInput("schedule.windows", 'must be a non-empty list of "HH:MM-HH:MM" strings', source=src)
        windows = sorted((_parse_window(w, "schedule.windows", src) for w in raw), key=lambda w: w.start)
        for a, b in itertools.pairwise(windows):
            if b.start < a.end:
                raise InvalidInput("schedule.windows", f"{a} and {b} overlap", source=src)
        values["windows"] = tuple(windows)
    if "days" in data:
        raw = data["days"]
        if not isinstance(raw, list) or not raw or not all(isinstance(d, str) for d in raw):
            raise InvalidInput("schedule.days", f"must be a non-empty list of {', '.join(DAYS)}", source=src)
        days = [d.strip().lower()[:3] for d in raw]
        bad = [d for d in days if d not in DAYS]
        if bad:
            raise InvalidInput("schedule.days", f"unknown day {bad[0]!r} (use {', '.join(DAYS)})", source=src)
        values["days"] = tuple(d for d in DAYS if d in days)
    values.update(_ints(data, "schedule", _INT_BOUNDS, src))
    return ScheduleRules(**values)


@dataclass(frozen=True)
class ServiceRules:
    reconcile_grace_seconds: int = 180
    reconcile_recheck_seconds: int = 120
    reconcile_every_seconds: int = 60
    reconcile_max_requeues: int = 5
    idle_poll_seconds: int = 30


_SERVICE_BOUNDS: dict[str, tuple[int, int]] = {
    "reconcile_grace_seconds": (1, 86400),
    "reconcile_recheck_seconds": (1, 86400),
    "reconcile_every_seconds": (1, 3600),
    "reconcile_max_requeues": (1, 1000),
    "idle_poll_seconds": (1, 3600),
}


def _ints(data: dict[str, Any], section: str, bounds: dict[str, tuple[int, int]], src: str) -> dict[str, int]:
    values: dict[str, int] = {}
    for key, (lo, hi) in bounds.items():
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(f"{section}.{key}", f"must be a whole number, got {value!r}", source=src)
        if not lo <= value <= hi:
            raise InvalidInput(f"{section}.{key}", f"must be between {lo} and {hi}, got {value}", source=src)
        values[key] = value
    return values


def parse_service(data: dict[str, Any], src: str) -> ServiceRules:
    unknown = set(data) - set(_SERVICE_BOUNDS)
    if unknown:
        raise InvalidInput(
            f"service.{sorted(unknown)[0]}", f"unknown key (allowed: {', '.join(sorted(_SERVICE_BOUNDS))})", source=src
        )
    return ServiceRules(**_ints(data, "service", _SERVICE_BOUNDS, src))


@dataclass(frozen=True)
class Rules:
    schedule: ScheduleRules = ScheduleRules()
    service: ServiceRules = ServiceRules()
    path: Path | None = None  # None: defaults (no file)


def load_rules(path: Path) -> Rules:
    """The rules in `path`, or the defaults when the file does not exist."""
    src = path.name
    if not path.exists():
        return Rules()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput("toml", str(exc), source=src) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput("file", f"cannot read: {exc}", source=src) from None
    # Other sections may belong to other features; [schedule] and [service] are ours.
    sections = {}
    for name in ("schedule", "service"):
        sections[name] = data.get(name, {})
        if not isinstance(sections[name], dict):
            raise InvalidInput(name, f"must be a table: [{name}]", source=src)
    return Rules(
        schedule=parse_schedule(sections["schedule"], src), service=parse_service(sections["service"], src), path=path
    )
