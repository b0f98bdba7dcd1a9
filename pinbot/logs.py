"""Logging set-up for the edges (CLI, daemon): one line per event, secrets redacted.

Two styles: the service's (`pinbot run`, under systemd) logs INFO and up with the time, level and
logger; a one-off command (`pinbot queue add`, `pinbot report`) prints only warnings and errors,
each as a plain line for the owner ("warning: ..."), plus the few INFO lines marked `OWNER` (a wait
the owner would otherwise sit through in silence). An explicit PINBOT_LOG_LEVEL gives every command
the service's style at that level.

`RedactingFilter` replaces every known secret value, and anything shaped like a Pinterest token
or a Bearer/Basic credential, before a record is formatted. Leaf module.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

TOKEN_PATTERN = re.compile(r"\b(pina|pinr)[A-Za-z0-9_\-.=]{8,}|(?i:(bearer|basic))\s+[A-Za-z0-9_\-.=+/]{8,}")
_known_secrets: set[str] = set()


def register_secrets(values: Iterable[str]) -> None:
    """Add secret values to redact everywhere (tokens learnt at run time included)."""
    for value in values:
        if value and len(value) >= 4:
            _known_secrets.add(value)


def redact(text: str) -> str:
    for secret in sorted(_known_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    return TOKEN_PATTERN.sub("***", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Formatting the traceback later would bypass us; render it now, redacted.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


# `log.info(..., extra=OWNER)`: a line the owner needs even from a one-off command.
OWNER = {"for_owner": True}
TIMED_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class PlainFormatter(logging.Formatter):
    """One line an owner reads: "warning: ..." or "error: ...", no time or module name, no
    traceback (a crash is reported by the command's own one-line error)."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage().replace("\n", " ")
        if record.levelno >= logging.WARNING:
            return f"{'error' if record.levelno >= logging.ERROR else 'warning'}: {text}"
        return text


class OwnerLinesOnly(logging.Filter):
    """A one-off command's filter: warnings and errors, and INFO lines marked `OWNER`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or bool(getattr(record, "for_owner", False))


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record comes (a test's captured stream too)."""

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def configure_logging(level: str, secrets: Iterable[str] = (), *, plain: bool = False) -> None:
    """The pinbot handler on stderr: the service's style at `level`, or with `plain` the one-off
    command's (warnings, errors and `OWNER` lines, as plain lines). Called again, it switches."""
    register_secrets(secrets)
    root = logging.getLogger("pinbot")
    handler = next((h for h in root.handlers if getattr(h, "_pinbot", False)), None)
    if handler is None:
        handler = StderrHandler()
        handler._pinbot = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        root.propagate = False
    for old in [f for f in handler.filters if isinstance(f, OwnerLinesOnly)]:
        handler.removeFilter(old)
    if plain:
        root.setLevel(logging.INFO)
        handler.filters.insert(0, OwnerLinesOnly())  # first: a dropped INFO record is never redacted
        handler.setFormatter(PlainFormatter())
    else:
        root.setLevel(level)
        handler.setFormatter(logging.Formatter(TIMED_FORMAT))
    for h in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in h.filters):
            h.addFilter(RedactingFilter())
