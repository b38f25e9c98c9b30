"""`nowrongdoor clients …`: operators create, list, rotate and revoke API clients.

Works directly on the gateway database (NWD_GATEWAY_DATABASE_URL, else the SQLite file in the data
folder), migrating it first. Heavy imports wait until a command runs, so `nowrongdoor` starts fast.
"""

from __future__ import annotations

import asyncio
import getpass
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from gateway.api_clients import ClientSummary

T = TypeVar("T")

app = typer.Typer(
    help="API clients of institutions, NGOs and administrators (OAuth2 client credentials).",
    no_args_is_help=True,
)

DataDir = Annotated[
    Path,
    typer.Option(envvar="NWD_DATA_DIR", help="Where the gateway's SQLite database is kept."),
]
DEFAULT_DATA_DIR = Path(".nowrongdoor")


def gateway_database_url(data_dir: Path, environ: dict[str, str] | None = None) -> str:
    """NWD_GATEWAY_DATABASE_URL, else the SQLite file the gateway itself opens."""
    url = (os.environ if environ is None else environ).get("NWD_GATEWAY_DATABASE_URL")
    return url or f"sqlite+aiosqlite:///{(data_dir / 'gateway.db').resolve()}"


def operator() -> str:
    """Who runs the command, for the audit trail."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def in_transaction(data_dir: Path, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction on the migrated gateway database."""

    async def run() -> T:
        from nowrongdoor import db, migrations

        engine = db.create_engine(gateway_database_url(data_dir))
        try:
            await migrations.upgrade(engine, "gateway.migrations")
            async with db.unit_of_work(db.session_maker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _now() -> datetime:
    return datetime.now(UTC)


@app.command()
def create(
    kind: Annotated[str, typer.Option(help="institution, ngo or admin", show_default=False)],
    name: Annotated[str, typer.Option(help="What the client is, for people reading lists.")],
    scope: Annotated[
        list[str],
        typer.Option(help="A scope to grant; repeat for several.", show_default=False),
    ],
    institution: Annotated[
        str | None,
        typer.Option(help="The institution it acts for; for an NGO, its organisation id."),
    ] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Create a client and print its id and secret, once."""
    from gateway import api_clients

    try:
        api_clients.validate_client(kind, institution, name, scope)
    except api_clients.ClientError as error:
        raise typer.BadParameter(str(error)) from None

    async def work(session: AsyncSession) -> tuple[str, str]:
        client, secret = await api_clients.create_client(
            session,
            kind=kind,
            institution_id=institution,
            name=name,
            scopes=scope,
            actor=operator(),
            now=_now(),
        )
        return client.client_id, secret

    client_id, secret = in_transaction(data_dir, work)
    typer.echo(f"client_id:     {client_id}")
    typer.echo(f"client_secret: {secret}")
    typer.echo("Store the secret now: it is not kept and will not be shown again.", err=True)


@app.command("list")
def list_clients(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Every client, its scopes and status, and refused token requests in the last day."""
    from gateway import api_clients

    async def work(session: AsyncSession) -> list[ClientSummary]:
        return await api_clients.list_clients(session, now=_now())

    clients = in_transaction(data_dir, work)
    if not clients:
        typer.echo("no API clients yet; create one with `nowrongdoor clients create`")
        return
    rows = [("CLIENT ID", "KIND", "INSTITUTION", "NAME", "SCOPES", "STATUS", "REFUSED 24H")]
    rows += [
        (
            client.client_id,
            client.kind,
            client.institution_id or "-",
            client.name,
            ",".join(sorted(client.scopes)),
            _status(client),
            str(client.refused_last_day),
        )
        for client in clients
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        typer.echo("  ".join(cells).rstrip())


def _status(client: ClientSummary) -> str:
    if client.revoked_at:
        return f"revoked {client.revoked_at:%Y-%m-%d %H:%M}"
    if client.previous_secret_expires_at and client.previous_secret_expires_at > _now():
        return f"rotating until {client.previous_secret_expires_at:%Y-%m-%d %H:%M}"
    return "active"


@app.command()
def rotate(
    client_id: Annotated[str, typer.Argument(help="The client whose secret to replace.")],
    grace_hours: Annotated[
        float,
        typer.Option(min=0, max=24 * 30, help="How long the current secret keeps working."),
    ] = 24,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Give a client a new secret; the current one stays valid for the grace period."""
    from gateway import api_clients

    async def work(session: AsyncSession) -> str:
        return await api_clients.rotate_secret(
            session,
            client_id,
            grace=timedelta(hours=grace_hours),
            actor=operator(),
            now=_now(),
        )

    try:
        secret = in_transaction(data_dir, work)
    except api_clients.ClientError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"client_id:     {client_id}")
    typer.echo(f"client_secret: {secret}")
    typer.echo(
        f"Store the secret now: it will not be shown again. The previous secret works for "
        f"{grace_hours:g} more hours.",
        err=True,
    )


@app.command()
def revoke(
    client_id: Annotated[str, typer.Argument(help="The client to lock out for good.")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Revoke a client: no new tokens, and its current tokens stop working within seconds."""
    from gateway import api_clients

    async def work(session: AsyncSession) -> bool:
        return await api_clients.revoke_client(session, client_id, actor=operator(), now=_now())

    try:
        revoked = in_transaction(data_dir, work)
    except api_clients.ClientError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{client_id} revoked" if revoked else f"{client_id} was already revoked")
