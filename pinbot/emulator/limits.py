"""Rate limits per Pinterest category (org_read, org_write, org_analytics), per fixed window.

Presets follow docs/pinterest-api.md: a trial app counts per UTC day, a standard app per minute. Each
category has its own quota; a request over quota gets 429 `{"code": 8, ...}` with `Retry-After`
(seconds to the window's end) and `X-RateLimit-Limit/Remaining/Reset` (Reset = Unix epoch seconds
of the window's end on the emulator's clock). Those headers ride on every counted response too,
so a client can pace itself. Rejected requests are not counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from pinbot.emulator.protocol import ApiError

CATEGORIES = ("org_read", "org_write", "org_analytics")
PRESETS: dict[str, dict[str, int]] = {
    "trial": {"org_read": 1000, "org_write": 300, "org_analytics": 1000},
    "standard": {"org_read": 1000, "org_write": 100, "org_analytics": 60},
}
WINDOWS = {"trial": 86400, "standard": 60}
RATE_LIMIT_MESSAGE = (
    "This request exceeded a rate limit. This can happen if the client exceeds one of the published "
    "rate limits or if multiple write operations are applied to an object within a short time window."
)


@dataclass(frozen=True)
class Verdict:
    limit: int
    remaining: int
    reset_epoch: int
    retry_after: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_epoch),
        }


class RateLimiter:
    def __init__(
        self,
        tier: str = "trial",
        limits: Mapping[str, int] | None = None,
        window_seconds: int | None = None,
    ) -> None:
        if tier not in PRESETS:
            raise ValueError(f"tier must be trial or standard, got {tier!r}")
        unknown = set(limits or {}) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown rate-limit categories: {', '.join(sorted(unknown))}")
        self.tier = tier
        self.limits = {**PRESETS[tier], **(limits or {})}
        self.window = window_seconds or WINDOWS[tier]
        self._counts: dict[tuple[str, int], int] = {}
        self.rejected = 0

    def hit(self, category: str, now: datetime) -> Verdict:
        """Count one request in `category`, or raise the 429 ApiError when the quota is spent."""
        epoch = now.astimezone(UTC).timestamp()
        window_start = int(epoch // self.window) * self.window
        reset = window_start + self.window
        limit = self.limits[category]
        key = (category, window_start)
        used = self._counts.get(key, 0)
        retry_after = max(1, math.ceil(reset - epoch))
        if used >= limit:
            self.rejected += 1
            verdict = Verdict(limit, 0, reset, retry_after)
            raise ApiError(429, 8, RATE_LIMIT_MESSAGE, headers={**verdict.headers(), "Retry-After": str(retry_after)})
        self._counts = {k: v for k, v in self._counts.items() if k[1] == window_start} if used == 0 else self._counts
        self._counts[key] = used + 1
        return Verdict(limit, limit - used - 1, reset, retry_after)

    def used(self, category: str, now: datetime) -> int:
        window_start = int(now.astimezone(UTC).timestamp() // self.window) * self.window
        return self._counts.get((category, window_start), 0)
