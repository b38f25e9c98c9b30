"""Key rotation: re-seal every message body, note and reason not under the active key.

Work goes in batches of rows, each its own transaction, so an interrupted run loses nothing and
the next run carries on with what is left. A value is opened with the key its id names and sealed
again, bound to the same row, with the active key. The case's attachments are re-sealed by the
attachments use cases, after the columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from case_tracking.models import AuditEntry, CaseInvitation, CaseMessage, CasePart, TimelineEntry
from case_tracking.service import attachments
from case_tracking.service.sealing import (
    invitation_context,
    message_context,
    note_context,
    reason_context,
)
from nowrongdoor.crypto import Sealer, UnknownKey
from nowrongdoor.db import SessionMaker, unit_of_work
from nowrongdoor.storage import BlobStore

Progress = Callable[[int, int], None]

KEY_ROTATION = "key-rotation"


@dataclass(frozen=True)
class SealedColumn:
    """A column holding sealed values, and what each value is bound to in its row."""

    table: type[CaseMessage] | type[TimelineEntry] | type[CasePart] | type[CaseInvitation]
    column: str
    context: Callable[[Any], str]
    """What a value is bound to, from its row."""


SEALED_COLUMNS = (
    SealedColumn(CaseMessage, "sealed_body", message_context),
    SealedColumn(TimelineEntry, "sealed_note", note_context),
    SealedColumn(CasePart, "sealed_outcome_reason", reason_context),
    SealedColumn(CaseInvitation, "sealed_reason", lambda row: invitation_context(row, "reason")),
    SealedColumn(
        CaseInvitation,
        "sealed_decline_reason",
        lambda row: invitation_context(row, "decline-reason"),
    ),
)


class RotationError(RuntimeError):
    """A value could not be re-sealed; what was done so far stays done."""


@dataclass(frozen=True)
class RotationResult:
    re_sealed: int
    attachments: int
    active_key_id: str


async def rotate(
    sessions: SessionMaker,
    sealer: Sealer,
    store: BlobStore,
    actor: str,
    *,
    batch_size: int = 500,
    progress: Progress | None = None,
    attachment_progress: Progress | None = None,
) -> RotationResult:
    """Re-seal under the active key everything sealed under another; audited once.

    `store` is where attachments are kept; `actor` names who runs it, for the audit log.
    """
    active = sealer.keys.active_key_id
    prefix = f"v1.{active}."
    async with sessions() as session:
        total = sum([await _count_elsewhere(session, sealed, prefix) for sealed in SEALED_COLUMNS])
    done = 0
    for sealed in SEALED_COLUMNS:
        after: int | str | None = None
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
            after = rows[-1].id
    attachments = await _reseal_attachments(
        sessions, store, sealer, batch_size=batch_size, progress=attachment_progress
    )
    async with unit_of_work(sessions) as session:
        session.add(
            AuditEntry(
                at=datetime.now(UTC),
                actor_client_id=actor[:100] or "operator",
                actor_kind="operator",
                action=KEY_ROTATION,
                detail=f"re-sealed {done} values and {attachments} attachments under key {active}",
            )
        )
    return RotationResult(re_sealed=done, attachments=attachments, active_key_id=active)


def _elsewhere(sealed: SealedColumn, prefix: str) -> sa.ColumnElement[bool]:
    """A sealed value in the column not under the key whose envelopes start with `prefix`.

    A removed message's marker is no sealed value, and is left alone.
    """
    column = getattr(sealed.table, sealed.column)
    return sa.and_(
        col(column).is_not(None),
        sa.func.substr(col(column), 1, 3) == "v1.",
        sa.func.substr(col(column), 1, len(prefix)) != prefix,
    )


async def _count_elsewhere(session: AsyncSession, sealed: SealedColumn, prefix: str) -> int:
    count = await session.scalar(
        select(sa.func.count()).select_from(sealed.table).where(_elsewhere(sealed, prefix))
    )
    return int(count or 0)


async def _sealed_elsewhere(
    session: AsyncSession, sealed: SealedColumn, prefix: str, after: int | str | None, limit: int
) -> Sequence[Any]:
    """Rows holding a value not under the `prefix` key, locked, in id order after `after`."""
    row_id = col(sealed.table.id)
    query = select(sealed.table).where(_elsewhere(sealed, prefix))
    if after is not None:
        query = query.where(row_id > after)
    return (await session.scalars(query.order_by(row_id).limit(limit).with_for_update())).all()


def _reseal(sealer: Sealer, sealed: SealedColumn, row: Any) -> None:
    value: str = getattr(row, sealed.column)
    bound_to = sealed.context(row)
    where = f"{row.reference} ({sealed.table.__tablename__} {row.id})"
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


async def _reseal_attachments(
    sessions: SessionMaker,
    store: BlobStore,
    sealer: Sealer,
    *,
    batch_size: int,
    progress: Progress | None,
) -> int:
    """The attachments re-sealed by the attachments use cases; a key missing stops them too."""
    try:
        return await attachments.reseal(
            sessions, store, sealer, batch_size=batch_size, progress=progress
        )
    except UnknownKey as error:
        raise RotationError(
            f"an attachment is sealed under key {error.args[0]}, which is not configured; "
            "add it after the active key and run again"
        ) from None
    except InvalidTag:
        raise RotationError(
            "an attachment does not open under the key it names; it was altered or the key is wrong"
        ) from None
