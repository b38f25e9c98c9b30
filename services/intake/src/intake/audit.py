"""The audit log: who exported, erased, read or purged personal data, and when.

Rows are only ever added; the database itself refuses to change or delete them. A row names the
actor, the action and the reference, never the personal data concerned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from intake.models import AuditEntry
from nowrongdoor.auth import Principal

Action = Literal["export", "erase", "read-personal-data", "purge", "key-rotation"]


@dataclass(frozen=True)
class Actor:
    """Who acted: a verified API principal, or the platform itself."""

    client_id: str
    kind: str
    institution_id: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.client_id, principal.kind, principal.institution_id)


RETENTION = Actor(client_id="intake-retention", kind="system")


def operator(name: str) -> Actor:
    """An operator running a command on the platform's machines."""
    return Actor(client_id=name[:100] or "operator", kind="operator")


def record(
    session: AsyncSession,
    actor: Actor,
    action: Action,
    *,
    reference: str | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add an audit row inside the caller's transaction, so it commits with what it records."""
    entry = AuditEntry(
        at=at or datetime.now(UTC),
        actor_client_id=actor.client_id,
        actor_kind=actor.kind,
        actor_institution_id=actor.institution_id,
        action=action,
        reference=reference,
        detail=detail,
    )
    session.add(entry)
    return entry
