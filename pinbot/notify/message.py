"""One notification and what became of it on one channel.

Owns `Message` (a subject, plain text, optional links), `Delivery` (channel, ok, what the server
said) and `scrub`, which takes every configured secret out of a text before it leaves: a message
is built from shop data, and nothing guarantees a secret never slipped into that data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

REDACTED = "[redacted]"


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    links: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (label, url)

    def body(self) -> str:
        lines = [self.text.rstrip()]
        if self.links:
            lines.append("")
            lines += [f"{label}: {url}" for label, url in self.links]
        return "\n".join(lines) + "\n"

    def scrubbed(self, secrets: Iterable[str]) -> Message:
        keys = [s for s in secrets if s and len(s) >= 4]
        return Message(
            scrub(self.subject, keys),
            scrub(self.text, keys),
            tuple((scrub(label, keys), scrub(url, keys)) for label, url in self.links),
        )


@dataclass(frozen=True)
class Delivery:
    channel: str  # "email" or "webhook"
    ok: bool
    detail: str  # what the server said, or why it could not be reached (never a secret)

    def as_dict(self) -> dict[str, object]:
        return {"channel": self.channel, "ok": self.ok, "detail": self.detail}


def scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, REDACTED)
    return text
