"""What the emulator holds: the user, boards, sections, pins, OAuth codes and tokens.

Plain dataclasses kept in memory, optionally mirrored to a JSON file after every change (written
to a temp file, fsynced, then `os.replace`d, so a crash never leaves half a file). Ids are 18-digit
numeric strings from one counter, so a given seed and sequence of calls always yields the same ids
(and therefore the same simulated engagement). Callers hold the emulator's lock; this module does
no locking of its own.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pinbot.emulator.protocol import iso, parse_iso
from pinbot.links import marker_in

STATE_VERSION = 1
_ID_BASE = {"user": 200_000_000_000_000_000, "board": 500_000_000_000_000_000}
_ID_BASE.update(section=400_000_000_000_000_000, pin=800_000_000_000_000_000)


@dataclass
class Board:
    id: str
    name: str
    description: str
    privacy: str
    created_at: datetime


@dataclass
class Section:
    id: str
    board_id: str
    name: str


@dataclass
class Pin:
    id: str
    board_id: str
    created_at: datetime
    title: str | None = None
    description: str | None = None
    link: str | None = None
    alt_text: str | None = None
    dominant_color: str | None = None
    board_section_id: str | None = None
    width: int = 1000
    height: int = 1500
    image_sha256: str = ""
    source_type: str = "image_base64"
    deleted_at: datetime | None = None

    @property
    def marker(self) -> str | None:
        return marker_in(self.link)

    @property
    def alive(self) -> bool:
        return self.deleted_at is None


@dataclass
class Token:
    value: str
    kind: str  # "access" | "refresh"
    scope: str  # space-separated
    expires_at: datetime
    revoked: bool = False  # refresh tokens once rotated; access tokens forced expired


@dataclass
class AuthCode:
    code: str
    redirect_uri: str
    scope: str
    expires_at: datetime
    used: bool = False


@dataclass
class Store:
    seed: int
    username: str = "emulated_shop"
    user_id: str = ""
    seq: int = 0
    clock_offset: float = 0.0  # seconds added to the injected clock by the control endpoint
    boards: dict[str, Board] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)
    pins: dict[str, Pin] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    path: Path | None = None

    def __post_init__(self) -> None:
        if not self.user_id:
            self.user_id = str(_ID_BASE["user"] + self.seed % 1_000_000)

    def next_id(self, kind: str) -> str:
        self.seq += 1
        return str(_ID_BASE[kind] + self.seq)

    # -- queries ---------------------------------------------------------------------------
    def live_pins(self) -> list[Pin]:
        return [p for p in self.pins.values() if p.alive]

    def board_pins(self, board_id: str) -> list[Pin]:
        return [p for p in self.pins.values() if p.alive and p.board_id == board_id]

    def pins_by_marker(self, include_deleted: bool = False) -> dict[str, int]:
        counts: dict[str, int] = {}
        for pin in self.pins.values():
            marker = pin.marker
            if marker and (include_deleted or pin.alive):
                counts[marker] = counts.get(marker, 0) + 1
        return counts

    # -- persistence -----------------------------------------------------------------------
    def save(self) -> None:
        if self.path is None:
            return
        data = {
            "version": STATE_VERSION,
            "seed": self.seed,
            "username": self.username,
            "user_id": self.user_id,
            "seq": self.seq,
            "clock_offset": self.clock_offset,
            "boards": [_dump(b) for b in self.boards.values()],
            "sections": [_dump(s) for s in self.sections.values()],
            "pins": [_dump(p) for p in self.pins.values()],
            "tokens": [_dump(t) for t in self.tokens.values()],
            "codes": [_dump(c) for c in self.codes.values()],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, separators=(",", ":"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def open(cls, seed: int, path: Path | None) -> Store:
        """A store mirrored to `path` (loaded when the file exists), or a memory-only one."""
        if path is None or not path.exists():
            return cls(seed=seed, path=path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
            if data.get("version") != STATE_VERSION:
                raise ValueError(f"unsupported state version {data.get('version')!r}")
            store = cls(
                seed=int(data["seed"]),
                username=data["username"],
                user_id=data["user_id"],
                seq=int(data["seq"]),
                clock_offset=float(data.get("clock_offset", 0.0)),
                path=path,
            )
            store.boards = {b["id"]: Board(**_load(b)) for b in data["boards"]}
            store.sections = {s["id"]: Section(**_load(s)) for s in data["sections"]}
            store.pins = {p["id"]: Pin(**_load(p)) for p in data["pins"]}
            store.tokens = {t["value"]: Token(**_load(t)) for t in data["tokens"]}
            store.codes = {c["code"]: AuthCode(**_load(c)) for c in data["codes"]}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StateFileError(f"{path}: not a readable emulator state file ({exc})") from None
        return store


class StateFileError(Exception):
    """The state file exists but cannot be used."""


_DATETIME_FIELDS = frozenset({"created_at", "expires_at", "deleted_at"})


def _dump(obj: Any) -> dict[str, Any]:
    out = asdict(obj)
    for key in _DATETIME_FIELDS & out.keys():
        if out[key] is not None:
            out[key] = iso(out[key]) if out[key].microsecond == 0 else out[key].isoformat()
    return out


def _load(raw: dict[str, Any]) -> dict[str, Any]:
    out = dict(raw)
    for key in _DATETIME_FIELDS & out.keys():
        if out[key] is not None:
            out[key] = parse_iso(out[key])
    return out
