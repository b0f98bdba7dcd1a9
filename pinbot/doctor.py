"""Health checks behind `pinbot doctor`: each one says what it found and how to fix a failure.

A service-layer module: it reads settings, the database, the boards and assets folders, probes
the API host with a bare TCP connection and makes one cheap authenticated call (GET
/user_account, no refresh) so a token Pinterest rejects shows as failed. It changes nothing: no
folder, database file or token is created or rotated (the caller passes no engine when the
database file does not exist).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from pinbot.advocates.alerts import last_status
from pinbot.clock import as_utc
from pinbot.config import Settings
from pinbot.errors import InvalidInput, PinbotError
from pinbot.pinterest.probe import Probe, probe_token
from pinbot.queue.problems import find_problems, pin_fix
from pinbot.shop.boards import scan_boards
from pinbot.store import db
from pinbot.store import state as service_state
from pinbot.store.models import Account, Token
from pinbot.words import clip, plural

OK, WARN, FAIL = "ok", "warn", "fail"
CLAIMED = ("verified", "success")


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail, "fix": self.fix}


def check_database(settings: Settings, engine: Engine | None, where: str = "") -> Check:
    if engine is None:
        path = settings.database_url.split("///", 1)[-1]
        return Check(
            "database",
            FAIL,
            f"no database at {path}",
            "`cd` to your shop folder (the one with .env), set PINBOT_DATA_DIR or PINBOT_DATABASE_URL, "
            "or run `pinbot init` to start a shop here" + (f" ({where})" if where else ""),
        )
    try:
        current, head = db.schema_revisions(engine)
    except (SQLAlchemyError, PinbotError) as exc:
        reason = db.describe_db_error(exc) if isinstance(exc, SQLAlchemyError) else str(exc)
        return Check("database", FAIL, reason, "check PINBOT_DATABASE_URL; for PostgreSQL check the server runs")
    if current is None:
        return Check("database", FAIL, "reachable but not initialised", "run `pinbot init`")
    if current != head:
        return Check("database", FAIL, f"schema {current}, this pinbot needs {head}", "run `pinbot init` to upgrade")
    kind = "SQLite (WAL)" if settings.is_sqlite else "PostgreSQL"
    return Check("database", OK, f"{kind}, schema {current} (current)")


def check_boards(settings: Settings) -> Check:
    if not settings.boards_dir.is_dir():
        return Check(
            "boards",
            FAIL,
            f"no boards folder at {settings.boards_dir}",
            '`pinbot init --board "Board name"` (or --from-account after login) writes it; '
            "or set PINBOT_BOARDS_DIR to your boards folder",
        )
    boards, errors = scan_boards(settings.boards_dir)
    if errors:
        return Check("boards", FAIL, "; ".join(str(e) for e in errors[:3]), "fix the named file and key")
    if not boards:
        return Check(
            "boards",
            WARN,
            f"no board files in {settings.boards_dir}",
            '`pinbot init --board "Board name"` writes one (see boards/example.toml.example)',
        )
    return Check("boards", OK, f"{plural(len(boards), 'board')}: {', '.join(sorted(boards))}")


def check_assets(settings: Settings) -> Check:
    assets = settings.assets_dir
    if not assets.is_dir():
        return Check("assets", FAIL, f"{assets} is not a folder", "set PINBOT_ASSETS_DIR to your assets folder")
    missing = [name for name in ("templates", "fonts") if not (assets / name).exists()]
    if missing:
        return Check(
            "assets",
            FAIL,
            f"{assets} lacks {', '.join(missing)}",
            "run `pinbot init` (it copies the bundled templates and fonts), or restore them from the repository",
        )
    if not (assets / "brand.toml").is_file():
        return Check(
            "assets",
            WARN,
            f"no brand kit ({assets / 'brand.toml'}): pins get neutral colours, no shop name and no logo",
            'run `pinbot init --shop-name "Your Shop" --colors "#1D3557,#E63946"` (your colours)',
        )
    templates = sorted(p.stem for p in (assets / "templates").glob("*.toml"))
    fonts = sorted(p.name for p in (assets / "fonts").rglob("*") if p.suffix.lower() in (".ttf", ".otf"))
    if not templates or not fonts:
        return Check(
            "assets",
            FAIL,
            f"{len(templates)} templates, {len(fonts)} fonts in {assets}",
            "restore assets/templates and assets/fonts from the repository",
        )
    problem, fix = _brand_problem(assets)
    if problem:
        return Check("assets", FAIL, f"{problem}: every pin would fail to render", fix)
    return Check("assets", OK, f"{len(templates)} templates, {len(fonts)} fonts in {assets}")


LOGO_FIX = "`pinbot init --logo FILE --yes` with a good PNG, or delete the `logo =` line in assets/brand.toml"


def _brand_problem(assets: Path) -> tuple[str, str]:
    """Why the brand kit cannot be used (a line of brand.toml, a missing or damaged logo) and its
    fix, or ("", "") (no logo is fine). Only a logo problem gets the logo's fix."""
    from pinbot.render.brand import load_brand
    from pinbot.render.loading import load_logo

    try:
        logo = load_brand(assets).logo
    except InvalidInput as exc:
        if exc.field == "logo":
            return str(exc), LOGO_FIX
        return str(exc), f"correct {exc.field} in assets/brand.toml (its comments say what each line takes)"
    except PinbotError as exc:
        return str(exc), "correct assets/brand.toml"
    try:
        if logo is not None:
            load_logo(logo, (300, 300))
    except PinbotError as exc:
        return str(exc), LOGO_FIX
    return "", ""


