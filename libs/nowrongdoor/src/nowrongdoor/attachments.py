"""Files a service keeps for its callers: inspected, sealed into the blob store, opened, re-sealed.

Every service that takes files keeps them alike. A file is kept only as `nowrongdoor.files` makes
it (its type from its content, its metadata removed), sealed with the service's keys and bound to
what it belongs to, under a random key: the store holds nothing readable and nothing that names
anyone. The service keeps the rows describing its files and decides who may read them; what it
does with each file is here, and so is the one way a file is answered over HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from fastapi import Response
from sqlmodel import col, select

from nowrongdoor import files
from nowrongdoor.contracts.attachments import (
    ATTACHMENT_NAME_HEADER,
    Attachment,
    AttachmentFile,
    AttachmentUpload,
)
from nowrongdoor.crypto import Sealer, UnknownKey
from nowrongdoor.db import SessionMaker, unit_of_work
from nowrongdoor.problems import ProblemError
from nowrongdoor.resealing import RotationError
from nowrongdoor.storage import BlobNotFound, BlobStore, StorageError

log = logging.getLogger(__name__)

Refusal = Literal["too-large", "unsupported", "too-many"]


class AttachmentRefused(ValueError):
    """A file is not taken, so neither is what it came with; `field` names which one
    (`attachments.0`), or the list (`attachments`) for too many."""

    def __init__(self, field: str, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason: Refusal = reason
        self.message = message


class AttachmentMissing(LookupError):
    """A row names a file the store no longer holds."""


class StoredFile(Protocol):
    """The row a service keeps for each file: what it is, and where and how it is sealed."""

    id: int | None
    attachment_id: str
    name: str
    media_type: str
    size: int
    metadata_removed: bool
    storage_key: str
    key_id: str


def new_attachment_id() -> str:
    """A random id, also the file's key in the store: it tells nothing about the file."""
    return f"a-{secrets.token_hex(8)}"


async def inspected(
    uploads: Sequence[AttachmentUpload],
    *,
    max_bytes: int,
    at_most: int,
    field: str = "attachments",
    going_with: str = "one message",
) -> list[files.CleanFile]:
    """Each upload as it would be kept, in order; the first refusal refuses them all.

    `field` names the list in a refusal, `going_with` what the files go with.
    """
    if len(uploads) > at_most:
        raise AttachmentRefused(field, "too-many", f"At most {at_most} files go with {going_with}.")
    cleaned = []
    for position, upload in enumerate(uploads):
        try:
            # Re-encoding an image or rewriting a PDF is work for a thread, not the event loop.
            clean = await asyncio.to_thread(
                files.inspect, upload.content, upload.filename, max_bytes=max_bytes
            )
        except files.FileRefused as refused:
            raise AttachmentRefused(
                f"{field}.{position}", refused.reason, refused.message
            ) from None
        cleaned.append(clean)
    return cleaned


