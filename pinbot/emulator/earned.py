"""Earned reach in the emulator: pins other people make of the shop's website, and pins taking off.

Others' pins (Pinterest's `source=OTHER_PINS`, all from the claimed website) arrive every UTC day,
Poisson with mean `others_per_day`, each drawn from hashes of (seed, creation day, index) so the
population never needs storing and is the same on every call. Each such pin earns by the same
engagement model as the shop's own (heavy-tailed Pareto reach, decay with age, daily noise).

Taking off: a pin (own or others') goes viral with probability `viral_rate`, once, at an onset
7 to 60 days after it was made. From then on it gets extra impressions
`max(FLOOR * V / 8, base * (V - 1)) * g(t)` with `V` lognormal (median 8, at least 4), `g` = 0.6
on the onset day, 1 the day after, then `exp(-(t - 1) / 25)`; the extra impressions save and
click at the pin's own rates. So a surge is by construction at least 4x the pin's own level and
at least `FLOOR / 2` impressions a day: a "true surge" for the surge bench (`true_surges`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pinbot.emulator.engagement import METRICS, EngagementModel, PinFacts
from pinbot.emulator.engagement import poisson as _poisson
from pinbot.emulator.engagement import rng_for as _rng

OTHER_ID_BASE = 900_000_000_000_000_000
LIFETIME_DAYS = 200  # an others' pin older than this earns nothing worth simulating (decay < 1 %)
FLOOR_IMPRESSIONS = 1500.0
ONSET_MIN, ONSET_MAX = 7, 60
OTHERS_BOARD = "others"


@dataclass(frozen=True)
class EarnedSettings:
    others_per_day: float = 0.0  # new pins of the shop's site made by other people, per day
    viral_rate: float = 0.0  # share of pins (own and others') that take off once in their life
    website: str | None = "shop.example"  # the claimed website; None: the shop has not claimed one


@dataclass(frozen=True)
class Viral:
    onset: date
    strength: float  # V: the multiplier on the pin's own level at the peak


@dataclass(frozen=True)
class OtherPin:
    facts: PinFacts

    @property
    def id(self) -> str:
        return self.facts.pin_id


class Earned:
    def __init__(self, model: EngagementModel, settings: EarnedSettings) -> None:
        self.model = model
        self.settings = settings
        # Both are pure functions of (seed, settings, key): safe to keep, bounded below.
        self._made: dict[date, list[OtherPin]] = {}
        self._viral: dict[str, Viral | None] = {}

    # -- who pins the shop ----------------------------------------------------------------------
    def made_on(self, day: date) -> list[OtherPin]:
        """Others' pins created on one UTC day."""
        if self.settings.others_per_day <= 0:
            return []
        cached = self._made.get(day)
        if cached is not None:
            return cached
        if len(self._made) > 5000:
            self._made.clear()
        rng = _rng(self.model.seed, "others", day.isoformat())
        count = _poisson(rng, self.settings.others_per_day)
        pins = []
        for i in range(min(count, 999)):
            pin_id = str(OTHER_ID_BASE + day.toordinal() * 1000 + i)
            hour = _rng(self.model.seed, "others-hour", pin_id).random() * 24
            created = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(hours=hour)
            pins.append(OtherPin(PinFacts(pin_id, OTHERS_BOARD, f"other:{pin_id}", created)))
        self._made[day] = pins
        return pins

    def alive_on(self, first: date, last: date) -> Iterator[OtherPin]:
        """Others' pins that exist at some point of [first, last] and still earn."""
        day = first - timedelta(days=LIFETIME_DAYS)
        while day <= last:
            yield from self.made_on(day)
            day += timedelta(days=1)

    # -- pins taking off ------------------------------------------------------------------------
    def viral(self, facts: PinFacts) -> Viral | None:
        if self.settings.viral_rate <= 0:
            return None
        if facts.pin_id in self._viral:
            return self._viral[facts.pin_id]
        if len(self._viral) > 200_000:
            self._viral.clear()
        self._viral[facts.pin_id] = found = self._draw_viral(facts)
        return found

    def _draw_viral(self, facts: PinFacts) -> Viral | None:
        rng = _rng(self.model.seed, "viral", facts.pin_id)
        if rng.random() >= self.settings.viral_rate:
            return None
        onset_age = ONSET_MIN + int(rng.random() * (ONSET_MAX - ONSET_MIN + 1))
        strength = max(4.0, math.exp(math.log(8.0) + 0.5 * rng.gauss(0.0, 1.0)))
        return Viral(facts.created_at.astimezone(UTC).date() + timedelta(days=onset_age), strength)

    @staticmethod
    def shape(days_since_onset: int) -> float:
        if days_since_onset < 0:
            return 0.0
        if days_since_onset == 0:
            return 0.6
        return math.exp(-(days_since_onset - 1) / 25.0)

    def final(self, facts: PinFacts, day: date) -> dict[str, int]:
        """The final counts of a pin on a day: the engagement model plus any surge."""
        base = self.model.ready(facts, day)
        viral = self.viral(facts)
        if viral is None or day < viral.onset:
            return base
        g = self.shape((day - viral.onset).days)
        lam = max(FLOOR_IMPRESSIONS * viral.strength / 8.0, base["IMPRESSION"] * (viral.strength - 1.0)) * g
        rng = _rng(self.model.seed, "surge", facts.pin_id, day.isoformat())
        extra = _poisson(rng, lam)
        out = {"IMPRESSION": base["IMPRESSION"] + extra}
        for metric in METRICS[1:]:
            more = min(extra, _poisson(rng, extra * self.model.rate(metric, facts.design, facts.board)))
            out[metric] = base[metric] + more
        return out
