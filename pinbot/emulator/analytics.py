"""Pin, multi-pin and account analytics with Pinterest's response shape and date rules.

Shape (spec PinAnalyticsResponse / BulkPinAnalyticsResponse / AnalyticsResponse; docs/pinterest-api.md):
`{"all": {"daily_metrics": [{"date", "data_status", "metrics"}], "summary_metrics": {...},
"lifetime_metrics": {...}}}` (account analytics has no lifetime_metrics; multi-pin wraps one such
object per pin id). Rules, all answered 400 `{code, message}`: start_date and end_date required,
start <= end, start no more than 90 days before today (UTC, emulator clock), end no more than 90
days after start; pin analytics needs metric_types, and lifetime types (TOTAL_*) cannot be mixed
with period types. Days after today are not listed.

Per day: before the pin's creation day `BEFORE_PIN_CREATED` with empty metrics; today
`PROCESSING` with the part of the day so far; yesterday `ESTIMATE` (off the final value by a
fixed per-day factor); older days `READY`, the final numbers from the engagement model, identical
on every call. Multi-pin analytics is a beta: when disabled it answers 403 code 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pinbot.emulator.engagement import METRICS, EngagementModel, PinFacts
from pinbot.emulator.protocol import ApiError, Request, Response, parse_day
from pinbot.emulator.state import Pin, Store

PIN_METRIC_TYPES = frozenset(
    {"IMPRESSION", "OUTBOUND_CLICK", "PIN_CLICK", "SAVE", "SAVE_RATE", "USER_FOLLOW", "PROFILE_VISIT"}
)
LIFETIME_TYPES = frozenset({"TOTAL_COMMENTS", "TOTAL_REACTIONS"})
ACCOUNT_METRIC_TYPES = (
    "ENGAGEMENT",
    "ENGAGEMENT_RATE",
    "IMPRESSION",
    "OUTBOUND_CLICK",
    "OUTBOUND_CLICK_RATE",
    "PIN_CLICK",
    "PIN_CLICK_RATE",
    "SAVE",
    "SAVE_RATE",
)
MAX_DAYS_BACK = 90
MAX_SPAN_DAYS = 90
MULTI_PIN_MAX = 100
BETA_MESSAGE = "Your app does not have access to this beta endpoint (multi_pins/analytics)."


def pin_design(pin: Pin) -> str:
    """The design key the hidden appeal hangs on: the link's utm_term, else the image hash."""
    if pin.link:
        for key, value in parse_qsl(urlsplit(pin.link).query):
            if key == "utm_term" and value:
                return value
    return "img:" + pin.image_sha256[:16]


def with_rates(counts: dict[str, int]) -> dict[str, float]:
    out: dict[str, float] = dict(counts)
    impressions = counts.get("IMPRESSION", 0)
    engagement = counts.get("SAVE", 0) + counts.get("PIN_CLICK", 0) + counts.get("OUTBOUND_CLICK", 0)
    out["ENGAGEMENT"] = engagement
    for name, value in (
        ("SAVE_RATE", counts.get("SAVE", 0)),
        ("PIN_CLICK_RATE", counts.get("PIN_CLICK", 0)),
        ("OUTBOUND_CLICK_RATE", counts.get("OUTBOUND_CLICK", 0)),
        ("ENGAGEMENT_RATE", engagement),
    ):
        out[name] = round(value / impressions, 6) if impressions else 0.0
    return out


