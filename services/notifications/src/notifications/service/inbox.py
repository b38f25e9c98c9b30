"""The institution inbox: what an institution was told, a page at a time, and acknowledging it.

Oldest first, so a client works through it as a queue: the cursor is the last entry's id and
the order (created_at, id) never changes, so acknowledging while paging skips nothing. Every
entry of another institution answers exactly like one that does not exist.
"""

from __future__ import annotations

from datetime import datetime

from notifications.models import Delivery
from notifications.repository import inbox as repository
from notifications.service import Database
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.inbox import (
    InboxAcknowledged,
    InboxAcknowledgement,
    InboxItem,
    InboxPage,
)
from nowrongdoor.problems import FieldProblem, ProblemError

NOT_YOURS = "No inbox entry with this id for your institution."


def inbox_owner(caller: Principal) -> str:
    """The institution (or NGO) whose inbox the caller reads; any other caller is refused."""
    if caller.kind not in ("institution", "ngo") or not caller.institution_id:
        raise ProblemError(403, "Only institution and NGO clients have an inbox.", slug="forbidden")
    return caller.institution_id


def item(delivery: Delivery) -> InboxItem:
    return InboxItem(
        id=delivery.id,
        kind=delivery.kind,
        reference=delivery.reference,
        created_at=delivery.created_at,
        acknowledged_at=delivery.acknowledged_at,
        details=delivery.details,
        link=f"/v1/cases/{delivery.reference}",
    )


async def read(
    db: Database,
    caller: Principal,
    *,
    cursor: str | None,
    limit: int,
    unacknowledged: bool | None,
) -> InboxPage:
    """One page of the caller's inbox after `cursor`, oldest first."""
    owner = inbox_owner(caller)
    async with db.sessions() as session:
        after = None
        if cursor is not None:
            last = await repository.entry(session, owner, cursor)
            if last is None:
                raise ProblemError(
                    422,
                    "1 field is invalid",
                    errors=[FieldProblem(field="cursor", message="Not a cursor this inbox gave")],
                )
            after = (last.created_at, last.id)
        found = await repository.page(
            session, owner, after=after, limit=limit + 1, unacknowledged=unacknowledged
        )
    shown = found[:limit]
    more = len(found) > limit
    return InboxPage(
        items=[item(delivery) for delivery in shown],
        next_cursor=shown[-1].id if more else None,
    )


async def acknowledge(
    db: Database, caller: Principal, acknowledgement: InboxAcknowledgement, now: datetime
) -> InboxAcknowledged:
    """Mark the entries acknowledged, all or none: one id not the caller's refuses them all."""
    owner = inbox_owner(caller)
    async with db.transaction() as session:
        if acknowledgement.ids is not None:
            wanted = set(acknowledgement.ids)
            if await repository.known_ids(session, owner, wanted) != wanted:
                raise ProblemError(404, NOT_YOURS)
            count = await repository.acknowledge(session, owner, now, ids=wanted)
        else:
            assert acknowledgement.up_to is not None  # the contract asks for one of the two
            last = await repository.entry(session, owner, acknowledgement.up_to)
            if last is None:
                raise ProblemError(404, NOT_YOURS)
            count = await repository.acknowledge(
                session, owner, now, up_to=(last.created_at, last.id)
            )
    return InboxAcknowledged(acknowledged=count)
