"""Emulated analytics: Pinterest's date rules and shape, data_status by age, determinism, growth,
and an engagement model where a better design truly earns more outbound clicks."""

from __future__ import annotations

import base64
import io
import math
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from statistics import fmean, stdev
from typing import Any

import pytest
import requests
from PIL import Image

from pinbot.clock import FakeClock
from pinbot.emulator import Emulator
from pinbot.emulator.engagement import EngagementModel, PinFacts
from pinbot.links import marker_for, tagged_link

METRICS = "IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _jpeg() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (30, 45), (10, 90, 160)).save(buf, "JPEG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


JPEG = _jpeg()


class Api:
    def __init__(self, emu: Emulator) -> None:
        self.base = emu.base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = (
            "Bearer " + emu.mint_tokens(access_ttl=400 * 86400)["access_token"]
        )  # outlives the simulated months

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.base + path, params=params, timeout=10)

    def pin(self, board_id: str, design: str = "d1") -> str:
        link = tagged_link("https://shop.example/p", marker=marker_for(uuid.uuid4().hex), campaign="c", design=design)
        body = {
            "board_id": board_id,
            "title": "t",
            "link": link,
            "media_source": {"source_type": "image_base64", "content_type": "image/jpeg", "data": JPEG},
        }
        r = self.session.post(self.base + "/pins", json=body, timeout=10)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def analytics(self, pin_id: str, start: date, end: date, **extra: Any) -> requests.Response:
        params = {"start_date": start.isoformat(), "end_date": end.isoformat(), "metric_types": METRICS, **extra}
        return self.get(f"/pins/{pin_id}/analytics", **params)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[Emulator]:
    with Emulator("app", "secret", clock=clock, seed=21) as e:
        yield e


@pytest.fixture
def api(emu: Emulator) -> Api:
    return Api(emu)


def _today(clock: FakeClock) -> date:
    return clock.now().date()


# -- rules -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start_back", "end_back", "extra", "needle"),
    [
        (91, 0, {}, "90 days back"),
        (90, -1, {}, "90 days past"),
        (1, 2, {}, "after end_date"),
        (1, 0, {"metric_types": ""}, "metric_types is required"),
        (1, 0, {"metric_types": "IMPRESSION,FAME"}, "FAME"),
        (1, 0, {"metric_types": "IMPRESSION,TOTAL_COMMENTS"}, "lifetime"),
        (1, 0, {"start_date": "2026-13-01"}, "start_date"),
        (1, 0, {"split_field": "APP_TYPE"}, "split_field"),
    ],
)
def test_analytics_date_and_metric_rules(
    api: Api, emu: Emulator, clock: FakeClock, start_back: int, end_back: int, extra: dict[str, str], needle: str
) -> None:
    board = emu.add_board("Mugs")["id"]
    pin = api.pin(board)
    clock.advance(days=100)
    today = _today(clock)
    r = api.analytics(pin, today - timedelta(days=start_back), today - timedelta(days=end_back), **extra)
    assert r.status_code == 400, r.text
    assert set(r.json()) == {"code", "message"} and needle in r.json()["message"]


def test_the_full_90_day_window_is_allowed(api: Api, emu: Emulator, clock: FakeClock) -> None:
    pin = api.pin(emu.add_board("Mugs")["id"])
    clock.advance(days=100)
    today = _today(clock)
    r = api.analytics(pin, today - timedelta(days=90), today)
    assert r.status_code == 200
    assert len(r.json()["all"]["daily_metrics"]) == 91


