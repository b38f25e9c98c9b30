"""Key rotation: re-seal the complainants' addresses and the webhook secrets not under the
active key, in batches of rows, each its own transaction, so a stopped run loses nothing."""

from __future__ import annotations

from dataclasses import dataclass

from notifications.models import ComplainantContact, WebhookEndpoint
from notifications.service.contacts import contact_context
from nowrongdoor.crypto import Sealer
from nowrongdoor.db import SessionMaker
from nowrongdoor.resealing import Progress, SealedColumn, reseal_columns

SEALED_COLUMNS = (
    SealedColumn(
        ComplainantContact,
        "email_sealed",
        lambda r: contact_context(r.reference, "email"),
        key="reference",
    ),
    SealedColumn(
        ComplainantContact,
        "phone_sealed",
        lambda r: contact_context(r.reference, "phone"),
        key="reference",
    ),
    SealedColumn(WebhookEndpoint, "secret_sealed", lambda r: f"webhook-secret:{r.id}"),
    SealedColumn(WebhookEndpoint, "previous_secret_sealed", lambda r: f"webhook-secret:{r.id}"),
)


@dataclass(frozen=True)
class RotationResult:
    re_sealed: int
    active_key_id: str


async def rotate(
    sessions: SessionMaker,
    sealer: Sealer,
    *,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> RotationResult:
    """Re-seal under the active key every address and webhook secret sealed under another."""
    done = await reseal_columns(
        sessions, sealer, SEALED_COLUMNS, batch_size=batch_size, progress=progress
    )
    return RotationResult(re_sealed=done, active_key_id=sealer.keys.active_key_id)
