"""Email and webhook delivery through real local servers (aiosmtpd, http.server); no mocks."""

from __future__ import annotations

import ssl
from dataclasses import replace
from pathlib import Path

import pytest

from pinbot.config import Settings
from pinbot.notify.channels import send_all
from pinbot.notify.email import SmtpConfig, send_email
from pinbot.notify.message import Message
from pinbot.notify.webhook import payload, send_webhook
from tests.conftest import Cli
from tests.local_servers import Route, WebServer, free_port, self_signed, smtp_server

MESSAGE = Message("A pin is taking off", "41 saves in 2 days.", (("The pin", "https://www.pinterest.com/pin/1/"),))


def config(port: int, tls: str = "none", user: str = "", password: str = "") -> SmtpConfig:
    return SmtpConfig("127.0.0.1", port, tls, user, password, "bot@shop.example", ("owner@shop.example", "b@x.org"))


def test_email_reaches_a_real_smtp_server_and_reports_its_answer() -> None:
    with smtp_server() as (server, box):
        delivery = send_email(config(server.port), MESSAGE)
    assert delivery.ok, delivery.detail
    assert "250" in delivery.detail and "queued as TEST123" in delivery.detail
    envelope, mail = box.messages[0]
    assert envelope.rcpt_tos == ["owner@shop.example", "b@x.org"]
    assert mail["Subject"] == "A pin is taking off"
    assert "https://www.pinterest.com/pin/1/" in mail.get_payload()


def test_starttls_with_login(tmp_path: Path) -> None:
    key, cert = self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    with smtp_server(user="potter", password="s3cret-pass", tls=server_ctx) as (server, box):
        ok = send_email(config(server.port, "starttls", "potter", "s3cret-pass"), MESSAGE, client_ctx)
        wrong = replace(config(server.port, "starttls", "potter", "wrong-password"), timeout=3.0)
        bad = send_email(wrong, MESSAGE, client_ctx)
        plain = send_email(config(server.port, "none", "potter", "s3cret-pass"), MESSAGE, client_ctx)
    assert ok.ok, ok.detail
    assert box.logins == ["potter"] and len(box.messages) == 1
    assert not bad.ok and "wrong-password" not in bad.detail and not box.logins[1:]
    assert not plain.ok  # the server demands STARTTLS before anything


def test_an_unreachable_mail_server_is_a_failed_delivery_not_an_exception() -> None:
    delivery = send_email(config(free_port()), MESSAGE)
    assert not delivery.ok and "cannot reach 127.0.0.1" in delivery.detail


def test_webhook_body_suits_slack_discord_and_ntfy() -> None:
    with WebServer() as web:
        web.routes["/hooks/T0/B0/tok3n"] = Route(200, "ok")
        delivery = send_webhook(web.url + "/hooks/T0/B0/tok3n", MESSAGE)
        sent = web.requests[0].json()
    assert delivery.ok and "HTTP 200 ok" in delivery.detail
    assert "tok3n" not in delivery.detail  # the URL's token is never shown
    assert sent["text"].startswith("*A pin is taking off*") and "41 saves" in sent["text"]  # Slack
    assert sent["content"].startswith("**A pin is taking off**")  # Discord
    target, ntfy = payload("https://ntfy.sh/my-shop-alerts", MESSAGE)
    assert target == "https://ntfy.sh/" and ntfy["topic"] == "my-shop-alerts" and ntfy["title"] == MESSAGE.subject
    assert ntfy["click"] == "https://www.pinterest.com/pin/1/"
    long = Message("s", "x" * 5000)
    assert len(str(payload("https://discord.com/api/webhooks/1/abc", long)[1]["content"])) == 2000


def test_webhook_errors_are_reported_with_what_the_server_said() -> None:
    with WebServer() as web:
        web.routes["/hook"] = Route(400, "invalid_payload")
        delivery = send_webhook(web.url + "/hook", MESSAGE)
    assert not delivery.ok and "HTTP 400 invalid_payload" in delivery.detail


