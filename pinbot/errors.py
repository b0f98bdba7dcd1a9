"""The one exception family of pinbot.

Every error a user can cause or meet derives from `PinbotError`; the CLI turns any of them into
one line on stderr and a non-zero exit code. Leaf module: imports nothing of pinbot.
"""

from __future__ import annotations


class PinbotError(Exception):
    """Base of every error pinbot raises on purpose. `str(err)` is the one line a user sees."""

    exit_code: int = 1


class ConfigError(PinbotError):
    """A setting is missing or malformed."""

    exit_code = 2


class InvalidInput(PinbotError):
    """User-supplied data failed validation; names the field (and the row, for files)."""

    exit_code = 2

    def __init__(self, field: str, reason: str, *, row: int | None = None, source: str = "") -> None:
        self.field = field
        self.reason = reason
        self.row = row
        self.source = source
        where = f"{source}: " if source else ""
        if row is not None:
            where += f"row {row}: "
        super().__init__(f"{where}{field}: {reason}")


class NotFound(PinbotError):
    """A referenced object (pin, board, product, experiment) does not exist."""

    exit_code = 3


class StateConflict(PinbotError):
    """The object exists but is in a state that does not allow the requested change."""

    exit_code = 4


class DatabaseError(PinbotError):
    """The database is unreachable, locked past its timeout, full, or at the wrong schema."""

    exit_code = 5


class ImageError(PinbotError):
    """An input image is missing, unreadable, hostile or unsupported. Names the file."""

    exit_code = 2

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")
