"""Finding surges in what the pull and the metrics sweep stored, and remembering each one once.

Reads the top-pins days (earned and owned), the sweep's per-pin days for the shop's own pins,
and the shop's typical pin by age; applies `pinbot.advocates.detect.judge` to every pin seen
lately; records a `Surge` row the first time a pin surges. While it keeps surging (seen again
within `COOLDOWN_DAYS`) it is the same surge: the owner hears about it once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from pinbot.advocates import detect
from pinbot.advocates.pull import NEW_SOURCE
from pinbot.clock import as_utc
from pinbot.store.db import session_scope
from pinbot.store.models import PinStatus, Surge, TopPinDaily, TopPinList
from pinbot.store.tables import PIN, PMD

COOLDOWN_DAYS = 7
TYPICAL_DAYS = 60
METRIC_SORT = {"saves": "SAVE", "outbound_clicks": "OUTBOUND_CLICK"}
PIN_PAGE = "https://www.pinterest.com/pin/{}/"


def pin_page(pinterest_pin_id: str) -> str:
    return PIN_PAGE.format(pinterest_pin_id)


@dataclass(frozen=True)
class Found:
    surge: Surge
    verdict: detect.Verdict
    new: bool


@dataclass
class _Own:
    pin_id: int
    posted_on: date


def _own_pins(engine: Engine, account_id: int) -> dict[str, _Own]:
    with session_scope(engine) as session:
        rows = session.execute(
            sa_select(PIN.c.id, PIN.c.pinterest_pin_id, PIN.c.posted_at).where(
                PIN.c.account_id == account_id,
                PIN.c.status == PinStatus.posted.value,
                PIN.c.pinterest_pin_id.is_not(None),
            )
        ).all()
    return {str(r[1]): _Own(r[0], as_utc(r[2]).date()) for r in rows if r[1] and r[2] is not None}


def typical_by_age(engine: Engine, account_id: int, as_of: date) -> dict[str, dict[int, float]]:
    """The median day of the shop's own pins, per metric and age group, over the last 60 days."""
    values: dict[str, dict[int, list[float]]] = {m: defaultdict(list) for m in METRIC_SORT}
    with session_scope(engine) as session:
        rows = session.execute(
            sa_select(PMD.c.day, PMD.c.saves, PMD.c.outbound_clicks, PIN.c.posted_at)
            .join_from(PMD, PIN, PIN.c.id == PMD.c.pin_id)
            .where(PIN.c.account_id == account_id, PMD.c.day > as_of - timedelta(days=TYPICAL_DAYS))
            .where(PMD.c.day <= as_of)
        ).all()
    for day, saves, clicks, posted_at in rows:
        if posted_at is None:
            continue
        bucket = detect.age_bucket((day - as_utc(posted_at).date()).days)
        values["saves"][bucket].append(saves)
        values["outbound_clicks"][bucket].append(clicks)
    return {m: {b: detect.median(v) for b, v in by.items()} for m, by in values.items()}


def _typical(typical: dict[int, float], bucket: int) -> float:
    if bucket in typical:
        return typical[bucket]
    # No own pin of that age yet: the nearest older group (older pins do less, so this errs low).
    for other in range(bucket, len(detect.AGE_BUCKETS) + 1):
        if other in typical:
            return typical[other]
    return 0.0


