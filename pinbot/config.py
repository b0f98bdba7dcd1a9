"""Settings: the only module that knows setting names.

`Settings.from_mapping` builds one frozen object from a plain mapping (the CLI passes the
environment merged over `.env`); nothing else in pinbot reads `os.environ`. Secrets are wrapped
in `Secret` so that a repr, a log line or an exception message can never show them.
Leaf module: imports only `errors`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pinbot.errors import ConfigError

DEFAULT_API_BASE = "https://api.pinterest.com/v5"
SANDBOX_API_BASE = "https://api-sandbox.pinterest.com/v5"
ACCESS_TIERS = ("trial", "standard")
SCOPES = "user_accounts:read,boards:read,boards:write,pins:read,pins:write"

# name -> (comment for .env.example, default shown there). Order is the order of .env.example.
SETTING_DOCS: dict[str, tuple[str, str]] = {
    "PINBOT_DATABASE_URL": (
        "Database URL. Default: SQLite file in PINBOT_DATA_DIR. For several workers use "
        "postgresql+psycopg://user:password@host/dbname",
        "",
    ),
    "PINBOT_DATA_DIR": ("Where pinbot keeps its SQLite file and rendered images.", ".pinbot"),
    "PINBOT_ACCOUNT": (
        "Which shop (account) this process acts for; one database can hold several.",
        "default",
    ),
    "PINTEREST_API_BASE": (
        "Pinterest API base URL: production, the sandbox (https://api-sandbox.pinterest.com/v5, "
        "required for trial apps) or a local emulator (http://127.0.0.1:PORT/v5).",
        DEFAULT_API_BASE,
    ),
    "PINTEREST_APP_ID": ("Your Pinterest app id (developers.pinterest.com > My apps).", ""),
    "PINTEREST_APP_SECRET": ("Your Pinterest app secret. Never shown by pinbot.", ""),
    "PINTEREST_ACCESS_TOKEN": (
        "Optional: seeds the token store once. After pinbot rotates tokens, the stored ones win.",
        "",
    ),
    "PINTEREST_REFRESH_TOKEN": ("Optional: seeds the token store once, like the access token.", ""),
    "PINTEREST_REDIRECT_URI": (
        "OAuth redirect URI registered for your app; pinbot listens there during auth login.",
        "http://127.0.0.1:8085/callback",
    ),
    "PINTEREST_ACCESS_TIER": (
        "trial (per-day API budgets) or standard (per-minute budgets); sets client-side pacing.",
        "trial",
    ),
    "PINTEREST_CONTINUOUS_REFRESH": (
        "Send continuous_refresh=true when refreshing (needed by apps created before 2025-09-25).",
        "true",
    ),
    "PINBOT_BOARDS_DIR": ("Folder of board definitions, one TOML file per board.", "boards"),
    "PINBOT_ASSETS_DIR": ("Folder of fonts, logos, brand kit and templates.", "assets"),
    "PINBOT_RULES_FILE": (
        "Posting rules (windows, daily cap, spacing); defaults apply when absent.",
        "pinbot.toml",
    ),
    "PINBOT_TIMEZONE": (
        "The shop's timezone (IANA name); posting windows are in this zone.",
        "UTC",
    ),
    "PINBOT_WORKER_ID": ("Name of this worker in claims and logs. Default: host:pid.", ""),
    "PINBOT_LOG_LEVEL": ("DEBUG, INFO, WARNING or ERROR; empty: INFO for `pinbot run`, warnings for the rest.", ""),
    "PINBOT_DELETE_DUPLICATES": (
        "When one queue item turns up twice on a board (a worker frozen mid-post, then resumed), delete "
        "the extra pin and note it in the pin's history. false: only report it.",
        "true",
    ),
    "PINBOT_SHOP_URL": (
        "Your shop's address (https://shop.example.com), for product links when importing a Shopify or "
        "Etsy export, which carry none. May be a pattern with {handle}, {sku} or {slug}.",
        "",
    ),
    "PINBOT_SMTP_HOST": (
        "Alerts by email: your mail server (e.g. smtp.fastmail.com). Leave empty for no email.",
        "",
    ),
    "PINBOT_SMTP_PORT": ("Mail server port. Default: 587 for starttls, 465 for ssl, 25 for none.", ""),
    "PINBOT_SMTP_TLS": ("none, starttls or ssl.", "starttls"),
    "PINBOT_SMTP_USER": ("Login name at the mail server (often your address); empty: no login.", ""),
    "PINBOT_SMTP_PASSWORD": ("Password (or app password) for the mail server. Never shown by pinbot.", ""),
    "PINBOT_ALERT_FROM": ("Sender address of alert emails. Default: the first PINBOT_ALERT_TO address.", ""),
    "PINBOT_ALERT_TO": ("Who gets alert emails, comma-separated.", ""),
    "PINBOT_WEBHOOK_URL": (
        "Alerts by webhook: a Slack or Discord incoming-webhook URL, or an ntfy topic URL "
        "(https://ntfy.sh/your-topic). It contains a token: never shown by pinbot.",
        "",
    ),
    "PINBOT_DIGEST_DAY": ("Day of the weekly digest (monday ... sunday), in PINBOT_TIMEZONE.", "monday"),
    "PINBOT_DIGEST_HOUR": ("Hour (0-23) of the weekly digest, in PINBOT_TIMEZONE.", "8"),
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Secret:
    """A secret string that never shows itself in str(), repr() or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def masked(self) -> str:
        if not self._value:
            return "(not set)"
        return f"set ({len(self._value)} chars)"

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


