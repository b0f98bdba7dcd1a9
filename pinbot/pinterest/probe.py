"""One cheap authenticated call for `pinbot doctor`: does Pinterest accept this access token?

Owns `probe_token`: GET /user_account with the token as it is, once, with a short timeout. No
retry and no refresh (a refresh would rotate and store tokens, and doctor changes nothing); the
answer is a verdict and a sentence, never the token.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import requests

from pinbot.logs import redact
from pinbot.pinterest.transport import BearerAuth, new_session

PROBE_TIMEOUT = (3.05, 10.0)


@dataclass(frozen=True)
class Probe:
    verdict: str  # "ok" | "rejected" | "unreachable" | "error"
    detail: str


def probe_token(api_base: str, access_token: str, session: requests.Session | None = None) -> Probe:
    """GET {api_base}/user_account with `access_token`: ok (with the username), rejected (401/403),
    unreachable (no answer) or error (any other status)."""
    http = session or new_session()
    try:
        response = http.get(f"{api_base}/user_account", auth=BearerAuth(access_token), timeout=PROBE_TIMEOUT)
    except requests.RequestException as exc:
        return Probe("unreachable", f"no answer from {api_base} ({type(exc).__name__})")
    if response.status_code == 200:
        try:
            username = str(response.json().get("username") or "")
        except ValueError:
            username = ""
        return Probe("ok", f"accepted by Pinterest (account {username or 'unknown'})")
    message = ""
    with contextlib.suppress(ValueError):
        message = str(response.json().get("message") or "")
    reason = f"HTTP {response.status_code}" + (f": {redact(message)[:120]}" if message else "")
    if response.status_code in (401, 403):
        return Probe("rejected", f"Pinterest rejected the token ({reason})")
    return Probe("error", f"GET /user_account answered {reason}")