def test_data_status_by_age_and_shape(api: Api, emu: Emulator, clock: FakeClock) -> None:
    pin = api.pin(emu.add_board("Mugs")["id"])  # created 2026-01-05 09:00
    clock.advance(days=5)  # now 2026-01-10 09:00
    body = api.analytics(pin, date(2026, 1, 4), date(2026, 1, 12)).json()
    assert list(body) == ["all"]
    block = body["all"]
    assert set(block) == {"daily_metrics", "summary_metrics", "lifetime_metrics"}
    days = block["daily_metrics"]
    assert [d["date"] for d in days] == [f"2026-01-{n:02d}" for n in range(4, 11)]  # nothing after today
    statuses = [d["data_status"] for d in days]
    assert statuses == ["BEFORE_PIN_CREATED", "READY", "READY", "READY", "READY", "ESTIMATE", "PROCESSING"]
    assert days[0]["metrics"] == {}
    assert all(set(d["metrics"]) == set(METRICS.split(",")) for d in days[1:])
    for metric in METRICS.split(","):
        assert block["summary_metrics"][metric] == sum(d["metrics"].get(metric, 0) for d in days)
    assert sum(d["metrics"]["IMPRESSION"] for d in days[1:5]) > 0


def test_ready_numbers_are_fixed_and_totals_grow(api: Api, emu: Emulator, clock: FakeClock) -> None:
    pin = api.pin(emu.add_board("Mugs")["id"])
    created = date(2026, 1, 5)
    clock.advance(days=4)
    first = api.analytics(pin, created, _today(clock)).json()["all"]
    again = api.analytics(pin, created, _today(clock)).json()["all"]
    assert first == again  # consistent between calls
    totals = [first["summary_metrics"]["IMPRESSION"]]
    for _ in range(3):
        clock.advance(days=3)
        later = api.analytics(pin, created, _today(clock)).json()["all"]
        ready_before = [d for d in first["daily_metrics"] if d["data_status"] == "READY"]
        assert later["daily_metrics"][: len(ready_before)] == ready_before  # READY days never change
        totals.append(later["summary_metrics"]["IMPRESSION"])
    assert totals == sorted(totals) and totals[-1] > totals[0]  # metrics grow over simulated days
    # An ESTIMATE settles on the final value once it is READY.
    final = api.analytics(pin, date(2026, 1, 8), date(2026, 1, 8)).json()["all"]["daily_metrics"][0]
    facts = PinFacts(pin, "Mugs", "d1", START)
    assert final["data_status"] == "READY"
    assert final["metrics"] == EngagementModel(21).ready(facts, date(2026, 1, 8))


def test_same_seed_same_numbers_other_seed_other_numbers(clock: FakeClock) -> None:
    def run(seed: int) -> list[dict[str, Any]]:
        local = FakeClock(START)
        with Emulator("app", "secret", clock=local, seed=seed) as emu:
            api = Api(emu)
            board = emu.add_board("Mugs")["id"]
            pins = [api.pin(board, design=f"d{i}") for i in range(3)]
            local.advance(days=10)
            return [api.analytics(p, date(2026, 1, 5), local.now().date()).json() for p in pins]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_multi_pin_matches_single_pin_and_can_be_disabled(api: Api, emu: Emulator, clock: FakeClock) -> None:
    board = emu.add_board("Mugs")["id"]
    pins = [api.pin(board, design=f"d{i}") for i in range(3)]
    clock.advance(days=6)
    start, end = date(2026, 1, 5), _today(clock)
    multi = api.get(
        "/pins/analytics",
        pin_ids=",".join(pins),
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        metric_types=METRICS,
    )
    assert multi.status_code == 200
    assert multi.json() == {p: api.analytics(p, start, end).json() for p in pins}
    params = {"start_date": start.isoformat(), "end_date": end.isoformat(), "metric_types": METRICS}
    too_many = api.get("/pins/analytics", pin_ids=",".join(str(10**17 + i) for i in range(101)), **params)
    assert too_many.status_code == 400
    unknown = api.get("/pins/analytics", pin_ids=pins[0] + ",123", **params)
    assert unknown.status_code == 404 and unknown.json()["code"] == 50
    emu.analytics.multi_pin = False
    beta = api.get("/pins/analytics", pin_ids=pins[0], **params)
    assert beta.status_code == 403 and "beta" in beta.json()["message"]


