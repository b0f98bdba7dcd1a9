"""Email through the owner's SMTP server (smtplib), with TLS `none`, `starttls` or `ssl`.

Sends with MAIL/RCPT/DATA one by one rather than `sendmail`, so the server's own answer to the
message ("250 2.0.0 Ok: queued as ...") can be shown to the owner by `pinbot notify test`. Any
failure becomes a `Delivery` with the reason; nothing here raises, so a broken mail server never
stops the service. The password is used for LOGIN only and never appears in a reason.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pinbot.notify.message import Delivery, Message, scrub

TLS_MODES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: str
    user: str
    password: str
    sender: str
    recipients: tuple[str, ...]
    timeout: float = 20.0

    def __repr__(self) -> str:
        return f"SmtpConfig(host={self.host!r}, port={self.port}, tls={self.tls!r}, to={len(self.recipients)})"


def build(config: SmtpConfig, message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = config.sender
    mail["To"] = ", ".join(config.recipients)
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2] or None)
    mail.set_content(message.body())
    return mail


def send_email(config: SmtpConfig, message: Message, context: ssl.SSLContext | None = None) -> Delivery:
    """Deliver `message` to every recipient; `context` verifies the server (default: the system's CAs)."""
    where = f"{config.host}:{config.port}"
    if not config.recipients:
        return Delivery("email", False, "no recipients: set PINBOT_ALERT_TO")
    context = context or ssl.create_default_context()
    try:
        if config.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with smtp:
            smtp.ehlo()
            if config.tls == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if config.user:
                smtp.login(config.user, config.password)
            mail = build(config, message)
            code, answer = smtp.mail(config.sender)
            if code != 250:
                return Delivery("email", False, f"{where} refused the sender: {code} {_text(answer)}")
            refused = []
            for rcpt in config.recipients:
                code, answer = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    refused.append(f"{rcpt} ({code} {_text(answer)})")
            if len(refused) == len(config.recipients):
                smtp.rset()
                return Delivery("email", False, f"{where} refused every recipient: {'; '.join(refused)}")
            code, answer = smtp.data(mail.as_bytes())
            said = f"{where} said {code} {_text(answer)}"
            if refused:
                said += f"; refused {'; '.join(refused)}"
            return Delivery("email", code == 250 and not refused, said)
    except smtplib.SMTPAuthenticationError as exc:
        reason = f"{where} refused the login for {config.user!r}: {exc.smtp_code} {_text(exc.smtp_error)}"
    except smtplib.SMTPNotSupportedError:
        reason = f"{where} does not offer STARTTLS; set PINBOT_SMTP_TLS=ssl or none"
    except smtplib.SMTPException as exc:
        reason = f"{where}: {exc}"
    except ssl.SSLError as exc:
        reason = f"{where}: TLS failed ({exc.reason or exc}); check PINBOT_SMTP_TLS and PINBOT_SMTP_PORT"
    except TimeoutError:
        reason = f"{where} did not answer within {config.timeout:g} s"
    except socket.gaierror:
        reason = f"cannot find {config.host}: check PINBOT_SMTP_HOST, and that this computer is online"
    except OSError as exc:
        reason = f"cannot reach {where}: {exc.strerror or exc}"
    return Delivery("email", False, scrub(reason, [config.password]))


def _text(answer: bytes | str) -> str:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    return " ".join(text.split())[:300]