@dataclass(frozen=True)
class KeptFile:
    """A file sealed and stored: what every service's row describing it holds."""

    attachment_id: str
    name: str
    media_type: str
    size: int
    metadata_removed: bool
    storage_key: str
    key_id: str

    def columns(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Storing:
    """The files stored for one change, so they can be taken back if the change is not kept."""

    store: BlobStore | None
    keys: list[str] = field(default_factory=list)

    async def keep(
        self, sealer: Sealer, clean: files.CleanFile, name: str, bound_to: Callable[[str], str]
    ) -> KeptFile:
        """Seal the file, bound to what `bound_to` makes of its new id, and store it under that
        id; listed as `name`."""
        if self.store is None:
            raise StorageError("no attachment store is configured")
        attachment_id = new_attachment_id()
        sealed = sealer.seal_bytes(clean.content, bound_to(attachment_id))
        await self.store.put(attachment_id, sealed)
        self.keys.append(attachment_id)
        return KeptFile(
            attachment_id=attachment_id,
            name=name,
            media_type=clean.media_type,
            size=len(clean.content),
            metadata_removed=clean.metadata_removed,
            storage_key=attachment_id,
            key_id=Sealer.key_id_of_bytes(sealed),
        )


@asynccontextmanager
async def storing(store: BlobStore | None) -> AsyncIterator[Storing]:
    """Files stored inside the block are deleted again when it fails, commit included: a change
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
                    log.warning("an attachment of a change not kept stays in the store")
        raise


def listed(row: StoredFile) -> Attachment:
    """The file as its readers see it listed: its metadata, never its content."""
    return Attachment(
        id=row.attachment_id,
        name=row.name,
        media_type=row.media_type,
        size=row.size,
        metadata_removed=row.metadata_removed,
    )


async def opened(store: BlobStore, sealer: Sealer, row: StoredFile, context: str) -> AttachmentFile:
    """The file's bytes, opened with the key it names; `AttachmentMissing` if the store lost it."""
    try:
        sealed = await store.get(row.storage_key)
    except BlobNotFound:
        log.error("an attachment's file is missing from the store")
        raise AttachmentMissing(row.attachment_id) from None
    content = sealer.open_bytes(sealed, context)
    return AttachmentFile(name=row.name, media_type=row.media_type, content=content)


async def reseal(
    sessions: SessionMaker,
    store: BlobStore,
    sealer: Sealer,
    table: type[Any],
    context: Callable[[Any], str],
    *,
    batch_size: int,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Seal again under the active key every file of `table` sealed under another; how many.

    `context` is what each row's file is bound to. The key is named inside each sealed file, so a
    file re-sealed whose row was not yet updated still opens, and a run stopped half-way is
    carried on by the next. A file that does not open stops the run with a `RotationError`.
    """
    active = sealer.keys.active_key_id
    elsewhere = col(table.key_id) != active
    async with sessions() as session:
        counted = sa.select(sa.func.count()).select_from(table).where(elsewhere)
        total = int((await session.execute(counted)).scalar_one())
    done, after = 0, 0
    while True:
        async with unit_of_work(sessions) as session:
            batch = list(
                await session.scalars(
                    select(table)
                    .where(elsewhere, col(table.id) > after)
                    .order_by(col(table.id))
                    .limit(batch_size)
                )
            )
            for row in batch:
                bound_to = context(row)
                content = _opened_to_reseal(sealer, await store.get(row.storage_key), bound_to)
                await store.put(row.storage_key, sealer.seal_bytes(content, bound_to))
                row.key_id = active
        done += len(batch)
        if progress is not None and batch:
            progress(done, total)
        if len(batch) < batch_size:
            return done
        after = batch[-1].id or 0


def _opened_to_reseal(sealer: Sealer, sealed: bytes, context: str) -> bytes:
    try:
        return sealer.open_bytes(sealed, context)
    except UnknownKey as error:
        raise RotationError(
            f"an attachment is sealed under key {error.args[0]}, which is not configured; "
            "add it after the active key and run again"
        ) from None
    except InvalidTag:
        raise RotationError(
            "an attachment does not open under the key it names; it was altered or the key is wrong"
        ) from None


def store_not_answering() -> ProblemError:
    """What a caller is told when the store fails: nothing was kept, try again."""
    return ProblemError(
        503,
        "The attachment store is not answering; nothing was changed. Try again shortly.",
        slug="unavailable",
        headers={"Retry-After": "5"},
    )


FILE_ANSWER: dict[str, Any] = {
    "description": "The file, as kept: its type from its content, its metadata removed",
    "content": {
        media_type: {"schema": {"type": "string", "format": "binary"}}
        for media_type in files.ACCEPTED
    },
    "headers": {
        ATTACHMENT_NAME_HEADER: {"description": "A neutral name", "schema": {"type": "string"}},
    },
}
"""How an internal route documents the file it answers with."""


def file_response(found: AttachmentFile) -> Response:
    """The file as a download under its neutral name, never sniffed, never cached."""
    return Response(
        content=found.content,
        media_type=found.media_type,
        headers={
            ATTACHMENT_NAME_HEADER: found.name,
            "Content-Disposition": f'attachment; filename="{found.name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
