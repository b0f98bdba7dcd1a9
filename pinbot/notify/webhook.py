"""A webhook: one JSON POST that Slack, Discord and ntfy all accept (stdlib urllib).

The body carries the text under each service's name for it: `text` (Slack, Mattermost, Google
Chat), `content` (Discord, at most 2,000 characters), and `title` + `message` (ntfy). ntfy reads
JSON only at its root URL with the topic inside, so for a URL on an ntfy server
(`https://ntfy.sh/TOPIC`, or any host whose name starts with "ntfy") the topic moves into the
body and the POST goes to the root. The URL embeds a token: it is never shown, only its host.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

from pinbot.notify.message import Delivery, Message

DISCORD_LIMIT = 2000
USER_AGENT = "pinbot-notify"


def is_ntfy(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "ntfy.sh" or host.startswith("ntfy.")


def payload(url: str, message: Message) -> tuple[str, dict[str, object]]:
    """(where to POST, the JSON body) for this webhook URL."""
    body = message.body()
    data: dict[str, object] = {
        "text": f"*{message.subject}*\n{body}",
        "content": f"**{message.subject}**\n{body}"[:DISCORD_LIMIT],
        "title": message.subject,
        "message": body,
    }
    if is_ntfy(url):
        parts = urlsplit(url)
        topic = parts.path.strip("/")
        data = {"topic": topic, "title": message.subject, "message": body}
        if message.links:
            data["click"] = message.links[0][1]
        return urlunsplit((parts.scheme, parts.netloc, "/", "", "")), data
    return url, data


def send_webhook(url: str, message: Message, timeout: float = 15.0) -> Delivery:
    host = urlsplit(url).hostname or "the webhook"
    if urlsplit(url).scheme not in ("http", "https"):
        return Delivery("webhook", False, "PINBOT_WEBHOOK_URL must be an http(s) URL")
    target, data = payload(url, message)
    request = urllib.request.Request(
        target,
        data=json.dumps(data).encode("utf-8"),
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            said = response.read(300).decode("utf-8", "replace")
            return Delivery("webhook", True, f"{host} said HTTP {response.status} {_short(said)}".rstrip())
    except urllib.error.HTTPError as exc:
        said = exc.read(300).decode("utf-8", "replace") if exc.fp else ""
        return Delivery("webhook", False, f"{host} said HTTP {exc.code} {_short(said) or exc.reason}")
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, socket.timeout | TimeoutError):
            return Delivery("webhook", False, f"{host} did not answer within {timeout:g} s")
        if isinstance(exc.reason, socket.gaierror):  # "[Errno -2] Name or service not known"
            return Delivery(
                "webhook", False, f"cannot find {host}: check the address, and that this computer is online"
            )
        return Delivery("webhook", False, f"cannot reach {host}: {exc.reason}")
    except (TimeoutError, OSError) as exc:
        return Delivery("webhook", False, f"cannot reach {host}: {exc}")


def _short(text: str) -> str:
    return " ".join(text.split())[:200]
