"""Account analytics with Pinterest's filters, top pins, and the claimed websites (spec 5.23.0).

`GET /user_account/analytics` and `/user_account/analytics/top_pins` take the same filters:
`source` (ALL, YOUR_PINS, OTHER_PINS: others' pins of the shop's claimed website),
`from_claimed_content` (OTHER, CLAIMED, BOTH: whether the pin links to the claimed website; others'
pins always do), `content_type` (ALL, ORGANIC, PAID: every emulated pin is organic) and
`pin_format` (ALL, ORGANIC_IMAGE, ...: every emulated pin is an organic image). Top pins answer
`{pins: [{pin_id, metrics, data_status: {date: status}}], sort_by, date_availability}` for at most
`num_of_pins` (1-50, default 10) pins with some of the sort metric, best first;
`created_in_last_n_days` accepts only 30. `GET /user_account/websites` lists the claimed website.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pinbot.emulator.analytics import ACCOUNT_METRIC_TYPES, Analytics, days_between, pick, with_rates
from pinbot.emulator.engagement import METRICS, PinFacts
from pinbot.emulator.protocol import ApiError, Request, Response
from pinbot.emulator.state import Store
from pinbot.links import domain_of

SOURCES = ("ALL", "YOUR_PINS", "OTHER_PINS")
CLAIMED = ("OTHER", "CLAIMED", "BOTH")
CONTENT_TYPES = ("ALL", "PAID", "ORGANIC")
PIN_FORMATS: tuple[str, ...] = ("ALL", "ORGANIC_IMAGE", "ORGANIC_PRODUCT", "ORGANIC_VIDEO")
PIN_FORMATS += ("ADS_STANDARD", "ADS_PRODUCT", "ADS_VIDEO", "ADS_IDEA")
VERIFIED_AT = "2024-01-15T09:30:00.000000"
SORTS = ("ENGAGEMENT", "IMPRESSION", "OUTBOUND_CLICK", "PIN_CLICK", "SAVE")

Candidate = tuple[PinFacts, datetime | None]  # a pin's facts and when it was deleted


def _choice(req: Request, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = req.arg(name, default) or default
    if value not in allowed:
        raise ApiError(400, 400, f"Invalid parameters: {name} {value!r} is not one of {', '.join(allowed)}.")
    return value


class Reach:
    def __init__(self, store: Store, analytics: Analytics, now: Callable[[], datetime]) -> None:
        self.store = store
        self.analytics = analytics
        self.now = now

    def claimed(self, link: str | None) -> bool:
        site = self.analytics.earned.settings.website
        if not site or not link:
            return False
        host = domain_of(link)
        site = site.lower().removeprefix("www.")
        return host == site or host.endswith("." + site)

    def candidates(self, req: Request, start: date, end: date) -> Iterator[Candidate]:
        """The pins the request's filters select (own pins include deleted ones: they earned once)."""
        source = _choice(req, "source", SOURCES, "ALL")
        claimed = _choice(req, "from_claimed_content", CLAIMED, "BOTH")
        content = _choice(req, "content_type", CONTENT_TYPES, "ALL")
        fmt = _choice(req, "pin_format", PIN_FORMATS, "ALL")
        if content == "PAID" or fmt not in ("ALL", "ORGANIC_IMAGE"):
            return
        if source in ("ALL", "YOUR_PINS"):
            for pin in self.store.pins.values():
                is_claimed = self.claimed(pin.link)
                if claimed == "BOTH" or (claimed == "CLAIMED") == is_claimed:
                    yield self.analytics.facts(pin), pin.deleted_at
        if source in ("ALL", "OTHER_PINS") and claimed != "OTHER" and self.analytics.earned.settings.website:
            for other in self.analytics.earned.alive_on(start, end):
                yield other.facts, None

    def _status(self, day: date, today: date) -> str:
        return "READY" if day < today - timedelta(days=1) else "ESTIMATE" if day < today else "PROCESSING"

    def account_analytics(self, req: Request) -> Response:
        start, end, now = self.analytics.window(req)
        types = req.list_arg("metric_types") or list(ACCOUNT_METRIC_TYPES)
        unknown = [t for t in types if t not in ACCOUNT_METRIC_TYPES]
        if unknown:
            raise ApiError(400, 400, f"Invalid parameters: unknown metric_types {', '.join(unknown)}.")
        today = now.astimezone(UTC).date()
        pins = list(self.candidates(req, start, end))
        daily: list[dict[str, Any]] = []
        sums = dict.fromkeys(METRICS, 0)
        for day in days_between(start, min(end, today)):
            counts = dict.fromkeys(METRICS, 0)
            for facts, deleted in pins:
                _, pin_counts = self.analytics.day_of(facts, day, now, deleted)
                for k, v in (pin_counts or {}).items():
                    counts[k] += v
            for k, v in counts.items():
                sums[k] += v
            metrics = pick(with_rates(counts), types)
            daily.append({"date": day.isoformat(), "data_status": self._status(day, today), "metrics": metrics})
        key = self.analytics.app_key(req)
        return Response(200, {key: {"daily_metrics": daily, "summary_metrics": pick(with_rates(sums), types)}})

    def top_pins(self, req: Request) -> Response:
        start, end, now = self.analytics.window(req)
        sort_by = req.arg("sort_by")
        if sort_by not in SORTS:
            raise ApiError(400, 400, f"Invalid parameters: sort_by must be one of {', '.join(SORTS)}.")
        raw = req.arg("num_of_pins", "10") or "10"
        if not raw.isdigit() or not 1 <= int(raw) <= 50:
            raise ApiError(400, 400, "Invalid parameters: num_of_pins must be 1 to 50.")
        recent = req.arg("created_in_last_n_days")
        if recent not in (None, "30"):
            raise ApiError(400, 400, "Invalid parameters: created_in_last_n_days accepts only 30.")
        types = req.list_arg("metric_types") or list(ACCOUNT_METRIC_TYPES)
        self.analytics.app_key(req)
        today = now.astimezone(UTC).date()
        cutoff = datetime.combine(today - timedelta(days=30), time(0), tzinfo=UTC) if recent else None
        rows = []
        for facts, deleted in self.candidates(req, start, end):
            if cutoff is not None and facts.created_at < cutoff:
                continue
            sums = dict.fromkeys(METRICS, 0)
            statuses: dict[str, str] = {}
            for day in days_between(start, min(end, today)):
                status, counts = self.analytics.day_of(facts, day, now, deleted)
                statuses[day.isoformat()] = status
                for k, v in (counts or {}).items():
                    sums[k] += v
            metrics = with_rates(sums)
            if metrics[sort_by] > 0:
                rows.append((metrics[sort_by], facts.pin_id, pick(metrics, types), statuses))
        rows.sort(key=lambda r: (-r[0], int(r[1])))
        pins = [{"pin_id": pid, "metrics": m, "data_status": s} for _, pid, m, s in rows[: int(raw)]]
        latest = datetime.combine(min(end, today - timedelta(days=1)), time(23, 59, 59), tzinfo=UTC)
        availability = {"is_realtime": False, "latest_available_timestamp": int(latest.timestamp()) * 1000}
        return Response(200, {"date_availability": availability, "pins": pins, "sort_by": sort_by})

    def websites(self, req: Request) -> Response:
        site = self.analytics.earned.settings.website
        items: list[dict[str, Any]] = []
        if site:
            items.append({"website": site, "status": "verified", "verified_at": VERIFIED_AT})
        return Response(200, {"items": items, "bookmark": None})
