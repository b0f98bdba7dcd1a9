"""Dead ends: links that lead to a missing page, an error page or a sold-out product.

Two uses of one checker (`pinbot.web.linkcheck`): before a pin is posted (the poster's
`link_gate`: a dead link holds the pin back, with the reason) and weekly for the links of pins
that still earn (impressions or clicks in the last 30 days), each reported with the pins that
point at it and the outbound clicks it wasted. A link's verdict is kept per URL without its UTM
tags (`LinkCheck`), reused for `REUSE_HOURS` so twenty pins of one product cost one request, and
alerted once per change of verdict.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Engine, func
from sqlalchemy import select as sa_select
from sqlmodel import select

from pinbot.clock import Clock, as_utc
from pinbot.store.db import session_scope
from pinbot.store.models import LinkCheck, Pin, PinStatus, Product
from pinbot.store.tables import PIN, PMD, PRODUCT
from pinbot.web.linkcheck import LinkChecker, LinkVerdict

REUSE_HOURS = 6
EARNING_DAYS = 30
WEEK = timedelta(days=7)

Check = Callable[..., LinkVerdict]


def page_url(link: str) -> str:
    """The link without UTM tags: the page itself, the key under which its verdict is kept."""
    parts = urlsplit(link)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, urlencode(query), ""))


def url_key(link: str) -> str:
    return hashlib.sha256(page_url(link).encode("utf-8")).hexdigest()


@dataclass
class DeadLink:
    url: str
    verdict: str
    reason: str
    pins: list[int] = field(default_factory=list)
    clicks: int = 0  # outbound clicks of those pins in the last 30 days: visitors who found nothing to buy
    impressions: int = 0
    alert: bool = False  # new or changed since the owner was last told

    def line(self) -> str:
        what = "sold out" if self.verdict == "sold_out" else "broken"
        return (
            f"{self.url} is {what}: {self.reason}. {len(self.pins)} pin(s) lead there; "
            f"{self.clicks} visitors clicked through in the last {EARNING_DAYS} days"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "verdict": self.verdict,
            "reason": self.reason,
            "pins": self.pins,
            "clicks_30d": self.clicks,
            "impressions_30d": self.impressions,
        }


def _store(engine: Engine, account_id: int, link: str, verdict: LinkVerdict, now: datetime) -> bool:
    """Keep the verdict; True when the owner has not been told about this verdict yet."""
    key = url_key(link)
    with session_scope(engine) as session:
        row = session.exec(
            select(LinkCheck).where(LinkCheck.account_id == account_id, LinkCheck.url_key == key)
        ).first()
        row = row or LinkCheck(account_id=account_id, url_key=key, url=page_url(link)[:2048], verdict=verdict.verdict)
        row.verdict, row.http_status, row.reason = verdict.verdict, verdict.status, verdict.reason[:500]
        row.final_url, row.checked_at = verdict.final_url[:2048], now
        fresh = verdict.dead and row.alerted_verdict != verdict.verdict
        if not verdict.dead:
            row.alerted_verdict = None  # fixed: a later breakage is news again
        session.add(row)
    return fresh


def mark_alerted(engine: Engine, account_id: int, link: str, verdict: str, now: datetime) -> None:
    with session_scope(engine) as session:
        row = session.exec(
            select(LinkCheck).where(LinkCheck.account_id == account_id, LinkCheck.url_key == url_key(link))
        ).first()
        if row is not None:
            row.alerted_verdict, row.alerted_at = verdict, now
            session.add(row)


def _recent(engine: Engine, account_id: int, link: str, now: datetime) -> LinkCheck | None:
    with session_scope(engine) as session:
        row = session.exec(
            select(LinkCheck).where(LinkCheck.account_id == account_id, LinkCheck.url_key == url_key(link))
        ).first()
        if row is None or as_utc(row.checked_at) < now - timedelta(hours=REUSE_HOURS):
            return None
        session.expunge(row)
        return row


class PreflightGate:
    """The poster's `link_gate`: the reason a pin must not go out now, or None."""

    def __init__(self, engine: Engine, account_id: int, clock: Clock, check: Check | None = None) -> None:
        self.engine = engine
        self.account_id = account_id
        self.clock = clock
        self.check = check or LinkChecker().check
        self.found: list[DeadLink] = []  # dead links met since the last alert run, for the alert job

    def __call__(self, pin: Pin, product: Product | None, link: str) -> str | None:
        now = self.clock.now()
        in_stock = product.in_stock if product is not None else True
        known = _recent(self.engine, self.account_id, link, now)
        if known is not None and in_stock:
            return (
                f"the link is {known.verdict.replace('_', ' ')}: {known.reason}"
                if known.verdict in ("broken", "sold_out")
                else None
            )
        verdict = self.check(link, product_page=product is not None, in_stock=in_stock)
        if _store(self.engine, self.account_id, link, verdict, now):
            dead = DeadLink(page_url(link), verdict.verdict, verdict.reason, [pin.id or 0], alert=True)
            self.found.append(dead)
        if verdict.dead:
            return f"the link is {verdict.verdict.replace('_', ' ')}: {verdict.reason}"
        return None


