"""The SQLModel tables: the whole persistent state of pinbot.

Every row belongs to an account, so one database serves several shops. Datetimes are
timezone-aware UTC in Python (sqlmodel's UTCDateTime column type enforces it). The schema is
created and changed only through the migrations in `pinbot/store/migrations/`.
"""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Index, UniqueConstraint, false
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from pinbot.clock import utcnow
from pinbot.store.status import PinStatus as PinStatus  # its home is status.py; the models' names stay


def _now() -> datetime:
    return utcnow()


def new_uid() -> str:
    return uuid.uuid4().hex


def new_uids(n: int) -> list[str]:
    """`n` values of `new_uid` (random version-4 UUIDs as hex) from one read of the OS's random
    source: `uuid.uuid4()` costs microseconds a call, seconds for an import of 100,000 pins. The
    version and variant bits are set in every 16 bytes at once, and the hex cut into 32 digits."""
    data = bytearray(os.urandom(16 * n))
    data[6::16] = data[6::16].translate(_VERSION_4)
    data[8::16] = data[8::16].translate(_RFC_4122)
    text = data.hex()
    return [text[i : i + 32] for i in range(0, 32 * n, 32)]


# Byte 6's high four bits are the version (4), byte 8's high two bits the variant (binary 10).
_VERSION_4 = bytes(b & 0x0F | 0x40 for b in range(256))
_RFC_4122 = bytes(b & 0x3F | 0x80 for b in range(256))


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    pinterest_user_id: str | None = None
    username: str | None = None
    created_at: datetime = Field(default_factory=_now)


