"""Files sent with messages: inspected, sealed into the blob store, listed, opened, removed.

A file is kept only as `nowrongdoor.files` makes it (its type from its content, its metadata
removed), sealed with the case's keys and bound to its row, under a random key: the store holds
nothing readable and nothing that names anyone. A file is read by whoever may read its message,
and every read by institution staff is written to the audit log before the bytes are handed over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from case_tracking import repository
from case_tracking.domain.messages import readable
from case_tracking.models import CaseAttachment, CaseMessage
from case_tracking.service import Database
from case_tracking.service.access import audit_staff_read, viewer
from nowrongdoor import attachments, files
from nowrongdoor.attachments import AttachmentMissing, AttachmentRefused, Storing, storing
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.attachments import Attachment, AttachmentFile, AttachmentUpload
from nowrongdoor.crypto import Sealer
from nowrongdoor.db import SessionMaker
from nowrongdoor.storage import BlobStore

__all__ = [
    "DEFAULT_RULES",
    "READ_ATTACHMENT",
    "AttachmentMissing",
    "AttachmentRefused",
    "AttachmentRules",
    "attachment_context",
    "inspected",
    "listed",
    "open_attachment",
    "put_all",
    "remove_all",
    "reseal",
    "storing",
    "view",
]

READ_ATTACHMENT = "read-attachment"


@dataclass(frozen=True)
class AttachmentRules:
    """How large a file may be, and how many go with one message."""

    max_bytes: int = 10 * 1024 * 1024
    per_message: int = 5


DEFAULT_RULES = AttachmentRules()


def attachment_context(reference: str, attachment_id: str) -> str:
    return f"{reference}/attachment/{attachment_id}"


async def inspected(
    uploads: Sequence[AttachmentUpload], rules: AttachmentRules
) -> list[files.CleanFile]:
    """Each upload as it would be kept, in order; the first refusal refuses them all."""
    return await attachments.inspected(
        uploads, max_bytes=rules.max_bytes, at_most=rules.per_message
    )


async def put_all(
    stored: Storing, sealer: Sealer, message: CaseMessage, cleaned: Sequence[files.CleanFile]
) -> list[CaseAttachment]:
    """Seal and store each file of the message; the rows describing them, for the caller to add."""
    rows = []
    for position, clean in enumerate(cleaned, start=1):
        kept = await stored.keep(
            sealer,
            clean,
            f"attachment-{position}.{clean.extension}",
            lambda attachment_id: attachment_context(message.reference, attachment_id),
        )
        rows.append(
            CaseAttachment(
                reference=message.reference, message_id=message.message_id, **kept.columns()
            )
        )
    return rows


def view(row: CaseAttachment) -> Attachment:
    return attachments.listed(row)


async def listed(session: AsyncSession, message_ids: Sequence[str]) -> dict[str, list[Attachment]]:
    """The attachments of each of these messages, in the order they were sent."""
    if not message_ids:
        return {}
    rows = await session.scalars(
        select(CaseAttachment)
        .where(col(CaseAttachment.message_id).in_(list(message_ids)))
        .order_by(col(CaseAttachment.id))
    )
    found: dict[str, list[Attachment]] = {}
    for row in rows:
        found.setdefault(row.message_id, []).append(view(row))
    return found


async def open_attachment(
    db: Database,
    store: BlobStore,
    sealer: Sealer,
    caller: Principal,
    reference: str,
    attachment_id: str,
    *,
    now: datetime,
) -> AttachmentFile | None:
    """The file for a caller who may read its message; None for everybody else and for no file.

    A read by institution staff is audited in the same breath as it is handed over.
    """
    async with db.sessions() as session:
        group = await repository.case_group(session, reference)
        if group is None:
            return None
        seen_as = await viewer(session, caller, group, now)
        if seen_as is None or seen_as.messages is None:
            return None
        row = await _attachment(session, reference, attachment_id)
        if row is None:
            return None
        message = await _message(session, row.message_id)
        if message is None or not readable(
            message.audience,  # type: ignore[arg-type]
            message.institution_id,
            seen_as.messages,
        ):
            return None
        found = await attachments.opened(
            store, sealer, row, attachment_context(reference, attachment_id)
        )
        if seen_as.audited:
            await audit_staff_read(
                session,
                caller,
                reference,
                action=READ_ATTACHMENT,
                detail=f"attachment {attachment_id} of message {message.message_id}",
                at=now,
            )
        return found


async def remove_all(session: AsyncSession, store: BlobStore, reference: str) -> int:
    """Delete the case's attachments, files then rows, in the caller's transaction; how many.

    Files go first: run again after a failure, the rows still name what is left to delete.
    """
    rows = list(
        await session.scalars(
            select(CaseAttachment).where(col(CaseAttachment.reference) == reference)
        )
    )
    for row in rows:
        await store.delete(row.storage_key)
    if rows:
        await session.execute(
            sa.delete(CaseAttachment).where(col(CaseAttachment.reference) == reference)
        )
    return len(rows)


async def reseal(
    sessions: SessionMaker,
    store: BlobStore,
    sealer: Sealer,
    *,
    batch_size: int,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Seal again under the active key every file sealed under another; how many.

    The key is named inside each sealed file, so a file re-sealed whose row was not yet updated
    still opens, and a run stopped half-way is carried on by the next.
    """
    return await attachments.reseal(
        sessions,
        store,
        sealer,
        CaseAttachment,
        lambda row: attachment_context(row.reference, row.attachment_id),
        batch_size=batch_size,
        progress=progress,
    )


async def _attachment(
    session: AsyncSession, reference: str, attachment_id: str
) -> CaseAttachment | None:
    found = await session.scalars(
        select(CaseAttachment).where(
            col(CaseAttachment.reference) == reference,
            col(CaseAttachment.attachment_id) == attachment_id,
        )
    )
    return found.first()


async def _message(session: AsyncSession, message_id: str) -> CaseMessage | None:
    found = await session.scalars(
        select(CaseMessage).where(col(CaseMessage.message_id) == message_id)
    )
    return found.first()