def earning_links(engine: Engine, account_id: int, now: datetime) -> dict[str, tuple[list[int], int, int, bool]]:
    """Links of posted pins with impressions or clicks in the last 30 days:
    {link: (pin ids, outbound clicks, impressions, product in stock)}."""
    since = now.date() - timedelta(days=EARNING_DAYS)
    with session_scope(engine) as session:
        rows = session.execute(
            sa_select(
                PIN.c.id,
                PIN.c.link,
                func.sum(PMD.c.outbound_clicks),
                func.sum(PMD.c.impressions),
                PRODUCT.c.in_stock,
            )
            .join_from(PIN, PMD, PMD.c.pin_id == PIN.c.id)
            .outerjoin(PRODUCT, PRODUCT.c.id == PIN.c.product_id)
            .where(PIN.c.account_id == account_id, PIN.c.status == PinStatus.posted.value, PMD.c.day >= since)
            .group_by(PIN.c.id, PIN.c.link, PRODUCT.c.in_stock)
        ).all()
    out: dict[str, tuple[list[int], int, int, bool]] = {}
    by_page: dict[str, list[tuple[int, str, int, int, bool]]] = defaultdict(list)
    for pin_id, link, clicks, impressions, in_stock in rows:
        if link and ((clicks or 0) > 0 or (impressions or 0) > 0):
            by_page[page_url(link)].append((pin_id, link, clicks or 0, impressions or 0, in_stock is not False))
    for items in by_page.values():
        link = items[0][1]
        out[link] = (
            [i[0] for i in items],
            sum(i[2] for i in items),
            sum(i[3] for i in items),
            all(i[4] for i in items),
        )
    return out


def weekly_check(engine: Engine, account_id: int, now: datetime, check: Check | None = None) -> list[DeadLink]:
    """Check every link that still earns; the dead ones, most clicks wasted first."""
    check = check or LinkChecker().check
    dead = []
    for link, (pins, clicks, impressions, in_stock) in earning_links(engine, account_id, now).items():
        verdict = check(link, product_page=True, in_stock=in_stock)
        fresh = _store(engine, account_id, link, verdict, now)
        if verdict.dead:
            dead.append(
                DeadLink(page_url(link), verdict.verdict, verdict.reason, sorted(pins), clicks, impressions, fresh)
            )
    dead.sort(key=lambda d: (-d.clicks, -d.impressions, d.url))
    return dead


def known_dead(engine: Engine, account_id: int) -> list[LinkCheck]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(LinkCheck).where(LinkCheck.account_id == account_id, LinkCheck.verdict.in_(("broken", "sold_out")))  # type: ignore[attr-defined]
        ).all()
        session.expunge_all()
        return list(rows)
