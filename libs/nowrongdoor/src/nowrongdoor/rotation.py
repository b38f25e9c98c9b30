"""Key rotation: each service re-seals its own values, and `nowrongdoor keys rotate` runs them all.

A service that seals personal data names its rotation in its `ServiceDeclaration`
(`key_rotation="billing.cli:rotate_keys"`): a function taking a `RotationRun` that re-seals, in
batches, every value not under the service's active key, says how far it got through `run.say`,
and returns one closing line. It raises `RotationStopped` with a message safe to print, never
quoting a sealed value or what it holds, and can be run again to carry on. The helpers below do
what every rotation does alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings

    from nowrongdoor.crypto import KeyProvider, Sealer
    from nowrongdoor.db import SessionMaker

T = TypeVar("T")
S = TypeVar("S", bound="BaseSettings")


@dataclass(frozen=True)
class RotationRun:
    """What `nowrongdoor keys rotate` hands each service's rotation."""

    data_dir: Path
    batch_size: int
    actor: str
    """Who runs it, for the service's audit log."""
    say: Callable[[str], None]
    """Prints one line of progress for the operator."""


class RotationStopped(RuntimeError):
    """A rotation could not go on; what it did stays done. Its message names no personal data."""


KeyRotation = Callable[[RotationRun], str]


def settings_for(settings_class: type[S], run: RotationRun) -> S:
    """The service's settings from its environment, in the run's data folder."""
    from pydantic import ValidationError

    try:
        return settings_class(data_dir=run.data_dir)
    except ValidationError as error:
        problems = "; ".join(str(e["msg"]) for e in error.errors())
        raise RotationStopped(f"settings are not valid: {problems}") from None


def sealer_for(keys: Callable[[], KeyProvider]) -> Sealer:
    """A sealer over the configured keys; never a new key, which could open nothing sealed."""
    from nowrongdoor.crypto import Sealer

    try:
        return Sealer(keys())
    except (FileNotFoundError, ValueError) as error:
        raise RotationStopped(f"no usable encryption keys: {error}") from None


def on_database(url: str, work: Callable[[SessionMaker], Awaitable[T]]) -> T:
    """Run `work` on the database at `url`; a database error is named, never its contents."""
    from sqlalchemy.exc import DBAPIError

    from nowrongdoor import db

    async def run() -> T:
        engine = db.create_engine(url)
        try:
            return await work(db.session_maker(engine))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except DBAPIError as error:
        # The message could quote sealed values from the statement; name the failure only.
        raise RotationStopped(
            f"the database refused: {type(error.orig).__name__}. Is it reachable and migrated?"
        ) from None
