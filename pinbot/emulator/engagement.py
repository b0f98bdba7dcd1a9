"""Simulated engagement: what each emulated pin earns per day, deterministic and explainable.

The model (all hidden factors derive from hashes of the emulator seed, never from stateful draws,
so the same pin and day always give the same numbers, across calls and processes):

- **Design appeal** `A(design)`: lognormal, composed from the parts of pinbot's design id so that
  a template has the same effect whatever palette and crop it is drawn in (an experiment that
  varies palette and crop between rounds still measures the template). For "TEMPLATE.PALETTE.CROP",
  `log A = 0.5 * z(template) + 0.2 * z(palette) + 0.15 * z(crop)`, each `z ~ N(0, 1)` drawn from
  hash(seed, part); any other name (a bare template name such as "photo-band", an image hash) is
  a template alone: `log A = 0.5 * z(name)`, so "photo-band" and "photo-band.P.C" share the
  template's effect. The design is the link's `utm_term` (pinbot's design/variant id); a pin with
  no utm_term falls back to its image hash. Appeal multiplies the outbound click rate directly
  (`A`), the save rate (`A^0.8`), the pin click rate (`A^0.6`) and distribution (`A^0.5`), so a
  better design really does better on every metric, most of all on outbound clicks.
- **Board affinity** `B(board)`: lognormal `exp(0.35 * z)` from hash(seed, board name); scales
  impressions, and the click rate by `B^0.5` (some boards' audiences click more).
- **Reach** `R(pin)`: Pareto with alpha 1.3 from hash(seed, pin id), capped at 400; this heavy tail
  is why a few pins take most impressions.
- **Time of day** `T(hour)`: `1 + 0.4 * cos(2*pi*(hour - 21) / 24)` on the UTC hour the pin was
  created: evening pins (around 21:00) get up to 1.4x, morning ones down to 0.6x.
- **Decay** `D(age)`: `exp(-age / 12) + 0.2 * exp(-age / 90)` for age in whole days since creation;
  the creation day counts only the part of the day after the pin existed.
- **Daily noise**: lognormal `exp(0.3 * z)` per (pin, day), and a weekend bump of 1.1x.

Daily impressions ~ Poisson(60 * A^0.5 * B * R * T * D * noise); saves, pin clicks and outbound
clicks ~ Poisson(impressions * rate) capped at impressions, with base rates 1.5 %, 2.5 % and 0.8 %.
Numbers for a day that is not over yet (or not final) are derived from these by the analytics
module; this module knows only the final ("READY") values.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

METRICS = ("IMPRESSION", "SAVE", "PIN_CLICK", "OUTBOUND_CLICK")
BASE_IMPRESSIONS = 60.0
BASE_RATES = {"SAVE": 0.015, "PIN_CLICK": 0.025, "OUTBOUND_CLICK": 0.008}
APPEAL_EXPONENT = {"SAVE": 0.8, "PIN_CLICK": 0.6, "OUTBOUND_CLICK": 1.0}
# Standard deviation of log appeal that each part of a design id contributes.
APPEAL_WEIGHTS = {"template": 0.5, "palette": 0.2, "crop": 0.15}
PARETO_ALPHA = 1.3


@dataclass(frozen=True)
class PinFacts:
    """What the model needs to know about a pin (never changes after creation)."""

    pin_id: str
    board: str  # board name
    design: str
    created_at: datetime


def _rng(*parts: object) -> random.Random:
    digest = hashlib.blake2b("|".join(str(p) for p in parts).encode("utf-8"), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam < 40:
        limit, k, product = math.exp(-lam), 0, rng.random()
        while product > limit:
            k += 1
            product *= rng.random()
        return k
    return max(0, round(rng.gauss(lam, math.sqrt(lam))))


class EngagementModel:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._cache: dict[tuple[PinFacts, date], dict[str, int]] = {}
        self._appeal: dict[str, float] = {}  # a pure function of (seed, design): safe to keep
        self._board: dict[str, float] = {}  # likewise of (seed, board)
        self._reach: dict[str, float] = {}  # likewise of (seed, pin id)

    # -- hidden factors ----------------------------------------------------------------------
    def appeal_parts(self, design: str) -> dict[str, float]:
        """Each part's contribution to log appeal: template, and palette and crop for a full id."""
        parts = design.split(".")
        if len(parts) == 3 and all(parts):
            named = dict(zip(("template", "palette", "crop"), parts, strict=True))
        else:
            named = {"template": design}
        # The template's draw keeps the key "design", so a bare name's appeal is what it always was.
        kinds = {"template": "design", "palette": "palette", "crop": "crop"}
        return {
            part: APPEAL_WEIGHTS[part] * _rng(self.seed, kinds[part], value).gauss(0.0, 1.0)
            for part, value in named.items()
        }

    def appeal(self, design: str) -> float:
        """The true appeal of a design: the multiplier on its outbound click rate (median 1)."""
        value = self._appeal.get(design)
        if value is None:
            if len(self._appeal) > 100_000:  # image-hash designs are one per pin: stay bounded
                self._appeal.clear()
            value = self._appeal[design] = math.exp(sum(self.appeal_parts(design).values()))
        return value

    def board_affinity(self, board: str) -> float:
        value = self._board.get(board)
        if value is None:
            value = self._board[board] = math.exp(0.35 * _rng(self.seed, "board", board).gauss(0.0, 1.0))
        return value

    def reach(self, pin_id: str) -> float:
        value = self._reach.get(pin_id)
        if value is None:
            if len(self._reach) > 200_000:
                self._reach.clear()
            u = _rng(self.seed, "reach", pin_id).random()
            value = self._reach[pin_id] = min(400.0, (1.0 - u) ** (-1.0 / PARETO_ALPHA) * 0.6)
        return value

    @staticmethod
    def hour_effect(hour: int) -> float:
        return 1.0 + 0.4 * math.cos(2.0 * math.pi * (hour - 21) / 24.0)

    @staticmethod
    def decay(age_days: int) -> float:
        return math.exp(-age_days / 12.0) + 0.2 * math.exp(-age_days / 90.0)

    def rate(self, metric: str, design: str, board: str) -> float:
        """Expected per-impression rate of SAVE, PIN_CLICK or OUTBOUND_CLICK."""
        value = BASE_RATES[metric] * self.appeal(design) ** APPEAL_EXPONENT[metric]
        if metric == "OUTBOUND_CLICK":
            value *= math.sqrt(self.board_affinity(board))
        return min(0.5, value)

    # -- daily values --------------------------------------------------------------------------
    def day_fraction_alive(self, facts: PinFacts, day: date) -> float:
        """Share of `day` (UTC) during which the pin existed: 0 before creation, partial on day 0."""
        start = datetime.combine(day, time(0), tzinfo=UTC)
        created = facts.created_at.astimezone(UTC)
        if created >= start + timedelta(days=1):
            return 0.0
        if created <= start:
            return 1.0
        return (start + timedelta(days=1) - created).total_seconds() / 86400.0

    def ready(self, facts: PinFacts, day: date) -> dict[str, int]:
        """The final counts of one pin on one UTC day (all zero before the pin existed)."""
        key = (facts, day)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        alive = self.day_fraction_alive(facts, day)
        if alive <= 0:
            result = dict.fromkeys(METRICS, 0)
        else:
            created = facts.created_at.astimezone(UTC)
            age = (day - created.date()).days
            rng = _rng(self.seed, "day", facts.pin_id, day.isoformat())
            noise = math.exp(0.3 * rng.gauss(0.0, 1.0))
            weekend = 1.1 if day.weekday() >= 5 else 1.0
            lam = (
                BASE_IMPRESSIONS
                * math.sqrt(self.appeal(facts.design))
                * self.board_affinity(facts.board)
                * self.reach(facts.pin_id)
                * self.hour_effect(created.hour)
                * self.decay(age)
                * noise
                * weekend
                * alive
            )
            impressions = _poisson(rng, lam)
            result = {"IMPRESSION": impressions}
            for metric in ("SAVE", "PIN_CLICK", "OUTBOUND_CLICK"):
                result[metric] = min(
                    impressions, _poisson(rng, impressions * self.rate(metric, facts.design, facts.board))
                )
        if len(self._cache) > 500_000:  # bounded: a long demo must not grow without limit
            self._cache.clear()
        self._cache[key] = result
        return result

    def estimate_factor(self, pin_id: str, day: date) -> float:
        """How far a not-yet-final figure is off the final one (0.8 to 1.1, fixed per pin and day)."""
        return 0.8 + 0.3 * _rng(self.seed, "estimate", pin_id, day.isoformat()).random()


# Public names for the other simulations built on the same hashing (others' pins, surges).
rng_for = _rng
poisson = _poisson
