"""The mail catcher of `nowrongdoor up` keeps what it is sent; `nowrongdoor mail` shows it."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nowrongdoor.cli import app, url_table
from nowrongdoor.mailcatcher import EmbeddedMailCatcher, stored_mail
from nowrongdoor.planning import PlatformConfig
from nowrongdoor.plugins import ServiceDeclaration
from nowrongdoor.supervisor import plan_platform

runner = CliRunner()


def email(to: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "No Wrong Door <no-reply@nowrongdoor.localhost>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    message.add_alternative(f"<p>{text}</p>", subtype="html")
    return message


def send(port: int, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(message)


@pytest.fixture
def catcher(tmp_path: Path) -> EmbeddedMailCatcher:
    server = EmbeddedMailCatcher(tmp_path / "mailcatcher", folder=tmp_path / "data" / "mail")
    assert server.url == f"smtp://127.0.0.1:{server.port}"
    return server


def test_the_mail_catcher_keeps_each_email_and_the_mail_command_lists_them(
    tmp_path: Path, catcher: EmbeddedMailCatcher
) -> None:
    with catcher:
        send(catcher.port, email("amina@example.org", "تم استلام شكايتكم NWD-7K3M9QX2VD4H", "أ"))
        send(catcher.port, email("desk@unia.be", "New case NWD-9X2VD4H7K3MQ", "A new case."))
    assert not catcher.running

    kept = sorted((tmp_path / "data" / "mail").glob("*.eml"))
    assert len(kept) == 2
    assert [mail.to for mail in stored_mail(catcher.folder)] == [
        "amina@example.org",
        "desk@unia.be",
    ]

    listed = runner.invoke(app, ["mail", "--data-dir", str(tmp_path / "data")])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("1  ")
    assert "amina@example.org  تم استلام شكايتكم NWD-7K3M9QX2VD4H" in lines[0]
    assert lines[1].startswith("2  ")
    assert lines[1].endswith("desk@unia.be  New case NWD-9X2VD4H7K3MQ")

    shown = runner.invoke(app, ["mail", "--data-dir", str(tmp_path / "data"), "show", "2"])
    assert shown.exit_code == 0, shown.output
    assert "To: desk@unia.be" in shown.output
    assert "Subject: New case NWD-9X2VD4H7K3MQ" in shown.output
    assert shown.output.rstrip().endswith("A new case.")
    assert "<p>" not in shown.output


def test_the_mail_command_says_when_nothing_arrived(tmp_path: Path) -> None:
    listed = runner.invoke(app, ["mail", "--data-dir", str(tmp_path)])
    assert listed.exit_code == 0
    assert "no mail in" in listed.output

    shown = runner.invoke(app, ["mail", "--data-dir", str(tmp_path), "show", "1"])
    assert shown.exit_code == 1
    assert "no email number 1" in shown.output


def test_up_embeds_the_mail_catcher_and_tells_every_service(
    tmp_path: Path, five_services: tuple[ServiceDeclaration, ...]
) -> None:
    config = PlatformConfig.from_environ({}, data_dir=tmp_path, services=five_services)
    platform = plan_platform(config)

    assert platform.mail is not None
    assert platform.mail in platform.embedded
    assert platform.mail.folder == tmp_path.resolve() / "mail"
    assert platform.smtp_url == platform.mail.url
    for spec in platform.specs:
        assert spec.env["NWD_SMTP_URL"] == platform.mail.url
        assert spec.env["NWD_NOTIFICATIONS_SMTP_REQUIRE_TLS"] == "false"
    table = url_table(platform)
    assert "emails sent land in" in table
    assert f"{tmp_path.resolve() / 'mail'} — `nowrongdoor mail` lists them" in table


def test_a_given_smtp_server_replaces_the_mail_catcher(
    tmp_path: Path, five_services: tuple[ServiceDeclaration, ...]
) -> None:
    environ = {"NWD_SMTP_URL": "smtp://relay:s3cret@mail.example.org:587"}
    config = PlatformConfig.from_environ(environ, data_dir=tmp_path, services=five_services)
    platform = plan_platform(config)

    assert platform.mail is None
    assert all("NWD_SMTP_URL" not in spec.env for spec in platform.specs)
    table = url_table(platform)
    assert "mail.example.org:587  (from NWD_SMTP_URL)" in table
    assert "s3cret" not in table
