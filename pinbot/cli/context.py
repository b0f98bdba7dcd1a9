"""What every CLI command shares: settings from env/.env, the engine, output helpers.

The only place (with the other cli modules) that reads the environment, `.env`, or prints.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pinbot.clock import Clock, SystemClock, as_utc
from pinbot.config import Settings, mask_url
from pinbot.errors import DatabaseError
from pinbot.logs import configure_logging

# SQLAlchemy is imported by the commands that open the database, and then only its Core:
# `pinbot queue list` reads through `pinbot.store.engine` and never loads sqlmodel or the ORM.
if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy import Engine

    from pinbot.app import Shop
    from pinbot.cli.progress import Bars, Detail
    from pinbot.pinterest.client import PinterestClient
    from pinbot.queue.service import QueueService
    from pinbot.shop.rules import Rules
    from pinbot.store.models import Account

F = TypeVar("F", bound=Callable[..., Any])


def load_environment(cwd: Path | None = None) -> dict[str, str]:
    """`.env` in the working directory, with the real environment winning over it."""
    base = cwd or Path.cwd()
    merged: dict[str, str] = {}
    env_file = base / ".env"
    if env_file.is_file():
        from dotenv import dotenv_values

        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ)
    return merged


@dataclass
class AppContext:
    """Built once per CLI invocation; commands ask it for the engine and the current account."""

    env: Mapping[str, str]
    _settings: Settings | None = None
    _engine: Engine | None = None

    # rich is imported on first use: a command printing plain lines or JSON never pays for it.
    @cached_property
    def console(self) -> Console:
        from rich.console import Console

        return Console(highlight=False)

    @cached_property
    def err_console(self) -> Console:
        from rich.console import Console

        return Console(stderr=True, highlight=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = settings = Settings.from_mapping(self.env)
            # A one-off command shows warnings and errors as plain lines; `run` asks for the
            # service's log (`service_logging`); an explicit PINBOT_LOG_LEVEL wins everywhere.
            configure_logging(settings.log_level or "WARNING", settings.secrets, plain=not settings.log_level)
        return self._settings

    def service_logging(self) -> None:
        """The long-running service logs what it does, with the time (INFO), unless
        PINBOT_LOG_LEVEL says otherwise."""
        if not self.settings.log_level:
            configure_logging("INFO")

    def close(self) -> None:
        """Close the database connections when the command ends (PostgreSQL would otherwise see
        them dropped, and Python warn about them, at exit)."""
        if self._engine is not None:
            self._engine.dispose()

    @property
    def engine(self) -> Engine:
        """The engine of a database already at the current schema (else a clear error that says
        where pinbot looked and how to point it at the shop; nothing is created)."""
        if self._engine is None:
            from sqlalchemy.exc import OperationalError

            from pinbot.store.engine import current_revision, describe_db_error, make_engine, require_current_schema

            if self.database_missing():
                raise DatabaseError(self.not_a_shop("no shop database here"))
            engine = make_engine(self.settings.database_url)
            try:
                current = current_revision(engine)  # without alembic: half a second of start-up
            except OperationalError as exc:
                raise DatabaseError(describe_db_error(exc)) from None
            if current is None:
                raise DatabaseError(self.not_a_shop("the database has no pinbot shop in it"))
            require_current_schema(engine, current)
            self._engine = engine
        return self._engine

    def database_missing(self) -> bool:
        """True when the settings point at a SQLite file that does not exist (the wrong folder)."""
        url = self.settings.database_url
        if not self.settings.is_sqlite:
            return False
        path = url.split("///", 1)[-1]
        return bool(path) and path != ":memory:" and not Path(path).exists()

    def not_a_shop(self, what: str) -> str:
        """Where pinbot looked, and the three ways to point it at the shop."""
        settings = self.settings
        if settings.is_sqlite:
            looked = f"looked for {settings.database_url.split('///', 1)[-1]}"
        else:
            looked = f"looked in {mask_url(settings.database_url)}"
        env_file = Path.cwd() / ".env"
        dotenv = f"{env_file} was read" if env_file.is_file() else f"no .env in {Path.cwd()}"
        return (
            f"{what}: {looked} (PINBOT_DATA_DIR={self.env.get('PINBOT_DATA_DIR') or '.pinbot'}; {dotenv}). "
            "`cd` to your shop folder (the one with .env), or set PINBOT_DATA_DIR or PINBOT_DATABASE_URL "
            "in .env or the environment; `pinbot init` starts a new shop here."
        )

    def raw_engine(self) -> Engine:
        """An engine without the schema check (for `init` and `doctor`)."""
        if self._engine is None:
            from pinbot.store.engine import make_engine

            self._engine = make_engine(self.settings.database_url)
        return self._engine

    def account(self) -> Account:
        """The current account's row, made on first use."""
        from pinbot.store import db

        with db.session_scope(self.engine) as session:
            return db.get_or_create_account(session, self.settings.account)

    def account_id(self) -> int | None:
        """The current account's id without the ORM (None: no row yet, so nothing of it is stored)."""
        from pinbot.store.core_tables import account_id

        return account_id(self.engine, self.settings.account)

    def clock(self) -> Clock:
        return SystemClock()

    def shop(self, clock: Clock | None = None) -> Shop:
        """The shop's services (`pinbot.app`, the one composition root), on the system clock."""
        from pinbot.app import open_shop

        return open_shop(self.settings, self.engine, clock or self.clock())

    def rules(self) -> Rules:
        """The posting rules (PINBOT_RULES_FILE; defaults when the file is absent)."""
        return self.shop().rules

    def queue_service(self) -> QueueService:
        """The queue service with the shop's boards and posting rules (the planner) wired in."""
        return self.shop().queue_service()

    def client(self, clock: Clock | None = None) -> PinterestClient:
        """The Pinterest client of the current account: the one place the CLI builds one."""
        return self.shop(clock).client()

    def shop_time(self, value: datetime | None, *, seconds: bool = False) -> str:
        """A time as the shop owner reads it: in PINBOT_TIMEZONE, with the zone ("2026-12-05 19:30 GMT")."""
        if value is None:
            return ""
        local = as_utc(value).astimezone(self.settings.tz)
        return local.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")

    def shop_day(self, value: datetime) -> str:
        """A time as the owner says it, in PINBOT_TIMEZONE: "Tue 1 Dec 10:30" ("Tue 1 Dec 2027 10:30"
        in another year than this one)."""
        local = as_utc(value).astimezone(self.settings.tz)
        this_year = as_utc(self.clock().now()).astimezone(self.settings.tz).year
        return local.strftime("%a %-d %b %H:%M" if local.year == this_year else "%a %-d %b %Y %H:%M")

    @property
    def width(self) -> int:
        """Columns of the terminal (COLUMNS when set; 80 for a pipe or a file)."""
        return shutil.get_terminal_size((80, 24)).columns

    @property
    def prose_width(self) -> int | None:
        """Where sentences wrap: the terminal's width; None (one line each) in a pipe or a file."""
        return self.width if self.stdout_is_terminal else None

    def print_json(self, data: Any) -> None:
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))

    def info(self, message: str) -> None:
        """Progress chatter goes to stderr so that stdout stays clean for --json consumers. One
        message is one line, never wrapped at 80 columns when piped (a log or grep reads it whole),
        and its text is printed as it is (a "[52] pages" in a description is not markup)."""
        if not self.interactive:  # a pipe or a log gets the plain line (and rich is never loaded)
            click.echo(message, err=True)
            return
        self.err_console.print(message, markup=False, soft_wrap=True)

    @property
    def interactive(self) -> bool:
        return sys.stderr.isatty()

    @property
    def stdout_is_terminal(self) -> bool:
        """A person reads stdout (a script or a pipe gets the plain, stable form)."""
        return sys.stdout.isatty()

    @property
    def can_prompt(self) -> bool:
        """Someone is at a terminal to answer a question (never in scripts, cron or pipes)."""
        return sys.stdin.isatty() and sys.stdout.isatty()

    def progress(
        self, label: str, *, titles: Mapping[str, str] | None = None, detail: Detail | None = None, keep: bool = False
    ) -> AbstractContextManager[Bars | None]:
        """Progress bars on stderr when it is a terminal; None otherwise (logs and pipes stay clean)."""
        if not self.interactive:  # no bars: rich is not loaded for them (a tenth of a second)
            return nullcontext(None)
        from pinbot.cli.progress import progress

        extra: dict[str, Any] = {"detail": detail} if detail is not None else {}
        return progress(self.err_console, label, enabled=self.interactive, titles=titles, keep=keep, **extra)


pass_app = click.make_pass_decorator(AppContext)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON (stable keys).")(func)


def quiet_logging_for_tests() -> None:
    logging.getLogger("pinbot").setLevel(logging.WARNING)