def check_app(settings: Settings) -> Check:
    missing = [
        name
        for name, value in (("PINTEREST_APP_ID", settings.app_id), ("PINTEREST_APP_SECRET", settings.app_secret))
        if not value
    ]
    if missing:
        return Check(
            "app",
            FAIL,
            f"{' and '.join(missing)} not set (login and token refresh need them)",
            "create an app at developers.pinterest.com (My apps) and put its id and secret in .env",
        )
    return Check("app", OK, f"app id {settings.app_id}, secret set")


def check_token(
    settings: Settings, engine: Engine | None, now: datetime, probe: Callable[[str, str], Probe] = probe_token
) -> Check:
    token = None
    if engine is not None:
        try:
            with db.session_scope(engine) as session:
                account = session.exec(select(Account).where(Account.name == settings.account)).first()
                token = session.exec(select(Token).where(Token.account_id == account.id)).first() if account else None
        except (SQLAlchemyError, PinbotError):
            token = None
    if token is None or not token.access_token:
        if settings.access_token:
            verdict = probe(settings.api_base, settings.access_token.get())
            if verdict.verdict == "rejected":
                return Check("token", FAIL, f"PINTEREST_ACCESS_TOKEN: {verdict.detail}", "run `pinbot auth login`")
            return Check(
                "token",
                WARN,
                f"not stored yet; PINTEREST_ACCESS_TOKEN will seed the store on first use ({verdict.detail})",
            )
        return Check("token", FAIL, "no token for this account", "run `pinbot auth login`")
    parts = []
    status = OK
    fix = ""
    for label, expires in (("access", token.access_expires_at), ("refresh", token.refresh_expires_at)):
        if expires is None:
            parts.append(f"{label} token expiry unknown")
            continue
        days = (as_utc(expires) - now).total_seconds() / 86400
        if days <= 0:
            parts.append(f"{label} token expired {as_utc(expires):%Y-%m-%d}")
            status = FAIL if label == "refresh" or status == FAIL else WARN
            fix = "run `pinbot auth login`" if label == "refresh" else "run `pinbot auth refresh`"
        else:
            parts.append(f"{label} token expires {as_utc(expires):%Y-%m-%d} ({days:.0f} days)")
            if days < 7 and status == OK:
                status, fix = WARN, "run `pinbot auth refresh` (the service refreshes ahead of expiry)"
    verdict = probe(settings.api_base, token.access_token)
    parts.insert(0, verdict.detail)
    if verdict.verdict == "rejected":
        if status != FAIL:
            fix = "run `pinbot auth refresh`; if that fails, `pinbot auth login`"
        status = FAIL
    elif verdict.verdict != "ok" and status == OK:
        status = WARN
    return Check("token", status, "; ".join(parts), fix)


def check_api(settings: Settings, timeout: float = 3.0) -> Check:
    parts = urlsplit(settings.api_base)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        return Check(
            "api",
            WARN,
            f"{host}:{port} not reachable ({exc.strerror or exc})",
            "check the network, or PINTEREST_API_BASE (the emulator must be running)",
        )
    return Check("api", OK, f"{host}:{port} reachable")


def check_service(settings: Settings, engine: Engine | None, now: datetime) -> Check:
    """When `pinbot run` last ticked, and whether posting is paused or blocked."""
    if engine is None:
        return Check("service", WARN, "unknown (no database)")
    try:
        with db.session_scope(engine) as session:
            account = session.exec(select(Account).where(Account.name == settings.account)).first()
        if account is None or account.id is None:
            return Check("service", WARN, "never ran for this account", "start it: `pinbot run` (or install it)")
        beat = service_state.read_heartbeat_detail(engine, account.id)
        stopped = service_state.posting_gate(engine, account.id).blocked(now)
    except (SQLAlchemyError, PinbotError):
        return Check("service", WARN, "unknown (database not ready)")
    if beat is None:
        return Check(
            "service", WARN, "never ran for this account", "start it: `pinbot run` or `pinbot service install`"
        )
    at, worker = beat
    age = (now - as_utc(at)).total_seconds()
    detail = f"last tick {as_utc(at).astimezone(settings.tz):%Y-%m-%d %H:%M:%S %Z} ({_ago(age)} ago) by {worker}"
    if stopped:
        return Check("service", WARN, f"{detail}; posting stopped: {stopped}")
    if age > 15 * 60:
        return Check("service", WARN, detail, "is `pinbot run` still running? (journalctl -u pinbot)")
    return Check("service", OK, detail)


