"""Key rotation: re-seal every message body, note and reason not under the active key.

Work goes in batches of rows, each its own transaction, so an interrupted run loses nothing and
the next run carries on with what is left. A value is opened with the key its id names and sealed
again, bound to the same row, with the active key. The case's attachments are re-sealed by the
attachments use cases, after the columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from case_tracking.models import AuditEntry, CaseInvitation, CaseMessage, CasePart, TimelineEntry
from case_tracking.service import attachments
from case_tracking.service.sealing import (
    invitation_context,
    message_context,
    note_context,
    reason_context,
)
from nowrongdoor.crypto import Sealer
from nowrongdoor.db import SessionMaker, unit_of_work
from nowrongdoor.resealing import Progress, SealedColumn, reseal_columns
from nowrongdoor.storage import BlobStore

KEY_ROTATION = "key-rotation"


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
    done = await reseal_columns(
        sessions, sealer, SEALED_COLUMNS, batch_size=batch_size, progress=progress
    )
    files = await attachments.reseal(
        sessions, store, sealer, batch_size=batch_size, progress=attachment_progress
    )
    async with unit_of_work(sessions) as session:
        session.add(
            AuditEntry(
                at=datetime.now(UTC),
                actor_client_id=actor[:100] or "operator",
                actor_kind="operator",
                action=KEY_ROTATION,
                detail=f"re-sealed {done} values and {files} attachments under key {active}",
            )
        )
    return RotationResult(re_sealed=done, attachments=files, active_key_id=active)