class Analytics:
    def __init__(
        self, store: Store, model: EngagementModel, now: Callable[[], datetime], *, multi_pin: bool = True
    ) -> None:
        self.store = store
        self.model = model
        self.now = now
        self.multi_pin = multi_pin

    def facts(self, pin: Pin) -> PinFacts:
        board = self.store.boards.get(pin.board_id)
        return PinFacts(pin.id, board.name if board else pin.board_id, pin_design(pin), pin.created_at)

    # -- one pin, one day ------------------------------------------------------------------------
    def day(self, pin: Pin, day: date, now: datetime) -> tuple[str, dict[str, int] | None]:
        """(data_status, counts) of one pin on one day as the API shows it right now."""
        facts = self.facts(pin)
        today = now.astimezone(UTC).date()
        if day < facts.created_at.astimezone(UTC).date():
            return "BEFORE_PIN_CREATED", None
        if pin.deleted_at is not None and day > pin.deleted_at.astimezone(UTC).date():
            return "READY", dict.fromkeys(METRICS, 0)
        final = self.model.ready(facts, day)
        if day < today - timedelta(days=1):
            return "READY", final
        factor = self.model.estimate_factor(pin.id, day)
        if day == today - timedelta(days=1):
            return "ESTIMATE", {k: round(v * factor) for k, v in final.items()}
        day_start = datetime.combine(day, time(0), tzinfo=UTC)
        alive_from = max(day_start, facts.created_at.astimezone(UTC))
        span = (day_start + timedelta(days=1) - alive_from).total_seconds()
        elapsed = min(1.0, max(0.0, (now - alive_from).total_seconds() / span)) if span > 0 else 0.0
        return "PROCESSING", {k: round(v * factor * elapsed) for k, v in final.items()}

    def totals(self, pin: Pin, start: date, end: date, now: datetime) -> dict[str, int]:
        sums = dict.fromkeys(METRICS, 0)
        for day in _days(start, min(end, now.astimezone(UTC).date())):
            _, counts = self.day(pin, day, now)
            for key, value in (counts or {}).items():
                sums[key] += value
        return sums

    # -- request parsing -----------------------------------------------------------------------
    def window(self, req: Request) -> tuple[date, date, datetime]:
        start = parse_day("start_date", req.arg("start_date"))
        end = parse_day("end_date", req.arg("end_date"))
        now = self.now()
        today = now.astimezone(UTC).date()
        if start > end:
            raise ApiError(400, 400, "Invalid parameters: start_date must not be after end_date.")
        if start < today - timedelta(days=MAX_DAYS_BACK):
            raise ApiError(
                400, 400, f"Invalid parameters: start_date cannot be more than {MAX_DAYS_BACK} days back from today."
            )
        if (end - start).days > MAX_SPAN_DAYS:
            raise ApiError(
                400, 400, f"Invalid parameters: end_date cannot be more than {MAX_SPAN_DAYS} days past start_date."
            )
        if req.arg("split_field", "NO_SPLIT") != "NO_SPLIT":
            raise ApiError(400, 400, "Invalid parameters: the emulator supports split_field=NO_SPLIT only.")
        return start, end, now

    def _pin_types(self, req: Request) -> list[str]:
        types = req.list_arg("metric_types")
        if not types:
            raise ApiError(400, 400, "Invalid parameters: metric_types is required.")
        unknown = [t for t in types if t not in PIN_METRIC_TYPES | LIFETIME_TYPES]
        if unknown:
            raise ApiError(400, 400, f"Invalid parameters: unknown metric_types {', '.join(unknown)}.")
        if set(types) & LIFETIME_TYPES and set(types) - LIFETIME_TYPES:
            raise ApiError(400, 400, "Invalid parameters: lifetime metrics cannot be mixed with period metrics.")
        return types

    def _app_key(self, req: Request) -> str:
        app = req.arg("app_types", "ALL") or "ALL"
        if app not in ("ALL", "MOBILE", "TABLET", "WEB"):
            raise ApiError(400, 400, f"Invalid parameters: app_types {app!r}.")
        return app.lower()

    # -- endpoints -------------------------------------------------------------------------------
    def pin_block(self, pin: Pin, start: date, end: date, types: list[str], now: datetime) -> dict[str, Any]:
        period = [t for t in types if t not in LIFETIME_TYPES]
        daily: list[dict[str, Any]] = []
        sums = dict.fromkeys(METRICS, 0)
        for day in _days(start, min(end, now.astimezone(UTC).date())):
            status, counts = self.day(pin, day, now)
            entry: dict[str, Any] = {"date": day.isoformat(), "data_status": status, "metrics": {}}
            if counts is not None:
                entry["metrics"] = _pick(with_rates(counts), period)
                for key, value in counts.items():
                    sums[key] += value
            daily.append(entry)
        lifetime = dict.fromkeys((t for t in types if t in LIFETIME_TYPES), 0)
        return {
            "daily_metrics": daily,
            "summary_metrics": _pick(with_rates(sums), period),
            "lifetime_metrics": lifetime,
        }

    def pin_analytics(self, req: Request, pin_id: str) -> Response:
        pin = self.store.pins.get(pin_id)
        if pin is None or not pin.alive:
            raise ApiError(404, 50, "Pin not found.")
        start, end, now = self.window(req)
        types = self._pin_types(req)
        return Response(200, {self._app_key(req): self.pin_block(pin, start, end, types, now)})

    def multi_pin_analytics(self, req: Request) -> Response:
        if not self.multi_pin:
            raise ApiError(403, 403, BETA_MESSAGE)
        ids = req.list_arg("pin_ids")
        if not 1 <= len(ids) <= MULTI_PIN_MAX:
            raise ApiError(400, 1, f"Invalid multi_pins analytics parameters: pass 1 to {MULTI_PIN_MAX} pin_ids.")
        start, end, now = self.window(req)
        types = self._pin_types(req)
        key = self._app_key(req)
        out: dict[str, Any] = {}
        for pin_id in dict.fromkeys(ids):
            pin = self.store.pins.get(pin_id)
            if pin is None or not pin.alive:
                raise ApiError(404, 50, "Pin not found.")
            out[pin_id] = {key: self.pin_block(pin, start, end, types, now)}
        return Response(200, out)

    def account_analytics(self, req: Request) -> Response:
        start, end, now = self.window(req)
        types = req.list_arg("metric_types") or list(ACCOUNT_METRIC_TYPES)
        unknown = [t for t in types if t not in ACCOUNT_METRIC_TYPES]
        if unknown:
            raise ApiError(400, 400, f"Invalid parameters: unknown metric_types {', '.join(unknown)}.")
        today = now.astimezone(UTC).date()
        daily: list[dict[str, Any]] = []
        sums = dict.fromkeys(METRICS, 0)
        pins = list(self.store.pins.values())
        for day in _days(start, min(end, today)):
            counts = dict.fromkeys(METRICS, 0)
            for pin in pins:
                _, pin_counts = self.day(pin, day, now)
                for k, v in (pin_counts or {}).items():
                    counts[k] += v
            for k, v in counts.items():
                sums[k] += v
            status = "READY" if day < today - timedelta(days=1) else "ESTIMATE" if day < today else "PROCESSING"
            daily.append({"date": day.isoformat(), "data_status": status, "metrics": _pick(with_rates(counts), types)})
        return Response(
            200, {self._app_key(req): {"daily_metrics": daily, "summary_metrics": _pick(with_rates(sums), types)}}
        )

    def pin_metrics(self, pin: Pin) -> dict[str, Any]:
        """`pin_metrics` of GET /pins/{id}?pin_metrics=true: last 90 days and lifetime."""
        now = self.now()
        today = now.astimezone(UTC).date()
        created = pin.created_at.astimezone(UTC).date()
        recent = self.totals(pin, today - timedelta(days=MAX_DAYS_BACK), today, now)
        lifetime = self.totals(pin, created, today, now)

        def shape(c: dict[str, int]) -> dict[str, int]:
            return {
                "impression": c["IMPRESSION"],
                "save": c["SAVE"],
                "pin_click": c["PIN_CLICK"],
                "clickthrough": c["OUTBOUND_CLICK"],
            }

        return {"90d": shape(recent), "lifetime_metrics": {**shape(lifetime), "reaction": 0, "comment": 0}}

    def monthly_views(self) -> int:
        now = self.now()
        today = now.astimezone(UTC).date()
        return sum(
            self.totals(p, today - timedelta(days=30), today, now)["IMPRESSION"] for p in self.store.pins.values()
        )


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _pick(values: dict[str, float], types: list[str]) -> dict[str, float]:
    return {t: values.get(t, 0) for t in types}
