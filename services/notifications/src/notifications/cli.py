"""`nowrongdoor notifications …` and notifications' part of `nowrongdoor keys rotate`.

Settings come from the same environment variables the service reads. Heavy imports wait until a
command runs, so the rest of the `nowrongdoor` command starts quickly.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from notifications.settings import NotificationsSettings
    from nowrongdoor.rotation import RotationRun

notifications_app = typer.Typer(
    help="Deliveries that failed for good: list them, send them again.",
    no_args_is_help=True,
    add_completion=False,
)

DataDir = Annotated[
    Path,
    typer.Option(envvar="NWD_DATA_DIR", help="Data folder holding the SQLite database and keys."),
]


def _settings(data_dir: Path) -> NotificationsSettings:
    from pydantic import ValidationError

    from notifications.settings import NotificationsSettings

    try:
        return NotificationsSettings(data_dir=data_dir)
    except ValidationError as error:
        problems = "; ".join(str(e["msg"]) for e in error.errors())
        typer.echo(f"notifications settings are not valid: {problems}", err=True)
        raise typer.Exit(2) from None


def _database_url(data_dir: Path) -> str:
    return _settings(data_dir).resolved_database_url()


@notifications_app.command("failed")
def list_failed(
    data_dir: DataDir = Path(".nowrongdoor"),
    reference: Annotated[
        str | None, typer.Option("--reference", help="Only this case's deliveries.")
    ] = None,
) -> None:
    """List the deliveries that failed for good, oldest first; never an address."""
    from notifications.service.failed import failed
    from nowrongdoor.rotation import RotationStopped, on_database

    try:
        found = on_database(_database_url(data_dir), lambda s: failed(s, reference))
    except RotationStopped as error:
        typer.echo(f"notifications: {error}", err=True)
        raise typer.Exit(1) from None
    for d in found:
        typer.echo(
            f"{d.id}  {d.reference}  {d.recipient}  {d.channel}  {d.kind}  "
            f"{d.attempts} tries  {d.reason}"
        )
    typer.echo(f"{len(found):,} failed deliver{'y' if len(found) == 1 else 'ies'}")


@notifications_app.command("replay")
def replay_failed(
    ids: Annotated[list[str] | None, typer.Argument(help="Failed deliveries' ids.")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Replay those created from then (with --until).")
    ] = None,
    until: Annotated[datetime | None, typer.Option(help="…and before then.")] = None,
    data_dir: DataDir = Path(".nowrongdoor"),
) -> None:
    """Send failed deliveries again, with a fresh retry schedule: by id, or created in a range."""
    from datetime import UTC

    from notifications.service.failed import replay
    from nowrongdoor.rotation import RotationStopped, on_database

    if not ids and (since is None or until is None):
        typer.echo("name the deliveries to replay, or give both --since and --until", err=True)
        raise typer.Exit(2)

    def utc(at: datetime | None) -> datetime | None:
        return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at

    try:
        result = on_database(
            _database_url(data_dir),
            lambda s: replay(
                s,
                datetime.now(UTC),
                ids=ids or (),
                since=utc(since),
                until=utc(until),
                progress=typer.echo,
            ),
        )
    except RotationStopped as error:
        typer.echo(f"notifications: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"{len(result.replayed):,} replayed; they go out at the dispatcher's next round"
        + (f"; {len(result.not_failed):,} had not failed" if result.not_failed else "")
    )
    if ids and result.not_failed:
        raise typer.Exit(1)


def rotate_keys(run: RotationRun) -> str:
    """Re-seal the complainants' addresses and the webhook secrets under the active key (the
    first one configured). Run again, it carries on where it stopped.
    """
    from notifications.service.keys import rotate
    from notifications.settings import NotificationsSettings
    from nowrongdoor.resealing import RotationError
    from nowrongdoor.rotation import RotationStopped, on_database, sealer_for, settings_for

    settings = settings_for(NotificationsSettings, run)
    if not settings.encryption_keys and not settings.keys_file.exists():
        # Keys are made with the first value sealed; without them nothing is sealed yet.
        return "done: nothing sealed yet (no keys), nothing to re-seal"
    sealer = sealer_for(lambda: settings.keys(create=False))
    run.say(f"re-sealing under key {sealer.keys.active_key_id}")

    def progress(done: int, total: int) -> None:
        run.say(f"re-sealed {done:,} / {total:,} values")

    try:
        result = on_database(
            settings.resolved_database_url(),
            lambda sessions: rotate(sessions, sealer, batch_size=run.batch_size, progress=progress),
        )
    except RotationError as error:
        raise RotationStopped(str(error)) from None
    return (
        f"done: {result.re_sealed:,} values re-sealed; "
        f"everything is sealed under key {result.active_key_id}"
    )