def test_account_analytics_sums_the_pins(api: Api, emu: Emulator, clock: FakeClock) -> None:
    board = emu.add_board("Mugs")["id"]
    pins = [api.pin(board, design=f"d{i}") for i in range(4)]
    clock.advance(days=8)
    start, end = date(2026, 1, 3), _today(clock)
    account = api.get("/user_account/analytics", start_date=start.isoformat(), end_date=end.isoformat()).json()["all"]
    assert set(account) == {"daily_metrics", "summary_metrics"}
    assert set(account["summary_metrics"]) == {
        "ENGAGEMENT",
        "ENGAGEMENT_RATE",
        "IMPRESSION",
        "OUTBOUND_CLICK",
        "OUTBOUND_CLICK_RATE",
        "PIN_CLICK",
        "PIN_CLICK_RATE",
        "SAVE",
        "SAVE_RATE",
    }
    per_pin = [api.analytics(p, start, end).json()["all"]["daily_metrics"] for p in pins]
    for i, day in enumerate(account["daily_metrics"]):
        expected = sum(days[i]["metrics"].get("IMPRESSION", 0) for days in per_pin)
        assert day["metrics"]["IMPRESSION"] == expected
    summary = account["summary_metrics"]
    assert summary["OUTBOUND_CLICK_RATE"] == pytest.approx(summary["OUTBOUND_CLICK"] / summary["IMPRESSION"], abs=1e-6)
    assert summary["ENGAGEMENT"] == summary["SAVE"] + summary["PIN_CLICK"] + summary["OUTBOUND_CLICK"]
    only = api.get(
        "/user_account/analytics", start_date=start.isoformat(), end_date=end.isoformat(), metric_types="SAVE"
    )
    assert set(only.json()["all"]["summary_metrics"]) == {"SAVE"}
    assert api.get("/user_account").json()["monthly_views"] > 0


def test_pin_metrics_on_get_pin(api: Api, emu: Emulator, clock: FakeClock) -> None:
    pin = api.pin(emu.add_board("Mugs")["id"])
    clock.advance(days=5)
    lifetime = api.get(f"/pins/{pin}", pin_metrics="true").json()["pin_metrics"]["lifetime_metrics"]
    daily = api.analytics(pin, date(2026, 1, 5), _today(clock)).json()["all"]["summary_metrics"]
    assert lifetime["impression"] == daily["IMPRESSION"] and lifetime["clickthrough"] == daily["OUTBOUND_CLICK"]
    assert "pin_metrics" not in api.get(f"/pins/{pin}").json()


# -- the engagement model ----------------------------------------------------------------------------
def _designs_apart(emu: Emulator, ratio: float = 2.0) -> tuple[str, str]:
    names = [f"design-{i}" for i in range(60)]
    low = min(names, key=emu.true_appeal)
    high = max(names, key=emu.true_appeal)
    assert emu.true_appeal(high) / emu.true_appeal(low) >= ratio
    return low, high


def test_a_better_design_earns_a_higher_outbound_click_rate(api: Api, emu: Emulator, clock: FakeClock) -> None:
    low, high = _designs_apart(emu)
    boards = [emu.add_board(name)["id"] for name in ("Mugs", "Bowls")]
    made: dict[str, list[str]] = {low: [], high: []}
    for i in range(30):
        for design in (low, high):
            made[design].append(api.pin(boards[i % 2], design=design))
        clock.advance(hours=5)  # spread over the day's hours
    clock.advance(days=30)
    start = date(2026, 1, 5)
    end = start + timedelta(days=40)
    rates = {}
    for design, pins in made.items():
        body = api.get(
            "/pins/analytics",
            pin_ids=",".join(pins),
            start_date=start.isoformat(),
            end_date=end.isoformat(),
            metric_types=METRICS,
        ).json()
        impressions = sum(b["all"]["summary_metrics"]["IMPRESSION"] for b in body.values())
        clicks = sum(b["all"]["summary_metrics"]["OUTBOUND_CLICK"] for b in body.values())
        rates[design] = clicks / impressions
    assert rates[high] > 1.5 * rates[low]