_HOST_AFTER_AT = re.compile(r"^[^@/?#]*(/|\?|#|$)")
_SECRET_PARAM = re.compile(r"(?i)([?&;][^=&;]*(?:pass|secret|token|sslkey)[^=&;]*=)([^&;]*)")


def _split_credentials(url: str) -> tuple[str, str, str, str] | None:
    """(scheme, user, password, rest) of a URL with credentials; the password may itself hold
    `@`, `:` or `/` (the last `@` followed by a host name ends it; one before any `?` wins, since
    a query value may hold `@` too). None without any."""
    if "://" not in url:
        return None
    scheme, rest = url.split("://", 1)
    query = rest.find("?")
    for end in ([query] if query != -1 else []) + [len(rest)]:
        at = end
        while (at := rest.rfind("@", 0, at)) != -1:
            if _HOST_AFTER_AT.match(rest[at + 1 :]):
                user, _, password = rest[:at].partition(":")
                return scheme, user, password, rest[at + 1 :]
    return None


def url_secrets(url: str) -> list[str]:
    """Every credential a database URL holds: the password and secret query values."""
    out = []
    split = _split_credentials(url)
    if split is not None and split[2]:
        out.append(split[2])
    out += [m.group(2) for m in _SECRET_PARAM.finditer(url) if m.group(2)]
    return out


