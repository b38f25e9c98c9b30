"""`nowrongdoor keys …`: rotating, in every service that seals data, and making the keys.

Each service declares its own rotation (`nowrongdoor.rotation`); this command only finds them in
the services' declarations, runs them one after another and prints what they say.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from nowrongdoor.plugins import PluginError, discover_services
from nowrongdoor.rotation import KeyRotation, RotationRun, RotationStopped

keys_app = typer.Typer(
    help="The keys each service seals personal data with.",
    no_args_is_help=True,
    add_completion=False,
)


@keys_app.command("rotate")
def rotate_keys(
    services: Annotated[
        list[str] | None,
        typer.Argument(help="Only these services. [default: every one that seals data]"),
    ] = None,
    data_dir: Annotated[
        Path,
        typer.Option(envvar="NWD_DATA_DIR", help="Data folder holding SQLite databases and keys."),
    ] = Path(".nowrongdoor"),
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per transaction.")] = 500,
    actor: Annotated[
        str | None,
        typer.Option(
            "--actor", help="Who runs this, for the audit logs. [default: the login name]"
        ),
    ] = None,
) -> None:
    """Re-seal each service's personal data under its active key (the first one configured).

    Safe to interrupt and run again: each service carries on with what is not yet under its
    active key. The command stops at the first service that cannot go on, and says why.
    """
    rotations = _key_rotations(services or [])
    who = _login_name(actor)
    for name, rotation in rotations:

        def say(line: str, name: str = name) -> None:
            typer.echo(f"{name}: {line}")

        try:
            closing = rotation(RotationRun(data_dir, batch_size, who, say))
        except RotationStopped as error:
            typer.echo(f"{name}: stopped: {error}", err=True)
            raise typer.Exit(1) from None
        say(closing)


@keys_app.command("generate")
def generate_key() -> None:
    """Print a new key as `id:base64`, to put first in a service's NWD_<SERVICE>_ENCRYPTION_KEYS."""
    import base64
    import secrets

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    encoded = base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()
    typer.echo(f"k{secrets.token_hex(4)}:{encoded}")


def _key_rotations(names: list[str]) -> list[tuple[str, KeyRotation]]:
    """The rotations of the declared services, in port order; each one named must have one."""
    found: list[tuple[str, KeyRotation]] = []
    without: list[str] = []
    try:
        for service in discover_services(names or None):
            rotation = service.load_key_rotation()
            if rotation is None:
                without.append(service.name)
            else:
                found.append((service.name, rotation))
    except PluginError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    if names and without:
        raise typer.BadParameter(f"{', '.join(without)} seals no data", param_hint="SERVICES")
    if not found:
        typer.echo("no installed service seals data with keys", err=True)
        raise typer.Exit(1)
    return found


def _login_name(actor: str | None) -> str:
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"