def check_queue(settings: Settings, engine: Engine | None, now: datetime) -> Check:
    """Pins the owner must look at: failed, needing attention, or overdue in the queue."""
    if engine is None:
        return Check("queue", WARN, "unknown (no database)")
    try:
        with db.session_scope(engine) as session:
            account = session.exec(select(Account).where(Account.name == settings.account)).first()
        if account is None or account.id is None:
            return Check("queue", OK, "no pins yet")
        problems = find_problems(engine, account.id, now)
    except (SQLAlchemyError, PinbotError):
        return Check("queue", WARN, "unknown (database not ready)")
    first = problems.first()
    if first is None:
        return Check("queue", OK, "no failed, stuck or overdue pins")
    why = f"pin {first.id} {clip(first.title, 40)!r}: {first.last_error or first.status.value}"
    more = f" (and {problems.count - 1} more: `pinbot queue list --problems`)" if problems.count > 1 else ""
    return Check("queue", WARN, f"{problems.summary()}; {why}", pin_fix(first, now) + more)


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def check_website(settings: Settings, list_websites: Callable[[], list[dict[str, Any]]]) -> Check:
    """Is the shop's website claimed on Pinterest? (GET /user_account/websites)"""
    why = (
        "Pinterest reports the pins other people make of your shop (earned reach) only for a claimed "
        "website, so without it pinbot cannot see who pins your shop or catch their pins taking off"
    )
    fix = "claim it: Pinterest > Settings > Claimed accounts > Websites (add the meta tag or HTML file)"
    try:
        sites = list_websites()
    except PinbotError as exc:
        return Check("website", WARN, f"could not ask Pinterest ({exc})", "run `pinbot auth login`, then try again")
    claimed = [str(s.get("website") or "") for s in sites if str(s.get("status", "")).lower() in CLAIMED]
    if not claimed:
        pending = [str(s.get("website") or "") for s in sites]
        found = f" ({', '.join(pending)} not verified)" if pending else ""
        return Check("website", WARN, f"no claimed website{found}: {why}", fix)
    shop = (urlsplit(settings.shop_url).hostname or "").removeprefix("www.") if settings.shop_url else ""
    if shop and not any(shop.endswith(c.removeprefix("www.").split("/")[0]) for c in claimed):
        return Check("website", WARN, f"claimed {', '.join(claimed)}, but PINBOT_SHOP_URL is on {shop}: {why}", fix)
    return Check("website", OK, f"claimed: {', '.join(claimed)} (earned reach is counted)")


def check_alerts(settings: Settings, engine: Engine | None) -> Check:
    """Are alerts configured, and did the last delivery work?"""
    channels = [name for name, on in (("email", settings.smtp_host), ("webhook", bool(settings.webhook_url))) if on]
    if not channels:
        return Check(
            "alerts",
            WARN,
            "no email or webhook configured: surges and dead links show only in `pinbot surges list` and the report",
            "set PINBOT_SMTP_HOST and PINBOT_ALERT_TO, or PINBOT_WEBHOOK_URL; then `pinbot notify test`",
        )
    status = None
    try:
        if engine is not None:
            with db.session_scope(engine) as session:
                account = session.exec(select(Account).where(Account.name == settings.account)).first()
            status = last_status(engine, account.id) if account and account.id else None
    except (SQLAlchemyError, PinbotError):
        status = None
    failed = status.get("failed") if status else None
    if status and isinstance(failed, list) and failed:
        detail = "; ".join(f"{f['channel']}: {f['detail']}" for f in failed if isinstance(f, dict))
        return Check(
            "alerts", WARN, f"the last alert ({status.get('at')}) failed: {detail}", "fix it, then `pinbot notify test`"
        )
    sent = f"; last alert sent {status.get('at')}" if status else ""
    return Check("alerts", OK, f"{' and '.join(channels)} configured{sent}")


def run_checks(
    settings: Settings,
    engine: Engine | None,
    now: datetime,
    probe: Callable[[str, str], Probe] = probe_token,
    where: str = "",
) -> list[Check]:
    """Every check. `engine` is None when the database file does not exist (nothing is created)."""
    return [
        check_database(settings, engine, where),
        check_boards(settings),
        check_assets(settings),
        check_app(settings),
        check_token(settings, engine, now, probe),
        check_api(settings),
        check_service(settings, engine, now),
        check_queue(settings, engine, now),
        check_alerts(settings, engine),
    ]