def test_appeal_is_composed_from_the_design_id_parts() -> None:
    """log A = 0.5 z(template) + 0.2 z(palette) + 0.15 z(crop): a template's effect is the same in
    every palette and crop, so an experiment that varies them between rounds still measures it."""
    model = EngagementModel(seed=5)
    templates, palettes, crops = (
        ("photo-band", "split-block", "collage"),
        ("brand", "accent", "light", "dark"),
        ("subject", "close", "centre"),
    )
    for p in palettes:
        for c in crops:
            for t1, t2 in ((templates[0], templates[1]), (templates[1], templates[2])):
                ratio = model.appeal(f"{t1}.{p}.{c}") / model.appeal(f"{t2}.{p}.{c}")
                assert ratio == pytest.approx(model.appeal(t1) / model.appeal(t2), rel=1e-12)
            # ... and a palette's (or crop's) effect is the same on every template.
            assert model.appeal(f"collage.{p}.{c}") / model.appeal(f"collage.brand.{c}") == pytest.approx(
                model.appeal(f"photo-band.{p}.{c}") / model.appeal(f"photo-band.brand.{c}"), rel=1e-12
            )
    full = model.appeal_parts("photo-band.dark.close")
    assert set(full) == {"template", "palette", "crop"}
    assert full["template"] == pytest.approx(math.log(model.appeal("photo-band")))
    assert math.log(model.appeal("photo-band.dark.close")) == pytest.approx(sum(full.values()))
    for name in ("d1", "img:0a1b2c", "photo-band.dark", "a..b", "a.b.c.d"):  # not a full id: template alone
        assert set(model.appeal_parts(name)) == {"template"}
    # The parts really vary (sd of log appeal 0.5, 0.2 and 0.15), and the same seed gives the same draws.
    names = [f"t{i}" for i in range(400)]
    for part, sd, make in (
        ("template", 0.5, lambda n: n),
        ("palette", 0.2, lambda n: f"t.{n}.c"),
        ("crop", 0.15, lambda n: f"t.p.{n}"),
    ):
        logs = [model.appeal_parts(make(n))[part] for n in names]
        assert stdev(logs) == pytest.approx(sd, rel=0.15) and abs(fmean(logs)) < sd / 5
    again, other = EngagementModel(seed=5), EngagementModel(seed=6)
    assert again.appeal("split-block.light.centre") == model.appeal("split-block.light.centre")
    assert other.appeal("split-block.light.centre") != model.appeal("split-block.light.centre")


def test_a_few_pins_take_most_impressions() -> None:
    model = EngagementModel(seed=9)
    totals = []
    for i in range(300):
        facts = PinFacts(str(800_000_000_000_000_000 + i), "Mugs", "same", START)
        totals.append(sum(model.ready(facts, START.date() + timedelta(days=d))["IMPRESSION"] for d in range(30)))
    totals.sort(reverse=True)
    assert sum(totals[:30]) > 0.35 * sum(totals)  # the top 10 % of pins
    assert totals[len(totals) // 2] < sum(totals) / len(totals)  # median below mean: heavy right tail


def test_posting_time_and_age_shape_impressions() -> None:
    model = EngagementModel(seed=9)

    def mean_impressions(hour: int, day_offset: int) -> float:
        created = START.replace(hour=hour, minute=0)
        values = []
        for i in range(200):
            facts = PinFacts(str(810_000_000_000_000_000 + i), "Mugs", "same", created)
            values.append(model.ready(facts, created.date() + timedelta(days=day_offset))["IMPRESSION"])
        return sum(values) / len(values)

    assert mean_impressions(21, 1) > 1.5 * mean_impressions(9, 1)  # evening beats morning
    assert mean_impressions(21, 1) > 3 * mean_impressions(21, 25)  # interest decays with age
    facts = PinFacts("1", "Mugs", "same", START)
    assert model.ready(facts, START.date() - timedelta(days=1)) == dict.fromkeys(
        ("IMPRESSION", "SAVE", "PIN_CLICK", "OUTBOUND_CLICK"), 0
    )
