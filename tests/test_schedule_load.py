"""A queue read column by column (`Schedule.load`, what `load_schedule` builds) indexes exactly as the
same rows added one by one (`Schedule.extend`), and a plain link is read as urlsplit reads it."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest

from pinbot.links import domain_of, link_key
from pinbot.queue.schedule import HOUR, SECOND, Schedule, link_parts, to_us
from pinbot.shop.rules import ScheduleRules

LINKS = (
    "https://shop.example.com/mug-1",
    "https://www.Shop.Example.com/mug-1/",  # the same link key as the first
    "http://shop.example.com/mug-2?utm_source=x",
    "https://blog.example.org/post#top",
    "HTTPS://BLOG.example.org/post",
    "https://shop.example.com:8443/mug-3",
    "",
)


def index(sched: Schedule) -> tuple[object, ...]:
    return (
        list(sched.all),
        {board: list(times) for board, times in sched.by_board.items() if times},
        {link: list(times) for link, times in sched.by_link.items() if times},
        {domain: list(times) for domain, times in sched.by_domain.items() if times},
        {day: n for day, n in sched.per_day.items() if n},
        sched._uneven_pins,  # the walks read it
    )


@pytest.mark.parametrize("zone", ["UTC", "Australia/Lord_Howe", "America/St_Johns"])
@pytest.mark.parametrize("seed", range(4))
def test_load_indexes_as_extend(zone: str, seed: int) -> None:
    rng = random.Random(seed)
    tz, rules = ZoneInfo(zone), ScheduleRules()
    start = to_us(datetime(2026, 3, 20, tzinfo=UTC))
    rows = []
    for _ in range(rng.randint(0, 400)):
        at = start + rng.randrange(0, 60 * 24 * HOUR, SECOND)
        if rng.random() < 0.05:
            at += rng.randrange(1, SECOND)  # a time off the whole second (an explicit `--at`)
        rows.append((at, rng.randrange(5), rng.choice(LINKS)))
    rng.shuffle(rows)  # as a query returns them
    loaded = Schedule(rules, tz)
    loaded.load([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    extended = Schedule(rules, tz)
    extended.extend((at, board, *link_parts(link)) for at, board, link in rows)
    assert index(loaded) == index(extended)
    # Into a schedule that already holds pins: the rows are added one by one.
    half = len(rows) // 2
    more = Schedule(rules, tz)
    more.load([r[0] for r in rows[:half]], [r[1] for r in rows[:half]], [r[2] for r in rows[:half]])
    more.load([r[0] for r in rows[half:]], [r[1] for r in rows[half:]], [r[2] for r in rows[half:]])
    assert index(more) == index(extended)


def _reference(link: str) -> tuple[str, str]:
    """link_key and domain_of through urlsplit alone (what the plain-link reading must equal)."""
    domain = (urlsplit(link).hostname or "").lower().removeprefix("www.")
    if not link:
        return "", domain
    parts = urlsplit(link.strip())
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_"))
    return f"{domain}{parts.path.rstrip('/')}" + (f"?{urlencode(query)}" if query else ""), domain


def test_plain_links_read_as_urlsplit_reads_them() -> None:
    rng = random.Random(3)
    host, path = "abcXYZ019-.", "aZ09._~!$&'()*+,;=:@%/-"
    odd = ["?a=1", "#f", ":8080", "user@", " ", "\t", "\u212a", "é", "[::1]", "HTTP", "//"]
    links = list(LINKS)
    for _ in range(20_000):
        link = rng.choice(["http://", "https://"]) + "".join(rng.choice(host) for _ in range(rng.randint(0, 12)))
        if rng.random() < 0.8:
            link += "/" + "".join(rng.choice(path) for _ in range(rng.randint(0, 12)))
        if rng.random() < 0.2:
            at = rng.randrange(len(link) + 1)
            link = link[:at] + rng.choice(odd) + link[at:]
        links.append(link)
    for link in links:
        try:
            expected: object = _reference(link)
        except ValueError:
            expected = ValueError
        try:
            got: object = (link_key.__wrapped__(link), domain_of.__wrapped__(link))
        except ValueError:
            got = ValueError
        assert got == expected, link
