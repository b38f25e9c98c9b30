"""Key rotation: re-encrypt every sealed value that is not under the active key.

Work goes in batches, each its own transaction, so an interrupted run loses nothing and the next
run carries on with what is left. A value is opened with the key its id names and sealed again,
under the same context, with the active key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from intake import audit
from intake.models import SEALED_FIELDS, Submission
from nowrongdoor.crypto import Sealer, UnknownKey
from nowrongdoor.db import SessionMaker, unit_of_work

Progress = Callable[[int, int], None]


class RotationError(RuntimeError):
    """A value could not be re-encrypted; what was done so far stays done."""


@dataclass(frozen=True)
class RotationResult:
    re_encrypted: int
    active_key_id: str


def _stale(column_name: str, prefix: str) -> sa.ColumnElement[bool]:
    column = getattr(Submission, column_name)
    return sa.and_(
        col(column).is_not(None),
        sa.func.substr(col(column), 1, len(prefix)) != prefix,
    )


async def count_stale(session: AsyncSession, prefix: str) -> int:
    total = 0
    for column_name in SEALED_FIELDS:
        count = await session.scalar(
            select(sa.func.count()).select_from(Submission).where(_stale(column_name, prefix))
        )
        total += int(count or 0)
    return total


async def rotate(
    sessions: SessionMaker,
    sealer: Sealer,
    actor: audit.Actor,
    *,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> RotationResult:
    """Re-encrypt under the active key everything sealed under another; audited once."""
    active = sealer.keys.active_key_id
    prefix = f"v1.{active}."
    any_stale = sa.or_(*(_stale(name, prefix) for name in SEALED_FIELDS))
    async with sessions() as session:
        total = await count_stale(session, prefix)
    done = 0
    after = ""
    while True:
        async with unit_of_work(sessions) as session:
            records = (
                await session.scalars(
                    select(Submission)
                    .where(any_stale, col(Submission.reference) > after)
                    .order_by(col(Submission.reference))
                    .limit(batch_size)
                    .with_for_update()
                )
            ).all()
            for record in records:
                done += _reseal(sealer, record, active)
        if progress is not None and records:
            progress(done, total)
        if len(records) < batch_size:
            break
        after = records[-1].reference
    async with unit_of_work(sessions) as session:
        audit.record(
            session,
            actor,
            "key-rotation",
            detail=f"re-encrypted {done} values under key {active}",
        )
    return RotationResult(re_encrypted=done, active_key_id=active)


def _reseal(sealer: Sealer, record: Submission, active: str) -> int:
    count = 0
    for column_name, suffix in SEALED_FIELDS.items():
        sealed: str | None = getattr(record, column_name)
        if sealed is None or Sealer.key_id_of(sealed) == active:
            continue
        context = f"{record.reference}/{suffix}"
        try:
            plaintext = sealer.open(sealed, context)
        except UnknownKey as error:
            raise RotationError(
                f"{record.reference} has a value sealed under key {error.args[0]}, which is not "
                "configured; add it after the active key and run again"
            ) from None
        except InvalidTag:
            raise RotationError(
                f"{record.reference} has a value that does not open under key "
                f"{Sealer.key_id_of(sealed)}; it was altered or the key is wrong"
            ) from None
        setattr(record, column_name, sealer.seal(plaintext, context))
        count += 1
    return count
