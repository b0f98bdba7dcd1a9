"""Every channel the settings configure, and sending one message through all of them.

Secrets (the app secret, tokens, the SMTP password, the webhook URL) are scrubbed from the message
before it leaves. `send_all` never raises: each channel's outcome is a `Delivery`.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable

from pinbot.config import Settings
from pinbot.notify.email import DEFAULT_PORTS, SmtpConfig, send_email
from pinbot.notify.message import Delivery, Message
from pinbot.notify.webhook import send_webhook

Channel = tuple[str, Callable[[Message], Delivery]]


def smtp_config(settings: Settings) -> SmtpConfig | None:
    if not settings.smtp_host:
        return None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port or DEFAULT_PORTS[settings.smtp_tls],
        tls=settings.smtp_tls,
        user=settings.smtp_user,
        password=settings.smtp_password.get(),
        sender=settings.alert_from or (settings.alert_to[0] if settings.alert_to else ""),
        recipients=settings.alert_to,
    )


def configured(settings: Settings, ssl_context: ssl.SSLContext | None = None) -> list[Channel]:
    channels: list[Channel] = []
    smtp = smtp_config(settings)
    if smtp is not None:
        channels.append(("email", lambda m: send_email(smtp, m, ssl_context)))
    url = settings.webhook_url.get()
    if url:
        channels.append(("webhook", lambda m: send_webhook(url, m)))
    return channels


def send_all(settings: Settings, message: Message, ssl_context: ssl.SSLContext | None = None) -> list[Delivery]:
    clean = message.scrubbed(settings.secrets)
    out = []
    for name, send in configured(settings, ssl_context):
        try:
            out.append(send(clean))
        except Exception as exc:  # a channel must never take the service down
            out.append(Delivery(name, False, f"unexpected error: {type(exc).__name__}"))
    return out
