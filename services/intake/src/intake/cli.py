"""`nowrongdoor keys …` and `nowrongdoor retention …`: intake's operator commands.

Settings come from the same environment variables the service reads. Heavy imports wait until a
command runs, so the rest of the `nowrongdoor` command starts quickly.
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:
    from intake.settings import IntakeSettings
    from nowrongdoor.db import SessionMaker

T = TypeVar("T")

keys_app = typer.Typer(
    help="The keys that seal intake's personal data.", no_args_is_help=True, add_completion=False
)
retention_app = typer.Typer(
    help="Purging personal data once its retention has run out.",
    no_args_is_help=True,
    add_completion=False,
)

DataDir = Annotated[
    Path,
    typer.Option(envvar="NWD_DATA_DIR", help="Data folder holding the SQLite database and keys."),
]
ActorName = Annotated[
    str | None,
    typer.Option("--actor", help="Who runs this, for the audit log. [default: the login name]"),
]


def _settings(data_dir: Path) -> IntakeSettings:
    from pydantic import ValidationError

    from intake.settings import IntakeSettings

    try:
        return IntakeSettings(data_dir=data_dir)
    except ValidationError as error:
        problems = "; ".join(str(e["msg"]) for e in error.errors())
        typer.echo(f"intake settings are not valid: {problems}", err=True)
        raise typer.Exit(2) from None


def _run_on_database(settings: IntakeSettings, work: Callable[[SessionMaker], Awaitable[T]]) -> T:
    """Run `work` against intake's database; a database error is named, never its contents."""
    from sqlalchemy.exc import DBAPIError

    from nowrongdoor import db

    async def run() -> T:
        engine = db.create_engine(settings.resolved_database_url())
        try:
            return await work(db.session_maker(engine))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except DBAPIError as error:
        # The message could quote sealed values from the statement; name the failure only.
        typer.echo(
            f"intake's database refused: {type(error.orig).__name__}. "
            "Is it reachable and migrated (`nowrongdoor migrate intake`)?",
            err=True,
        )
        raise typer.Exit(1) from None


def _actor_name(actor: str | None) -> str:
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


@keys_app.command("rotate")
def rotate_keys(
    data_dir: DataDir = Path(".nowrongdoor"),
    batch_size: Annotated[int, typer.Option(min=1, help="Submissions per transaction.")] = 500,
    actor: ActorName = None,
) -> None:
    """Re-encrypt every sealed value under the active key (the first one configured).

    Safe to interrupt and run again: it carries on with what is not yet under the active key.
    """
    from intake.domain.audit import operator
    from intake.service.keys import RotationError, rotate
    from nowrongdoor.crypto import Sealer

    settings = _settings(data_dir)
    try:
        sealer = Sealer(settings.keys(create=False))
    except (FileNotFoundError, ValueError) as error:
        typer.echo(f"no usable encryption keys: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"re-encrypting under key {sealer.keys.active_key_id}")

    def progress(done: int, total: int) -> None:
        typer.echo(f"re-encrypted {done:,} / {total:,} values")

    try:
        result = _run_on_database(
            settings,
            lambda sessions: rotate(
                sessions,
                sealer,
                operator(_actor_name(actor)),
                batch_size=batch_size,
                progress=progress,
            ),
        )
    except RotationError as error:
        typer.echo(f"stopped: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"done: {result.re_encrypted:,} values re-encrypted; "
        f"everything is sealed under key {result.active_key_id}"
    )


@keys_app.command("generate")
def generate_key() -> None:
    """Print a new key as `id:base64`, to put first in NWD_INTAKE_ENCRYPTION_KEYS."""
    import base64
    import secrets

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    encoded = base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()
    typer.echo(f"k{secrets.token_hex(4)}:{encoded}")


@retention_app.command("purge")
def purge_now(
    data_dir: DataDir = Path(".nowrongdoor"),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what is due without purging it.")
    ] = False,
) -> None:
    """Purge the personal data of cases closed longer ago than their retention; keep the facts."""
    from datetime import UTC, datetime

    from intake.service.retention import purge

    settings = _settings(data_dir)
    policy = settings.retention()
    due = _run_on_database(
        settings, lambda sessions: purge(sessions, policy, datetime.now(UTC), dry_run=dry_run)
    )
    verb = "due" if dry_run else "purged"
    for item in due:
        typer.echo(
            f"{verb}: {item.reference} (closed {item.closed_at.date().isoformat()}, "
            f"kept {item.retention_days} days)"
        )
    submissions = f"{len(due):,} submission{'' if len(due) == 1 else 's'}"
    if dry_run:
        typer.echo(f"{submissions} due; nothing was purged (dry run)")
    else:
        typer.echo(f"purged the personal data of {submissions}")
