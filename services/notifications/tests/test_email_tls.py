"""Email over TLS to a real SMTP server: STARTTLS with a login, implicit TLS, and a certificate
that does not verify, which is refused before anything is sent."""

from __future__ import annotations

import email
import email.policy
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from notifications.channels import CannotDeliver, Notice
from notifications.channels.email import SmtpSender
from notifications.messages import render
from notifications.settings import NotificationsSettings
from nowrongdoor.embedded import free_port

REFERENCE = "NWD-7K3M9QX2VD4H"
PASSWORD = "p@ss:word/1"


@dataclass
class Mailbox:
    """What the server was handed, who logged in, and whether the session was encrypted then."""

    received: list[str] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        message = email.message_from_bytes(
            envelope.original_content or b"", policy=email.policy.default
        )
        self.received.append(str(message["Subject"]))
        return "250 Message accepted"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        assert server.transport is not None
        encrypted = server.transport.get_extra_info("sslcontext") is not None
        self.logins.append((data.login.decode(), encrypted))
        return AuthResult(success=data.password.decode() == PASSWORD)


@dataclass(frozen=True)
class Certificate:
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, as a mail relay on a private network has."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.nowrongdoor.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    found = Certificate(folder / "cert.pem", folder / "key.pem")
    found.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    found.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return found


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def trusted(certificate: Certificate, monkeypatch: pytest.MonkeyPatch) -> None:
    """The certificate is trusted the way an operator trusts a private CA: `SSL_CERT_FILE`."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert_file))


def serve(mailbox: Mailbox, certificate: Certificate, *, implicit: bool) -> Iterator[int]:
    port = free_port()
    tls = certificate.server_context()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=mailbox.authenticate,
        # On implicit TLS aiosmtpd does not count the session as upgraded; it is encrypted
        # throughout, which the logins record.
        auth_require_tls=not implicit,
        require_starttls=not implicit,
        tls_context=None if implicit else tls,
        ssl_context=tls if implicit else None,
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def starttls_port(mailbox: Mailbox, certificate: Certificate) -> Iterator[int]:
    yield from serve(mailbox, certificate, implicit=False)


@pytest.fixture
def implicit_tls_port(mailbox: Mailbox, certificate: Certificate) -> Iterator[int]:
    yield from serve(mailbox, certificate, implicit=True)


def sender_for(url: str) -> SmtpSender:
    sender = SmtpSender.from_settings(NotificationsSettings(smtp_url=url, smtp_require_tls=True))
    assert sender is not None
    return sender


def acknowledgement() -> Any:
    return render([Notice("acknowledgement", REFERENCE)], "fr", "complainant", "https://x.test")


async def test_starttls_then_login_then_the_email(
    trusted: None, starttls_port: int, mailbox: Mailbox
) -> None:
    sender = sender_for(f"smtp://relay%40example.org:p%40ss%3Aword%2F1@127.0.0.1:{starttls_port}")

    await sender.send(["someone@example.org"], acknowledgement(), "dlv-tls-1")

    assert mailbox.logins == [("relay@example.org", True)]
    assert len(mailbox.received) == 1
    assert REFERENCE in mailbox.received[0]


async def test_implicit_tls_from_the_first_byte(
    trusted: None, implicit_tls_port: int, mailbox: Mailbox
) -> None:
    sender = sender_for(
        f"smtps://relay%40example.org:p%40ss%3Aword%2F1@127.0.0.1:{implicit_tls_port}"
    )

    await sender.send(["someone@example.org"], acknowledgement(), "dlv-tls-2")

    assert mailbox.logins == [("relay@example.org", True)]
    assert len(mailbox.received) == 1


async def test_a_certificate_that_does_not_verify_stops_before_the_login(
    starttls_port: int, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # No trust store knows this certificate: an empty one stands for the system's.
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    sender = sender_for(f"smtp://relay%40example.org:p%40ss%3Aword%2F1@127.0.0.1:{starttls_port}")

    with pytest.raises(CannotDeliver, match="did not verify") as raised:
        await sender.send(["someone@example.org"], acknowledgement(), "dlv-tls-3")

    assert "p@ss" not in str(raised.value)
    assert mailbox.logins == []
    assert mailbox.received == []