def mask_url(url: str) -> str:
    """Hide every credential a database URL can hold: `user:password@`, however odd the password,
    and query parameters such as `?password=` or `sslpassword=`."""
    split = _split_credentials(url)
    if split is not None:
        scheme, user, password, rest = split
        url = f"{scheme}://{user}:***@{rest}" if password else f"{scheme}://{user}@{rest}"
    return _SECRET_PARAM.sub(lambda m: m.group(1) + "***", url)


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name}: expected true or false, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    account: str
    api_base: str
    app_id: str
    app_secret: Secret = field(repr=False)
    access_token: Secret = field(repr=False)
    refresh_token: Secret = field(repr=False)
    redirect_uri: str
    access_tier: str
    continuous_refresh: bool
    boards_dir: Path
    assets_dir: Path
    rules_file: Path
    timezone: str
    worker_id: str
    log_level: str  # "" when not set: the service logs INFO, a one-off command warnings and errors
    shop_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 0  # 0: the TLS mode's usual port
    smtp_tls: str = "starttls"
    smtp_user: str = ""
    smtp_password: Secret = field(default_factory=lambda: Secret(""), repr=False)
    alert_from: str = ""
    alert_to: tuple[str, ...] = ()
    webhook_url: Secret = field(default_factory=lambda: Secret(""), repr=False)
    digest_day: int = 0  # Monday
    digest_hour: int = 8
    delete_duplicates: bool = True

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def __repr__(self) -> str:
        return f"Settings({self.describe()})"

    __str__ = __repr__

    @property
    def secrets(self) -> list[str]:
        """Raw secret values (the database password included), for the log redaction filter."""
        values = [
            s.get()
            for s in (self.app_secret, self.access_token, self.refresh_token, self.smtp_password, self.webhook_url)
            if s
        ]
        # A short password is likely a common word; redacting it would mangle every message.
        values += [v for v in url_secrets(self.database_url) if len(v) >= 8]
        return values

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_mapping(cls, env: Mapping[str, str], base_dir: Path | None = None) -> Settings:
        base = Path(base_dir) if base_dir else Path.cwd()

        def get(name: str) -> str:
            value = env.get(name)
            if value is None or value.strip() == "":
                return SETTING_DOCS[name][1]
            return value.strip()

        def path(name: str) -> Path:
            p = Path(get(name)).expanduser()
            return p if p.is_absolute() else base / p

        data_dir = path("PINBOT_DATA_DIR")
        database_url = get("PINBOT_DATABASE_URL") or f"sqlite:///{data_dir / 'pinbot.db'}"
        if not (database_url.startswith("sqlite") or database_url.startswith("postgresql")):
            raise ConfigError("PINBOT_DATABASE_URL: use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db")
        if database_url.startswith("postgresql://"):
            database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
        api_base = get("PINTEREST_API_BASE").rstrip("/")
        if not api_base.startswith(("http://", "https://")):
            raise ConfigError(f"PINTEREST_API_BASE: expected an http(s) URL, got {api_base!r}")
        tier = get("PINTEREST_ACCESS_TIER").lower()
        if tier not in ACCESS_TIERS:
            raise ConfigError(f"PINTEREST_ACCESS_TIER: expected trial or standard, got {tier!r}")
        timezone = get("PINBOT_TIMEZONE")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"PINBOT_TIMEZONE: unknown timezone {timezone!r} (use an IANA name like Europe/London)"
            ) from None
        level = get("PINBOT_LOG_LEVEL").upper()  # "": chosen by the command (`logs.configure_logging`)
        if level not in ("", "DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(f"PINBOT_LOG_LEVEL: expected DEBUG, INFO, WARNING or ERROR, got {level!r}")
        shop_url = get("PINBOT_SHOP_URL")
        if shop_url and not shop_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"PINBOT_SHOP_URL: expected an http(s) URL like https://shop.example.com, got {shop_url!r}"
            )
        alerts = _alert_settings(get)
        assets_dir = path("PINBOT_ASSETS_DIR")
        if not env.get("PINBOT_ASSETS_DIR") and not assets_dir.exists():
            # Running outside a checkout: fall back to the assets shipped beside the package.
            bundled = Path(__file__).resolve().parent.parent / "assets"
            if bundled.exists():
                assets_dir = bundled
        return cls(
            database_url=database_url,
            data_dir=data_dir,
            account=get("PINBOT_ACCOUNT"),
            api_base=api_base,
            app_id=get("PINTEREST_APP_ID"),
            app_secret=Secret(get("PINTEREST_APP_SECRET")),
            access_token=Secret(get("PINTEREST_ACCESS_TOKEN")),
            refresh_token=Secret(get("PINTEREST_REFRESH_TOKEN")),
            redirect_uri=get("PINTEREST_REDIRECT_URI"),
            access_tier=tier,
            continuous_refresh=_bool("PINTEREST_CONTINUOUS_REFRESH", get("PINTEREST_CONTINUOUS_REFRESH")),
            boards_dir=path("PINBOT_BOARDS_DIR"),
            assets_dir=assets_dir,
            rules_file=path("PINBOT_RULES_FILE"),
            timezone=timezone,
            # uname is socket.gethostname() without importing socket (a few ms of every start-up)
            worker_id=get("PINBOT_WORKER_ID") or f"{os.uname().nodename}:{os.getpid()}",
            log_level=level,
            shop_url=shop_url,
            **alerts,
            delete_duplicates=_bool("PINBOT_DELETE_DUPLICATES", get("PINBOT_DELETE_DUPLICATES")),
        )

    def describe(self) -> dict[str, str]:
        """Every resolved setting by its environment name, secrets masked (for `pinbot doctor`)."""
        out: dict[str, str] = {}
        names = {
            "database_url": "PINBOT_DATABASE_URL",
            "data_dir": "PINBOT_DATA_DIR",
            "account": "PINBOT_ACCOUNT",
            "api_base": "PINTEREST_API_BASE",
            "app_id": "PINTEREST_APP_ID",
            "app_secret": "PINTEREST_APP_SECRET",
            "access_token": "PINTEREST_ACCESS_TOKEN",
            "refresh_token": "PINTEREST_REFRESH_TOKEN",
            "redirect_uri": "PINTEREST_REDIRECT_URI",
            "access_tier": "PINTEREST_ACCESS_TIER",
            "continuous_refresh": "PINTEREST_CONTINUOUS_REFRESH",
            "boards_dir": "PINBOT_BOARDS_DIR",
            "assets_dir": "PINBOT_ASSETS_DIR",
            "rules_file": "PINBOT_RULES_FILE",
            "timezone": "PINBOT_TIMEZONE",
            "worker_id": "PINBOT_WORKER_ID",
            "log_level": "PINBOT_LOG_LEVEL",
            "shop_url": "PINBOT_SHOP_URL",
            "smtp_host": "PINBOT_SMTP_HOST",
            "smtp_port": "PINBOT_SMTP_PORT",
            "smtp_tls": "PINBOT_SMTP_TLS",
            "smtp_user": "PINBOT_SMTP_USER",
            "smtp_password": "PINBOT_SMTP_PASSWORD",
            "alert_from": "PINBOT_ALERT_FROM",
            "alert_to": "PINBOT_ALERT_TO",
            "webhook_url": "PINBOT_WEBHOOK_URL",
            "digest_day": "PINBOT_DIGEST_DAY",
            "digest_hour": "PINBOT_DIGEST_HOUR",
            "delete_duplicates": "PINBOT_DELETE_DUPLICATES",
        }
        for f in fields(self):
            value: Any = getattr(self, f.name)
            if isinstance(value, Secret):
                shown = value.masked()
            elif f.name == "database_url":
                shown = mask_url(value)
            elif f.name == "alert_to":
                shown = ", ".join(value) or "(not set)"
            elif f.name == "digest_day":
                shown = WEEKDAYS[value]
            else:
                shown = str(value) if value != "" else "(not set)"
            out[names[f.name]] = shown
        return out


