"""A faithful local stand-in for the part of Pinterest API v5 pinbot uses (no network, ever).

`Emulator` (app.py) is the entry point; `pinbot emulator serve` runs it as a process. Pinbot reaches
it through `PINTEREST_API_BASE=http://127.0.0.1:PORT/v5` exactly as it reaches Pinterest. This
package imports only pinbot's leaves (clock, links, ...), never the client, models or db, so it
stays an independent check of them.
"""

from __future__ import annotations

from pinbot.emulator.app import Emulator
from pinbot.emulator.auth import DEFAULT_SCOPE
from pinbot.emulator.faults import FAULT_KINDS
from pinbot.emulator.limits import PRESETS as RATE_LIMIT_PRESETS
from pinbot.emulator.state import StateFileError

__all__ = ["DEFAULT_SCOPE", "FAULT_KINDS", "RATE_LIMIT_PRESETS", "Emulator", "StateFileError"]
