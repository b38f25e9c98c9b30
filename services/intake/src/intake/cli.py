"""`nowrongdoor retention …` and intake's part of `nowrongdoor keys rotate`: its operator commands.

Settings come from the same environment variables the service reads. Heavy imports wait until a
command runs, so the rest of the `nowrongdoor` command starts quickly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:
    from intake.settings import IntakeSettings
    from nowrongdoor.db import SessionMaker
    from nowrongdoor.rotation import RotationRun

T = TypeVar("T")

retention_app = typer.Typer(
    help="Purging personal data once its retention has run out.",
    no_args_is_help=True,
    add_completion=False,
)

DataDir = Annotated[
    Path,
    typer.Option(envvar="NWD_DATA_DIR", help="Data folder holding the SQLite database and keys."),
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


def rotate_keys(run: RotationRun) -> str:
    """Intake's key rotation, run by `nowrongdoor keys rotate`: re-encrypt every sealed value
    under the active key (the first one configured). Run again, it carries on where it stopped.
    """
    from intake.domain.audit import operator
    from intake.service.keys import RotationError, rotate
    from intake.settings import IntakeSettings
    from nowrongdoor.rotation import RotationStopped, on_database, sealer_for, settings_for

    settings = settings_for(IntakeSettings, run)
    sealer = sealer_for(lambda: settings.keys(create=False))
    run.say(f"re-encrypting under key {sealer.keys.active_key_id}")

    def progress(done: int, total: int) -> None:
        run.say(f"re-encrypted {done:,} / {total:,} values")

    try:
        result = on_database(
            settings.resolved_database_url(),
            lambda sessions: rotate(
                sessions,
                sealer,
                operator(run.actor),
                batch_size=run.batch_size,
                progress=progress,
            ),
        )
    except RotationError as error:
        raise RotationStopped(str(error)) from None
    return (
        f"done: {result.re_encrypted:,} values re-encrypted; "
        f"everything is sealed under key {result.active_key_id}"
    )


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