def _alert_settings(get: Any) -> dict[str, Any]:
    """The PINBOT_SMTP_*, PINBOT_ALERT_*, PINBOT_WEBHOOK_URL and PINBOT_DIGEST_* settings."""
    tls = get("PINBOT_SMTP_TLS").lower()
    if tls not in ("none", "starttls", "ssl"):
        raise ConfigError(f"PINBOT_SMTP_TLS: expected none, starttls or ssl, got {tls!r}")
    raw_port = get("PINBOT_SMTP_PORT")
    if raw_port and not (raw_port.isdigit() and 0 < int(raw_port) < 65536):
        raise ConfigError(f"PINBOT_SMTP_PORT: expected a port number like 587, got {raw_port!r}")
    recipients = tuple(a.strip() for a in get("PINBOT_ALERT_TO").split(",") if a.strip())
    for address in (*recipients, get("PINBOT_ALERT_FROM")):
        if address and ("@" not in address or " " in address):
            raise ConfigError(f"PINBOT_ALERT_TO / PINBOT_ALERT_FROM: {address!r} is not an email address")
    webhook = get("PINBOT_WEBHOOK_URL")
    if webhook and not webhook.startswith(("http://", "https://")):
        raise ConfigError("PINBOT_WEBHOOK_URL: expected an http(s) URL (the value is not shown: it holds a token)")
    day = get("PINBOT_DIGEST_DAY").lower()
    if day[:3] not in [d[:3] for d in WEEKDAYS]:
        raise ConfigError(f"PINBOT_DIGEST_DAY: expected a weekday like monday, got {day!r}")
    hour = get("PINBOT_DIGEST_HOUR")
    if not (hour.isdigit() and 0 <= int(hour) <= 23):
        raise ConfigError(f"PINBOT_DIGEST_HOUR: expected an hour 0 to 23, got {hour!r}")
    if get("PINBOT_SMTP_HOST") and not recipients:
        raise ConfigError("PINBOT_ALERT_TO: PINBOT_SMTP_HOST is set, so give at least one address to send alerts to")
    return {
        "smtp_host": get("PINBOT_SMTP_HOST"),
        "smtp_port": int(raw_port) if raw_port else 0,
        "smtp_tls": tls,
        "smtp_user": get("PINBOT_SMTP_USER"),
        "smtp_password": Secret(get("PINBOT_SMTP_PASSWORD")),
        "alert_from": get("PINBOT_ALERT_FROM"),
        "alert_to": recipients,
        "webhook_url": Secret(webhook),
        "digest_day": [d[:3] for d in WEEKDAYS].index(day[:3]),
        "digest_hour": int(hour),
    }