def find_surges(engine: Engine, account_id: int, as_of: date, today: date, now: datetime) -> list[Found]:
    """Judge every pin seen in the last days as of `as_of` (the last day with data); record surges."""
    first = as_of - timedelta(days=detect.RECENT_DAYS + detect.BASELINE_DAYS - 1)
    recent_from = as_of - timedelta(days=detect.RECENT_DAYS - 1)
    days = [first + timedelta(days=n) for n in range((as_of - first).days + 1)]
    own = _own_pins(engine, account_id)
    by_remote_id = {o.pin_id: remote for remote, o in own.items()}
    typical = typical_by_age(engine, account_id, as_of)
    tops: dict[tuple[str, str], dict[date, dict[str, int]]] = defaultdict(dict)
    tl, tp = TopPinList.__table__.c, TopPinDaily.__table__.c  # type: ignore[attr-defined]
    with session_scope(engine) as session:
        lists = {
            (r.day, r.source, r.sort_by): (r.asked, r.listed, r.cutoff)
            for r in session.execute(
                sa_select(tl.day, tl.source, tl.sort_by, tl.asked, tl.listed, tl.cutoff).where(
                    tl.account_id == account_id, tl.day >= first, tl.day <= as_of
                )
            ).all()
        }
        for source, remote, day, saves, clicks in session.execute(
            sa_select(tp.source, tp.pinterest_pin_id, tp.day, tp.saves, tp.outbound_clicks).where(
                tp.account_id == account_id, tp.day >= first, tp.day <= as_of
            )
        ).all():
            tops[(source, remote)][day] = {"saves": saves, "outbound_clicks": clicks}
        sweep: dict[str, dict[date, tuple[int, int]]] = defaultdict(dict)
        for pin_id, day, saves, clicks in session.execute(
            sa_select(PMD.c.pin_id, PMD.c.day, PMD.c.saves, PMD.c.outbound_clicks)
            .join_from(PMD, PIN, PIN.c.id == PMD.c.pin_id)
            .where(PIN.c.account_id == account_id, PMD.c.day >= first, PMD.c.day <= as_of)
        ).all():
            if pin_id in by_remote_id:
                sweep[by_remote_id[pin_id]][day] = (saves, clicks)
        seen_first: dict[str, date] = {}
        young: set[str] = set()
        for remote, source, day in session.execute(
            sa_select(tp.pinterest_pin_id, tp.source, func.min(tp.day))  # first seen in any list: its age
            .where(tp.account_id == account_id, tp.source.in_(("earned", NEW_SOURCE)))
            .group_by(tp.pinterest_pin_id, tp.source)
        ).all():
            seen_first[remote] = min(day, seen_first.get(remote, day))
            if source == NEW_SOURCE:
                young.add(remote)
    candidates = {key for key, rows in tops.items() if key[0] != NEW_SOURCE and any(d >= recent_from for d in rows)}
    candidates |= {("owned", remote) for remote, rows in sweep.items() if any(d >= recent_from for d in rows)}
    found: list[Found] = []
    for source, remote in sorted(candidates):
        mine = own.get(remote) if source == "owned" else None
        born = mine.posted_on if mine else seen_first.get(remote, as_of)
        bucket = detect.age_bucket((as_of - born).days)
        for metric, sort_by in METRIC_SORT.items():
            series = []
            for day in days:
                listing = lists.get((day, source, sort_by))
                if day < born:
                    # Before an own pin was posted, or a young pin of somebody else was first seen, it
                    # did not exist yet: no history (a zero would make every new pin a surge). An older
                    # pin first seen now did exist: a full list bounds what it did (its last value).
                    full = listing is not None and listing[1] >= listing[0]
                    unborn = source == "owned" or remote in young
                    series.append(detect.Day(bound=listing[2]) if full and listing and not unborn else detect.Day())
                    continue
                top = tops.get((source, remote), {}).get(day)
                if top is not None:
                    series.append(detect.Day(value=top[metric]))
                    continue
                swept = sweep.get(remote, {}).get(day) if source == "owned" else None
                if swept is not None:
                    series.append(detect.Day(value=swept[0 if metric == "saves" else 1]))
                    continue
                if listing is None:
                    series.append(detect.Day())
                elif listing[1] >= listing[0]:  # a full list: the pin did at most its smallest value
                    series.append(detect.Day(bound=listing[2]))
                else:
                    series.append(detect.Day(value=0))
            verdict = detect.judge(metric, series, _typical(typical[metric], bucket))
            if verdict is not None:
                found.append(_record(engine, account_id, source, remote, mine, verdict, as_of, today))
                break
    return found


def _record(
    engine: Engine,
    account_id: int,
    source: str,
    remote: str,
    mine: _Own | None,
    verdict: detect.Verdict,
    as_of: date,
    today: date,
) -> Found:
    with session_scope(engine) as session:
        open_surge = session.exec(
            select(Surge)
            .where(Surge.account_id == account_id, Surge.pinterest_pin_id == remote)
            .where(col(Surge.last_seen_on) >= as_of - timedelta(days=COOLDOWN_DAYS))
            .order_by(col(Surge.started_on).desc())
        ).first()
        new = open_surge is None
        surge = open_surge or Surge(
            account_id=account_id,
            pinterest_pin_id=remote,
            source=source,
            pin_id=mine.pin_id if mine else None,
            metric=verdict.metric,
            started_on=as_of - timedelta(days=detect.RECENT_DAYS - 1),
            detected_on=today,
            last_seen_on=as_of,
        )
        surge.last_seen_on = max(surge.last_seen_on, as_of)
        surge.recent = max(surge.recent, verdict.recent)
        surge.baseline, surge.typical = verdict.baseline, verdict.typical
        session.add(surge)
        session.flush()
        session.refresh(surge)
        session.expunge(surge)
    return Found(surge, verdict, new)


def mark_alerted(engine: Engine, surge_id: int, now: datetime) -> None:
    with session_scope(engine) as session:
        surge = session.get(Surge, surge_id)
        if surge is not None:
            surge.alerted_at = now
            session.add(surge)


def recent_surges(engine: Engine, account_id: int, since: date) -> list[Surge]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(Surge)
            .where(Surge.account_id == account_id, col(Surge.detected_on) >= since)
            .order_by(col(Surge.detected_on).desc(), col(Surge.id))
        ).all()
        session.expunge_all()
        return list(rows)
