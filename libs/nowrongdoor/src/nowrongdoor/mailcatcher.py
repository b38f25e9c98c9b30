"""The local mail catcher of `nowrongdoor up`: an SMTP server that keeps every email in a folder.

`python -m nowrongdoor.mailcatcher --port P --folder F` runs an `aiosmtpd` server on loopback
that accepts any message and writes it, as received, to `F/<arrival time>-<random>.eml`, so the
names sort by arrival. `EmbeddedMailCatcher` runs it as a child process like the embedded NATS
and Redis; `nowrongdoor mail` lists what arrived and `nowrongdoor mail show N` prints one.
`aiosmtpd` comes with the library's `local` extra and is imported only when a server starts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import signal
import socket
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Annotated, Any

import typer

from nowrongdoor.embedded import (
    INSTALL_LOCAL_TOOLS,
    LOCALHOST,
    EmbeddedServer,
    EmbeddedServerError,
    _read_line,
)

__all__ = [
    "EmbeddedMailCatcher",
    "MailFolder",
    "StoredMail",
    "mail_app",
    "main",
    "read_mail",
    "stored_mail",
]

SUFFIX = ".eml"
_STAMP = "%Y%m%dT%H%M%S%fZ"


# -- the server ------------------------------------------------------------------------------


class MailFolder:
    """An aiosmtpd handler: every message it is handed becomes one file in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(  # noqa: N802 - the name aiosmtpd calls
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", errors="surrogateescape")
        await asyncio.to_thread(self.keep, bytes(content))
        return "250 Message accepted for delivery"

    def keep(self, content: bytes) -> Path:
        """Write one message; a reader never sees half a file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC).strftime(_STAMP)}-{uuid.uuid4().hex[:8]}{SUFFIX}"
        partial = self.folder / f".{name}.partial"
        partial.write_bytes(content)
        target = self.folder / name
        os.replace(partial, target)
        return target


async def serve(folder: Path, port: int, host: str = LOCALHOST) -> None:
    """Accept mail on `host:port` until SIGINT or SIGTERM."""
    from aiosmtpd.smtp import SMTP

    loop = asyncio.get_running_loop()
    handler = MailFolder(folder)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="mailcatcher.localhost", enable_SMTPUTF8=True),
        host=host,
        port=port,
    )
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    print(f"mail catcher on smtp://{host}:{port}, keeping mail in {folder}", flush=True)
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m nowrongdoor.mailcatcher",
        description="An SMTP server on loopback that keeps every email it is sent in a folder.",
    )
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--folder", type=Path, default=Path(".nowrongdoor/mail"))
    parser.add_argument("--host", default=LOCALHOST)
    arguments = parser.parse_args(argv)
    asyncio.run(serve(arguments.folder.resolve(), arguments.port, arguments.host))


class EmbeddedMailCatcher(EmbeddedServer):
    """The mail catcher as a child process; its log in `data_dir`, the mail in `folder`."""

    name = "mail"

    def __init__(self, data_dir: Path | str, port: int | None = None, *, folder: Path) -> None:
        super().__init__(data_dir, port)
        self.folder = Path(folder).resolve()

    @property
    def url(self) -> str:
        return f"smtp://{LOCALHOST}:{self.port}"

    def binary(self) -> Path:
        if importlib.util.find_spec("aiosmtpd") is None:
            raise EmbeddedServerError(
                f"the mail catcher needs aiosmtpd, one of the local tools: {INSTALL_LOCAL_TOOLS}"
            )
        return Path(sys.executable)

    def command(self) -> list[str]:
        return [
            str(self.binary()),
            "-m",
            "nowrongdoor.mailcatcher",
            "--host",
            LOCALHOST,
            "--port",
            str(self.port),
            "--folder",
            str(self.folder),
        ]

    def answers(self, timeout: float) -> bool:
        # An SMTP server greets first with `220`; say goodbye so it logs no broken session.
        try:
            with socket.create_connection((LOCALHOST, self.port), timeout=timeout) as connection:
                connection.settimeout(timeout)
                greeting = _read_line(connection)
                if greeting.startswith(b"220"):
                    connection.sendall(b"QUIT\r\n")
                    _read_line(connection)
        except OSError:
            return False
        return greeting.startswith(b"220")


# -- reading what arrived --------------------------------------------------------------------


@dataclass(frozen=True)
class StoredMail:
    """One kept email as `nowrongdoor mail` lists it."""

    path: Path
    received: datetime
    to: str
    subject: str


def _received(path: Path) -> datetime:
    try:
        return datetime.strptime(path.name.partition("-")[0], _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def stored_mail(folder: Path) -> list[StoredMail]:
    """Every email in `folder`, oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        with path.open("rb") as file:
            headers = BytesParser(policy=default_policy).parse(file, headersonly=True)
        found.append(
            StoredMail(
                path=path,
                received=_received(path),
                to=str(headers.get("To", "")),
                subject=str(headers.get("Subject", "")),
            )
        )
    return found


def read_mail(path: Path) -> EmailMessage:
    with path.open("rb") as file:
        message = BytesParser(policy=default_policy).parse(file)
    assert isinstance(message, EmailMessage)
    return message


def readable_text(message: EmailMessage) -> str:
    """The plain-text part (else the HTML one, else the whole body) as a person reads it."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return str(message.get_payload())
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


# -- `nowrongdoor mail` ----------------------------------------------------------------------

mail_app = typer.Typer(
    help="Emails the local mail catcher of `nowrongdoor up` received: list them, read one."
)

DataDir = Annotated[
    Path,
    typer.Option(envvar="NWD_DATA_DIR", help="The data folder `nowrongdoor up` was given."),
]


def _folder(data_dir: Path) -> Path:
    return data_dir / "mail"


@mail_app.callback(invoke_without_command=True)
def mail_list(ctx: typer.Context, data_dir: DataDir = Path(".nowrongdoor")) -> None:
    """List every email received, newest last: number, time, recipient, subject."""
    ctx.obj = data_dir
    if ctx.invoked_subcommand is not None:
        return
    mails = stored_mail(_folder(data_dir))
    if not mails:
        typer.echo(f"no mail in {_folder(data_dir)} yet")
        return
    width = len(str(len(mails)))
    for number, mail in enumerate(mails, start=1):
        when = mail.received.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(f"{number:>{width}}  {when}  {mail.to}  {mail.subject}")


@mail_app.command("show")
def mail_show(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(help="Its number in `nowrongdoor mail`.")],
) -> None:
    """Print one email: its headers and its plain-text part."""
    data_dir: Path = ctx.obj if isinstance(ctx.obj, Path) else Path(".nowrongdoor")
    mails = stored_mail(_folder(data_dir))
    if not 1 <= number <= len(mails):
        typer.echo(f"no email number {number}; `nowrongdoor mail` lists {len(mails)}", err=True)
        raise typer.Exit(1)
    message = read_mail(mails[number - 1].path)
    for header in ("From", "To", "Date", "Subject"):
        typer.echo(f"{header}: {message.get(header, '')}")
    typer.echo("")
    typer.echo(readable_text(message).rstrip("\n"))


if __name__ == "__main__":
    main()