class Board(SQLModel, table=True):
    """A board defined in `boards/KEY.toml`, mirrored here once used; linked on `boards sync`."""

    __table_args__ = (UniqueConstraint("account_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    key: str = Field(max_length=100)
    name: str = Field(max_length=180)
    description: str = ""
    privacy: str = "PUBLIC"
    pinterest_board_id: str | None = None
    synced_at: datetime | None = None
    created_at: datetime = Field(default_factory=_now)


class Product(SQLModel, table=True):
    """Something the shop sells or publishes (a listing, a blog post); pins are made from it."""

    __table_args__ = (UniqueConstraint("account_id", "source", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    source: str = Field(default="manual", max_length=20)  # manual, csv, shopify, etsy, feed
    external_id: str = Field(max_length=200)
    title: str
    description: str = ""
    link: str = ""
    price_cents: int | None = None
    currency: str | None = Field(default=None, max_length=3)
    image_paths: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Photos the owner added by hand (`pinbot products photo`): also in image_paths, and kept there
    # when a re-import brings the shop's photos; `hand_photos_only`: the owner replaced the photos,
    # so imports leave image_paths alone (docs/data-model.md).
    hand_photos: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    hand_photos_only: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    headline: str | None = Field(default=None, max_length=100)  # the pin's big text; None: from the title
    badge: str | None = Field(default=None, max_length=24)  # a label such as NEW or SALE on its pins
    in_stock: bool = True
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class Pin(SQLModel, table=True):
    """One queue item: a pin to post once to one board at or after `due_at`."""

    __table_args__ = (
        UniqueConstraint("account_id", "source_key"),
        Index("ix_pin_status_due", "status", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, unique=True, max_length=32)  # the reconcile marker
    account_id: int = Field(foreign_key="account.id", index=True)
    product_id: int | None = Field(default=None, foreign_key="product.id", index=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    source_key: str | None = Field(default=None, max_length=300)
    template: str | None = Field(default=None, max_length=100)
    variant_key: str | None = Field(default=None, max_length=100)
    experiment_variant_id: int | None = Field(default=None, foreign_key="experimentvariant.id")
    loop_id: int | None = Field(default=None, foreign_key="loop.id", index=True)  # the loop that made it
    title: str = Field(max_length=100)
    description: str = Field(default="", max_length=800)
    link: str = Field(default="", max_length=2048)
    alt_text: str = Field(default="", max_length=500)
    image_path: str | None = None  # the source photo; rendered output goes to rendered_path
    image_hash: str | None = Field(default=None, max_length=40)  # perceptual hash of the photo (near-duplicates)
    headline: str | None = Field(default=None, max_length=100)  # the pin's big text; None: from the title
    badge: str | None = Field(default=None, max_length=24)
    rendered_path: str | None = None
    status: PinStatus = Field(
        default=PinStatus.queued,
        sa_column=Column(SAEnum(PinStatus, native_enum=False, length=20), nullable=False),
    )
    due_at: datetime
    explicit_time: bool = False  # True when the owner gave --at: planner rules do not move it
    attempts: int = 0
    attempt_id: str | None = Field(default=None, max_length=32)
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: datetime | None = None
    reconcile_checks: int = 0
    pinterest_pin_id: str | None = Field(default=None, max_length=50)
    posted_at: datetime | None = None
    metrics_fetched_at: datetime | None = None  # last analytics call for this pin (at most one a UTC day)
    last_error: str | None = None
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)

    @property
    def marker(self) -> str:
        """Carried in the link's utm_content on every attempt, so reconcile can find the pin."""
        return f"pb-{self.uid}"


class Loop(SQLModel, table=True):
    """A standing order: bring a selection of products back to some boards every N days, as fresh pins.

    `selection` is {"all": true}, {"tags": [...]}, {"boards": [...]} (products already pinned there) or
    {"products": [ids]}; `boards` the board keys it pins to. A seasonal loop runs between `season_start`
    and `season_end` ("MM-DD", local dates, may wrap the new year) each year; an evergreen one always.
    """

    __table_args__ = (UniqueConstraint("account_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=100)
    kind: str = Field(default="evergreen", max_length=20)  # evergreen, seasonal
    selection: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    boards: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    every_days: int = 30
    ahead_days: int = 7
    season_start: str | None = Field(default=None, max_length=5)
    season_end: str | None = Field(default=None, max_length=5)
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="active", max_length=20)  # active, paused
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class PostAttempt(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    pin_id: int = Field(foreign_key="pin.id", index=True)
    attempt_id: str = Field(max_length=32, index=True)
    worker_id: str = Field(default="", max_length=200)
    started_at: datetime = Field(default_factory=_now)
    finished_at: datetime | None = None
    outcome: str | None = Field(default=None, max_length=30)  # posted, retry, failed, ambiguous, ...
    http_status: int | None = None
    error_code: int | None = None
    request_id: str | None = Field(default=None, max_length=100)
    message: str | None = None


class PinMetricDaily(SQLModel, table=True):
    """One pin's numbers for one UTC day, as Pinterest reported them (kept beyond 90 days)."""

    __table_args__ = (UniqueConstraint("pin_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    pin_id: int = Field(foreign_key="pin.id", index=True)
    day: date = Field(index=True)
    impressions: int = 0
    saves: int = 0
    pin_clicks: int = 0
    outbound_clicks: int = 0
    data_status: str = Field(default="READY", max_length=40)
    fetched_at: datetime = Field(default_factory=_now)


class AccountMetricDaily(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("account_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    day: date
    impressions: int = 0
    saves: int = 0
    pin_clicks: int = 0
    outbound_clicks: int = 0
    engagement: int = 0
    data_status: str = Field(default="READY", max_length=40)
    fetched_at: datetime = Field(default_factory=_now)


class Token(SQLModel, table=True):
    """OAuth tokens of one account. Written only inside a write transaction (single flight)."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", unique=True)
    access_token: str = ""
    refresh_token: str = ""
    access_expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    scopes: str = ""
    seeded_from_env: bool = False
    updated_at: datetime = Field(default_factory=_now)

    def __repr__(self) -> str:
        return f"Token(account_id={self.account_id}, access_expires_at={self.access_expires_at})"

    __str__ = __repr__


class Experiment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("account_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=100)
    hypothesis: str = ""
    metric: str = Field(default="outbound_click_rate", max_length=40)
    status: str = Field(default="running", max_length=20)  # running, finished, cancelled
    planned_impressions: int | None = None  # per variant; the verdict waits for it
    horizon_days: int | None = None
    auto_apply: bool = False
    winner_variant_id: int | None = None
    created_at: datetime = Field(default_factory=_now)
    finished_at: datetime | None = None


class ExperimentVariant(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("experiment_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True)
    key: str = Field(max_length=20)  # "A", "B", ...
    template: str | None = None
    design: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ServiceState(SQLModel, table=True):
    """Small named values shared by processes: pause flag, heartbeat, spam block, sweep cursors."""

    __table_args__ = (UniqueConstraint("account_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int | None = Field(default=None, foreign_key="account.id")
    key: str = Field(max_length=100)
    value: str = ""
    updated_at: datetime = Field(default_factory=_now)


class ApiUsage(SQLModel, table=True):
    """Calls spent per rate-limit category and window, so budgets survive restarts."""

    __table_args__ = (UniqueConstraint("account_id", "category", "window_start"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    category: str = Field(max_length=30)
    window_start: datetime
    calls: int = 0


class ReachDaily(SQLModel, table=True):
    """The account's numbers for one UTC day, split by who made the pins: `earned` (others' pins of
    the claimed website, Pinterest's source=OTHER_PINS) or `owned` (the shop's own). Kept forever."""

    __table_args__ = (UniqueConstraint("account_id", "day", "source"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    day: date
    source: str = Field(max_length=10)  # earned, owned
    impressions: int = 0
    saves: int = 0
    pin_clicks: int = 0
    outbound_clicks: int = 0
    engagement: int = 0
    data_status: str = Field(default="READY", max_length=40)
    fetched_at: datetime = Field(default_factory=_now)


class TopPinDaily(SQLModel, table=True):
    """One pin's numbers on one UTC day as a top-pins list showed them (earned or owned). Kept forever."""

    __table_args__ = (
        UniqueConstraint("account_id", "source", "pinterest_pin_id", "day"),
        Index("ix_toppindaily_account_day", "account_id", "day"),
    )
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    day: date
    source: str = Field(max_length=10)
    pinterest_pin_id: str = Field(max_length=50)
    impressions: int = 0
    saves: int = 0
    pin_clicks: int = 0
    outbound_clicks: int = 0
    data_status: str = Field(default="READY", max_length=40)
    fetched_at: datetime = Field(default_factory=_now)


class TopPinList(SQLModel, table=True):
    """How long a day's top-pins list was and its smallest value: a pin missing from a full list
    did at most `cutoff` that day; from a shorter list, nothing."""

    __table_args__ = (UniqueConstraint("account_id", "day", "source", "sort_by"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    day: date
    source: str = Field(max_length=10)
    sort_by: str = Field(max_length=20)
    asked: int = 50
    listed: int = 0
    cutoff: int = 0
    data_status: str = Field(default="READY", max_length=40)
    fetched_at: datetime = Field(default_factory=_now)


class Surge(SQLModel, table=True):
    """A pin taking off: found once, alerted once, with what the owner did about it."""

    __table_args__ = (UniqueConstraint("account_id", "pinterest_pin_id", "started_on"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    pinterest_pin_id: str = Field(max_length=50)
    source: str = Field(max_length=10)  # earned, owned
    pin_id: int | None = Field(default=None, foreign_key="pin.id")  # the queue item, for an owned pin
    metric: str = Field(max_length=20)  # saves, outbound_clicks
    started_on: date
    detected_on: date
    last_seen_on: date
    recent: int = 0
    baseline: float = 0.0
    typical: float = 0.0
    alerted_at: datetime | None = None
    action: str = ""
    acted_at: datetime | None = None


class LinkCheck(SQLModel, table=True):
    """The last check of one destination link (UTM tags left out of the key)."""

    __table_args__ = (UniqueConstraint("account_id", "url_key"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    url_key: str = Field(max_length=64)
    url: str = Field(max_length=2048)
    verdict: str = Field(max_length=20)  # ok, broken, sold_out, unknown
    http_status: int | None = None
    reason: str = ""
    final_url: str = Field(default="", max_length=2048)
    checked_at: datetime = Field(default_factory=_now)
    alerted_verdict: str | None = Field(default=None, max_length=20)
    alerted_at: datetime | None = None
