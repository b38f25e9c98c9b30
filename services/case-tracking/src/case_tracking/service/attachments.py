"""Files sent with messages: inspected, sealed into the blob store, listed, opened, removed.

A file is kept only as `nowrongdoor.files` makes it (its type from its content, its metadata
removed), sealed with the case's keys and bound to its row, under a random key: the store holds
nothing readable and nothing that names anyone. A file is read by whoever may read its message,
and every read by institution staff is written to the audit log before the bytes are handed over.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from case_tracking import repository
from case_tracking.domain.messages import readable
from case_tracking.models import CaseAttachment, CaseMessage
from case_tracking.service import Database
from case_tracking.service.access import audit_staff_read, viewer
from nowrongdoor import files
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import Attachment, AttachmentFile, AttachmentUpload
from nowrongdoor.crypto import Sealer
from nowrongdoor.db import SessionMaker, unit_of_work
from nowrongdoor.storage import BlobNotFound, BlobStore, StorageError

log = logging.getLogger(__name__)

READ_ATTACHMENT = "read-attachment"


@dataclass(frozen=True)
class AttachmentRules:
    """How large a file may be, and how many go with one message."""

    max_bytes: int = 10 * 1024 * 1024
    per_message: int = 5


DEFAULT_RULES = AttachmentRules()


class AttachmentRefused(ValueError):
    """A file is not taken, so neither is its message; `field` names which one
    (`attachments.0`), or `attachments` for too many."""

    def __init__(
        self, field: str, reason: Literal["too-large", "unsupported", "too-many"], message: str
    ) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason
        self.message = message


class AttachmentMissing(LookupError):
    """A row names a file the store no longer holds."""


def attachment_context(reference: str, attachment_id: str) -> str:
    return f"{reference}/attachment/{attachment_id}"


async def inspected(
    uploads: Sequence[AttachmentUpload], rules: AttachmentRules
) -> list[files.CleanFile]:
    """Each upload as it would be kept, in order; the first refusal refuses them all."""
    if len(uploads) > rules.per_message:
        raise AttachmentRefused(
            "attachments", "too-many", f"At most {rules.per_message} files go with one message."
        )
    cleaned = []
    for position, upload in enumerate(uploads):
        try:
            # Re-encoding an image or rewriting a PDF is work for a thread, not the event loop.
            clean = await asyncio.to_thread(
                files.inspect, upload.content, upload.filename, max_bytes=rules.max_bytes
            )
        except files.FileRefused as refused:
            raise AttachmentRefused(
                f"attachments.{position}", refused.reason, refused.message
            ) from None
        cleaned.append(clean)
    return cleaned


@dataclass
class Storing:
    """The files stored for one message, so they can be taken back if the message is not kept."""

    store: BlobStore | None
    keys: list[str] = field(default_factory=list)

    async def put_all(
        self, sealer: Sealer, message: CaseMessage, cleaned: Sequence[files.CleanFile]
    ) -> list[CaseAttachment]:
        """Seal and store each file; the rows describing them, for the caller to add."""
        if cleaned and self.store is None:
            raise StorageError("no attachment store is configured")
        rows = []
        for position, clean in enumerate(cleaned, start=1):
            attachment_id = f"a-{secrets.token_hex(8)}"
            sealed = sealer.seal_bytes(
                clean.content, attachment_context(message.reference, attachment_id)
            )
            assert self.store is not None
            await self.store.put(attachment_id, sealed)
            self.keys.append(attachment_id)
            rows.append(
                CaseAttachment(
                    attachment_id=attachment_id,
                    reference=message.reference,
                    message_id=message.message_id,
                    name=f"attachment-{position}.{clean.extension}",
                    media_type=clean.media_type,
                    size=len(clean.content),
                    metadata_removed=clean.metadata_removed,
                    storage_key=attachment_id,
                    key_id=Sealer.key_id_of_bytes(sealed),
                )
            )
        return rows


@asynccontextmanager
async def storing(store: BlobStore | None) -> AsyncIterator[Storing]:
    """Files stored inside the block are deleted again when it fails, commit included: a message
    refused or lost leaves no file behind."""
    stored = Storing(store)
    try:
        yield stored
    except BaseException:
        if store is not None:
            for key in stored.keys:
                try:
                    await store.delete(key)
                except StorageError:
                    log.warning("an attachment of a message not kept stays in the store")
        raise


def view(row: CaseAttachment) -> Attachment:
    return Attachment(
        id=row.attachment_id,
        name=row.name,
        media_type=row.media_type,
        size=row.size,
        metadata_removed=row.metadata_removed,
    )


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
        seen_as = await viewer(session, caller, group)
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
        try:
            sealed = await store.get(row.storage_key)
        except BlobNotFound:
            log.error("an attachment's file is missing from the store")
            raise AttachmentMissing(attachment_id) from None
        content = sealer.open_bytes(sealed, attachment_context(reference, attachment_id))
        if seen_as.audited:
            await audit_staff_read(
                session,
                caller,
                reference,
                action=READ_ATTACHMENT,
                detail=f"attachment {attachment_id} of message {message.message_id}",
                at=now,
            )
        return AttachmentFile(name=row.name, media_type=row.media_type, content=content)


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
    active = sealer.keys.active_key_id
    elsewhere = col(CaseAttachment.key_id) != active
    async with sessions() as session:
        total = int(
            (
                await session.execute(
                    sa.select(sa.func.count()).select_from(CaseAttachment).where(elsewhere)
                )
            ).scalar_one()
        )
    done, after = 0, 0
    while True:
        async with unit_of_work(sessions) as session:
            batch = list(
                await session.scalars(
                    select(CaseAttachment)
                    .where(elsewhere, col(CaseAttachment.id) > after)
                    .order_by(col(CaseAttachment.id))
                    .limit(batch_size)
                )
            )
            for row in batch:
                context = attachment_context(row.reference, row.attachment_id)
                content = sealer.open_bytes(await store.get(row.storage_key), context)
                await store.put(row.storage_key, sealer.seal_bytes(content, context))
                row.key_id = active
        done += len(batch)
        if progress is not None and batch:
            progress(done, total)
        if len(batch) < batch_size:
            return done
        after = batch[-1].id or 0


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
