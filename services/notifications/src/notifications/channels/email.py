"""Email through an SMTP server (`NWD_SMTP_URL`): one multipart message per delivery.

`smtp://host:port` upgrades with STARTTLS whenever the server offers it; when it does not, the
email goes in clear (a local mail catcher) unless `NWD_NOTIFICATIONS_SMTP_REQUIRE_TLS=true`.
`smtps://host:port` speaks TLS from the first byte. `user:password@` in the URL, percent-encoded,
logs in, and only over TLS. Failures become `TryLater` or `CannotDeliver`, with texts that never
name an address.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

from notifications.channels import CannotDeliver, Rendered, TryLater
from notifications.settings import NotificationsSettings

__all__ = ["SmtpSender", "build_message"]

_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TIMEOUT_SECONDS = 30.0


def build_message(
    *, sender: str, to: Sequence[str], message: Rendered, message_id: str
) -> EmailMessage:
    """The email as it leaves: plain text, then HTML, in UTF-8, marked as sent by a machine."""
    for address in to:
        _check_address(address)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = ", ".join(to)
    email["Subject"] = message.subject
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = f"<{message_id}@nowrongdoor>"
    # Out-of-office replies and other robots must not answer (RFC 3834).
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.text, charset="utf-8")
    email.add_alternative(message.html, subtype="html", charset="utf-8")
    # After the parts: setting content clears every Content-* header before it.
    email["Content-Language"] = message.language
    return email


def _check_address(address: str) -> None:
    _, parsed = parseaddr(address)
    local, at, domain = parsed.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain
        or parsed != address.strip()
        or any(character in address for character in "\r\n")
    ):
        raise CannotDeliver("not a valid email address")


@dataclass(frozen=True)
class SmtpSender:
    """Sends each email over its own connection to one SMTP server."""

    hostname: str
    port: int
    mail_from: str
    implicit_tls: bool = False
    require_tls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = TIMEOUT_SECONDS

    @classmethod
    def from_settings(cls, settings: NotificationsSettings) -> SmtpSender | None:
        """The sender `NWD_SMTP_URL` describes; None when it is not set (no email is sent)."""
        if not settings.smtp_url:
            return None
        url = urlsplit(settings.smtp_url)
        if url.scheme not in _DEFAULT_PORTS or not url.hostname:
            raise ValueError("NWD_SMTP_URL must look like smtp://host:port or smtps://host:port")
        return cls(
            hostname=url.hostname,
            port=url.port or _DEFAULT_PORTS[url.scheme],
            mail_from=settings.mail_from,
            implicit_tls=url.scheme == "smtps",
            require_tls=settings.smtp_require_tls,
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password is not None else None,
        )

    async def send(self, to: Sequence[str], message: Rendered, message_id: str) -> None:
        """Hand the email to the server; TryLater or CannotDeliver when it is not taken."""
        if not to:
            raise CannotDeliver("no recipient")
        email = build_message(sender=self.mail_from, to=to, message=message, message_id=message_id)
        client = aiosmtplib.SMTP(
            hostname=self.hostname,
            port=self.port,
            use_tls=self.implicit_tls,
            start_tls=False,
            timeout=self.timeout,
        )
        try:
            async with client:
                await self._secure(client)
                if self.username is not None:
                    await client.login(self.username, self.password or "")
                await client.send_message(email, recipients=list(to))
        except aiosmtplib.SMTPRecipientsRefused as refused:
            codes = [error.code for error in refused.recipients]
            if any(400 <= code < 500 for code in codes):
                raise TryLater(f"the mail server deferred the recipient ({codes[0]})") from None
            raise CannotDeliver(f"the mail server refused the recipient ({codes[0]})") from None
        except aiosmtplib.SMTPResponseException as error:
            # The server's own words may quote the address: only its code is kept.
            what = _what(error)
            if 400 <= error.code < 500:
                raise TryLater(f"the mail server deferred {what} ({error.code})") from None
            raise CannotDeliver(f"the mail server refused {what} ({error.code})") from None
        except ssl.SSLCertVerificationError:
            raise CannotDeliver("the mail server's TLS certificate did not verify") from None
        except (aiosmtplib.SMTPException, OSError) as error:
            raise TryLater(
                f"the mail server could not be reached ({type(error).__name__})"
            ) from None

    async def _secure(self, client: aiosmtplib.SMTP) -> None:
        if self.implicit_tls:
            return
        await client.ehlo()
        if client.supports_extension("starttls"):
            await client.starttls()
        elif self.require_tls:
            raise CannotDeliver(
                "the mail server does not offer STARTTLS and NWD_NOTIFICATIONS_SMTP_REQUIRE_TLS "
                "forbids sending in clear"
            )
        elif self.username is not None:
            raise CannotDeliver(
                "the mail server does not offer STARTTLS; its password is never sent in clear"
            )


def _what(error: aiosmtplib.SMTPResponseException) -> str:
    if isinstance(error, aiosmtplib.SMTPRecipientRefused):
        return "the recipient"
    if isinstance(error, aiosmtplib.SMTPSenderRefused):
        return "the sender"
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return "the login"
    if isinstance(error, aiosmtplib.SMTPDataError):
        return "the message"
    return "the request"