def test_secrets_never_leave_in_a_message() -> None:
    with WebServer() as web, smtp_server() as (server, box):
        web.routes["/hook"] = Route(200, "ok")
        settings = Settings.from_mapping(
            {
                "PINBOT_SMTP_HOST": "127.0.0.1",
                "PINBOT_SMTP_PORT": str(server.port),
                "PINBOT_SMTP_TLS": "none",
                "PINBOT_ALERT_TO": "owner@shop.example",
                "PINBOT_WEBHOOK_URL": web.url + "/hook",
                "PINTEREST_APP_SECRET": "app-secret-value-123",
                "PINBOT_SMTP_PASSWORD": "mail-password-456",
            }
        )
        leaky = Message("token app-secret-value-123", "password mail-password-456 and hook " + web.url + "/hook")
        deliveries = send_all(settings, leaky)
        assert [d.ok for d in deliveries] == [True, True]
        body = web.requests[0].body.decode()
        mail = box.messages[0][1].as_string()
    for text in (body, mail):
        assert "app-secret-value-123" not in text and "mail-password-456" not in text and "/hook" not in text
        assert "[redacted]" in text


def test_notify_test_command_prints_each_server_and_fails_when_one_fails(initialised_cli: Cli) -> None:
    with smtp_server() as (server, _box), WebServer() as web:
        web.routes["/ok"] = Route(200, "ok")
        env = {
            "PINBOT_SMTP_HOST": "127.0.0.1",
            "PINBOT_SMTP_PORT": str(server.port),
            "PINBOT_SMTP_TLS": "none",
            "PINBOT_ALERT_TO": "owner@shop.example",
        }
        good = initialised_cli("notify", "test", **env, PINBOT_WEBHOOK_URL=web.url + "/ok")
        bad = initialised_cli("notify", "test", **env, PINBOT_WEBHOOK_URL=web.url + "/missing")
    assert good.exit_code == 0, good.output
    assert "ok   email: 127.0.0.1" in good.output and "queued as TEST123" in good.output
    assert "ok   webhook: 127.0.0.1 said HTTP 200" in good.output
    assert bad.exit_code == 1 and "FAIL webhook: 127.0.0.1 said HTTP 404" in bad.output
    none = initialised_cli("notify", "test")
    assert none.exit_code == 1 and "no channel configured" in none.output
    doctor = initialised_cli("doctor", **env, PINBOT_WEBHOOK_URL=web.url + "/missing")
    assert "the last alert" in doctor.output and "HTTP 404" in doctor.output


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PINBOT_SMTP_TLS", "tls", "none, starttls or ssl"),
        ("PINBOT_SMTP_PORT", "smtp", "port number"),
        ("PINBOT_ALERT_TO", "owner", "not an email address"),
        ("PINBOT_DIGEST_DAY", "someday", "weekday"),
        ("PINBOT_DIGEST_HOUR", "25", "0 to 23"),
        ("PINBOT_WEBHOOK_URL", "hooks.slack.com/x", "http(s) URL"),
    ],
)
def test_bad_alert_settings_name_the_setting(name: str, value: str, message: str) -> None:
    from pinbot.errors import ConfigError

    with pytest.raises(ConfigError, match=name) as info:
        Settings.from_mapping({name: value})
    assert message in str(info.value)


def test_a_host_that_cannot_be_found_is_said_in_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """`notify test` said "cannot reach ntfy.sh: [Errno -2] Name or service not known". The name
    lookup fails as it does on a computer that is offline (no network is touched)."""
    import socket

    def offline(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    hook = send_webhook("https://ntfy.sh/terra-fumo", MESSAGE, timeout=2)
    assert hook.detail == "cannot find ntfy.sh: check the address, and that this computer is online"
    mail = send_email(replace(config(587), host="smtp.fastmail.example"), MESSAGE)
    assert mail.detail == "cannot find smtp.fastmail.example: check PINBOT_SMTP_HOST, and that this computer is online"
    assert "Errno" not in hook.detail + mail.detail
