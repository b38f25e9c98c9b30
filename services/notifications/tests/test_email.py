"""Emails handed to a real SMTP server: headers, both parts, direction, and failures mapped."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from notifications.channels import CannotDeliver, Notice, TryLater
from notifications.channels.email import SmtpSender
from notifications.messages import render
from notifications.settings import NotificationsSettings
from nowrongdoor.embedded import free_port
from nowrongdoor.mailcatcher import EmbeddedMailCatcher, read_mail, stored_mail

REFERENCE = "NWD-7K3M9QX2VD4H"
REFUSED = "gone@example.org"
DEFERRED = "busy@example.org"
PUBLIC_URL = "https://nowrongdoor.example.org"


@dataclass
class Mailbox:
    """What the test server was handed, and who logged in."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, _: Any
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 <gone@example.org>: mailbox unavailable"
        if address == DEFERRED:
            return "451 4.2.0 <busy@example.org>: try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=password == "p@ss:word/1")


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp_port(mailbox: Mailbox) -> Iterator[int]:
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=mailbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def sender_for(url: str, *, require_tls: bool = False) -> SmtpSender:
    settings = NotificationsSettings(
        smtp_url=url,
        smtp_require_tls=require_tls,
        mail_from="No Wrong Door <no-reply@nowrongdoor.example.org>",
    )
    sender = SmtpSender.from_settings(settings)
    assert sender is not None
    return sender


def acknowledgement(language: str) -> Any:
    return render([Notice("acknowledgement", REFERENCE)], language, "complainant", PUBLIC_URL)


def parts(message: EmailMessage) -> dict[str, str]:
    found = {}
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        found[part.get_content_type()] = str(part.get_content())
    return found


def test_no_smtp_url_means_no_sender() -> None:
    assert SmtpSender.from_settings(NotificationsSettings(smtp_url=None)) is None


def test_the_url_says_where_how_and_who() -> None:
    sender = sender_for("smtps://relay%40example.org:p%40ss%3Aword%2F1@mail.example.org")
    assert (sender.hostname, sender.port, sender.implicit_tls) == ("mail.example.org", 465, True)
    assert (sender.username, sender.password) == ("relay@example.org", "p@ss:word/1")
    plain = sender_for("smtp://127.0.0.1:1025", require_tls=True)
    assert (plain.port, plain.implicit_tls, plain.require_tls) == (1025, False, True)
    assert plain.username is None


async def test_an_arabic_email_arrives_whole_and_right_to_left(
    smtp_port: int, mailbox: Mailbox
) -> None:
    sender = sender_for(f"smtp://127.0.0.1:{smtp_port}")

    await sender.send(["amina@example.org"], acknowledgement("ar"), "dlv-0001")

    [(recipients, message)] = mailbox.messages
    assert recipients == ["amina@example.org"]
    assert message["From"] == "No Wrong Door <no-reply@nowrongdoor.example.org>"
    assert message["To"] == "amina@example.org"
    assert message["Message-ID"] == "<dlv-0001@nowrongdoor>"
    assert message["Content-Language"] == "ar"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"] is not None
    assert REFERENCE in str(message["Subject"])
    assert message.get_content_type() == "multipart/alternative"
    assert list(parts(message)) == ["text/plain", "text/html"]
    text, html = parts(message)["text/plain"], parts(message)["text/html"]
    assert REFERENCE in text
    assert "احتفظوا" in text
    assert '<html lang="ar" dir="rtl">' in html
    assert '<body dir="rtl"' in html
    assert f"{PUBLIC_URL}/ar/track?reference={REFERENCE}" in html, "the case page in Arabic"


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_french_and_english_emails_read_left_to_right(
    smtp_port: int, mailbox: Mailbox, language: str
) -> None:
    await sender_for(f"smtp://127.0.0.1:{smtp_port}").send(
        ["someone@example.org"], acknowledgement(language), "dlv-0002"
    )

    [(_, message)] = mailbox.messages
    html = parts(message)["text/html"]
    assert f'<html lang="{language}" dir="ltr">' in html
    assert 'dir="rtl"' not in html
    assert message["Content-Language"] == language
    assert REFERENCE in parts(message)["text/plain"]


async def test_no_password_in_clear_when_the_server_offers_no_starttls(
    smtp_port: int, mailbox: Mailbox
) -> None:
    sender = sender_for(f"smtp://relay%40example.org:p%40ss%3Aword%2F1@127.0.0.1:{smtp_port}")

    with pytest.raises(CannotDeliver, match="STARTTLS") as raised:
        await sender.send(["someone@example.org"], acknowledgement("en"), "dlv-0003")

    assert "p@ss" not in str(raised.value)
    assert mailbox.logins == []
    assert mailbox.messages == []


async def test_no_email_in_clear_when_the_server_offers_no_starttls_and_tls_is_required(
    smtp_port: int, mailbox: Mailbox
) -> None:
    sender = sender_for(f"smtp://127.0.0.1:{smtp_port}", require_tls=True)

    with pytest.raises(CannotDeliver, match="STARTTLS"):
        await sender.send(["someone@example.org"], acknowledgement("en"), "dlv-0004")

    assert mailbox.messages == []


async def test_a_closed_port_means_try_later() -> None:
    sender = sender_for(f"smtp://127.0.0.1:{free_port()}")

    with pytest.raises(TryLater) as raised:
        await sender.send(["someone@example.org"], acknowledgement("en"), "dlv-0005")

    assert "someone" not in str(raised.value)


async def test_a_refused_recipient_cannot_be_delivered_and_is_not_named(
    smtp_port: int, mailbox: Mailbox
) -> None:
    sender = sender_for(f"smtp://127.0.0.1:{smtp_port}")

    with pytest.raises(CannotDeliver, match="550") as raised:
        await sender.send([REFUSED], acknowledgement("en"), "dlv-0006")

    assert "gone" not in str(raised.value)
    assert mailbox.messages == []


async def test_a_deferred_recipient_is_tried_later(smtp_port: int, mailbox: Mailbox) -> None:
    sender = sender_for(f"smtp://127.0.0.1:{smtp_port}")

    with pytest.raises(TryLater, match="451") as raised:
        await sender.send([DEFERRED], acknowledgement("en"), "dlv-0007")

    assert "busy" not in str(raised.value)


@pytest.mark.parametrize("address", ["not-an-address", "a@b.org\r\nBcc: x@y.org", "@example.org"])
async def test_a_malformed_address_is_refused_before_connecting(address: str) -> None:
    sender = sender_for(f"smtp://127.0.0.1:{free_port()}")

    with pytest.raises(CannotDeliver) as raised:
        await sender.send([address], acknowledgement("en"), "dlv-0008")

    assert address not in str(raised.value)


async def test_the_local_mail_catcher_keeps_what_is_sent(tmp_path: Path) -> None:
    catcher = EmbeddedMailCatcher(tmp_path / "mailcatcher", folder=tmp_path / "mail")
    with catcher:
        await sender_for(catcher.url).send(["amina@example.org"], acknowledgement("ar"), "dlv-9")

    [kept] = stored_mail(catcher.folder)
    assert kept.to == "amina@example.org"
    assert REFERENCE in kept.subject
    message = read_mail(kept.path)
    assert message["Message-ID"] == "<dlv-9@nowrongdoor>"
    assert '<html lang="ar" dir="rtl">' in parts(message)["text/html"]
