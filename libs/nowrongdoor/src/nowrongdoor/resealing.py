"""Re-sealing a service's sealed columns under its active key: what every key rotation does alike.

A service lists its `SealedColumn`s; `reseal_columns` goes through each, in batches of rows that
are each their own transaction, opens every value not under the active key with the key its
envelope names and seals it again, bound to the same row. An interrupted run loses nothing and
the next one carries on with what is left. A value that cannot be opened stops the run with a
`RotationError` naming its row and the key, never the value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from nowrongdoor.crypto import Sealer, UnknownKey
from nowrongdoor.db import SessionMaker, unit_of_work

Progress = Callable[[int, int], None]
"""Called with how many values were re-sealed so far, and how many there were to do."""


class RotationError(RuntimeError):
    """A value could not be re-sealed; what was done so far stays done."""


@dataclass(frozen=True)
class SealedColumn:
    """A column holding sealed values, and what each value is bound to in its row."""

    table: type[Any]
    column: str
    context: Callable[[Any], str]
    """What a value is bound to, from its row."""
    key: str = "id"
    """The row's primary key, the order batches go in."""


async def reseal_columns(
    sessions: SessionMaker,
    sealer: Sealer,
    columns: Sequence[SealedColumn],
    *,
    batch_size: int,
    progress: Progress | None = None,
) -> int:
    """Re-seal under the active key every value of `columns` sealed under another; how many."""
    prefix = f"v1.{sealer.keys.active_key_id}."
    async with sessions() as session:
        total = sum([await _count_elsewhere(session, sealed, prefix) for sealed in columns])
    done = 0
    for sealed in columns:
        after: Any = None
        while True:
            async with unit_of_work(sessions) as session:
                rows = await _sealed_elsewhere(session, sealed, prefix, after, batch_size)
                for row in rows:
                    _reseal(sealer, sealed, row)
            done += len(rows)
            if progress is not None and rows:
                progress(done, total)
            if len(rows) < batch_size:
                break
            after = getattr(rows[-1], sealed.key)
    return done


def _elsewhere(sealed: SealedColumn, prefix: str) -> sa.ColumnElement[bool]:
    """A sealed value not under the key whose envelopes start with `prefix`.

    What is not a sealed value at all (a removed message's marker) is left alone.
    """
    column = col(getattr(sealed.table, sealed.column))
    return sa.and_(
        column.is_not(None),
        sa.func.substr(column, 1, 3) == "v1.",
        sa.func.substr(column, 1, len(prefix)) != prefix,
    )


async def _count_elsewhere(session: AsyncSession, sealed: SealedColumn, prefix: str) -> int:
    count = await session.scalar(
        select(sa.func.count()).select_from(sealed.table).where(_elsewhere(sealed, prefix))
    )
    return int(count or 0)


async def _sealed_elsewhere(
    session: AsyncSession, sealed: SealedColumn, prefix: str, after: Any, limit: int
) -> Sequence[Any]:
    """Rows holding a value not under the `prefix` key, locked, in key order after `after`."""
    key = col(getattr(sealed.table, sealed.key))
    query = select(sealed.table).where(_elsewhere(sealed, prefix))
    if after is not None:
        query = query.where(key > after)
    return (await session.scalars(query.order_by(key).limit(limit).with_for_update())).all()


def _reseal(sealer: Sealer, sealed: SealedColumn, row: Any) -> None:
    value: str = getattr(row, sealed.column)
    bound_to = sealed.context(row)
    where = f"{sealed.table.__tablename__} {getattr(row, sealed.key)} ({sealed.column})"
    reference = getattr(row, "reference", None)
    if reference and sealed.key != "reference":
        where = f"{reference}: {where}"  # the case an operator looks up; a reference is no secret
    try:
        plaintext = sealer.open(value, bound_to)
    except UnknownKey as error:
        raise RotationError(
            f"{where} has a value sealed under key {error.args[0]}, which is not configured; "
            "add it after the active key and run again"
        ) from None
    except InvalidTag:
        raise RotationError(
            f"{where} has a value that does not open under key {Sealer.key_id_of(value)}; "
            "it was altered or the key is wrong"
        ) from None
    setattr(row, sealed.column, sealer.seal(plaintext, bound_to))
