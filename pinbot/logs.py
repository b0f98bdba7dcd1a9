"""Logging set-up for the edges (CLI, daemon): one line per event, secrets redacted.

`RedactingFilter` replaces every known secret value, and anything shaped like a Pinterest token
or a Bearer/Basic credential, before a record is formatted. Leaf module.
"""

from __future__ import annotations

import logging
import re
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


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    register_secrets(secrets)
    root = logging.getLogger("pinbot")
    root.setLevel(level)
    if not any(isinstance(h, logging.StreamHandler) and getattr(h, "_pinbot", False) for h in root.handlers):
        handler: logging.Handler = logging.StreamHandler()
        handler._pinbot = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
        root.propagate = False
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
