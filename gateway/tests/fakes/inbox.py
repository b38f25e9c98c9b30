"""A stand-in for notifications' institution inbox and notification contacts, in memory."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from typing_extensions import override

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.inbox import (
    InboxAcknowledged,
    InboxAcknowledgement,
    InboxApi,
    InboxItem,
    InboxPage,
    NotificationContact,
)

from .stand_in import StandIn, Switchboard

NOT_YOURS = "No inbox entry with this id for your institution."


class FakeInbox(StandIn, InboxApi):
    service: ClassVar[str] = "notifications"

    def __init__(self, switchboard: Switchboard) -> None:
        super().__init__(switchboard)
        self.inboxes: dict[str, list[InboxItem]] = {}
        """Each institution's entries, oldest first."""
        self.contacts: dict[str, list[NotificationContact]] = {}

    def tell(self, institution_id: str, reference: str, kind: str, **details: Any) -> InboxItem:
        """An entry as notifications writes one when the institution is told something."""
        held = self.inboxes.setdefault(institution_id, [])
        entry = InboxItem(
            id=str(uuid.uuid4()),
            kind=kind,
            reference=reference,
            created_at=datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=len(held)),
            acknowledged_at=None,
            details=details,
            link=f"/v1/cases/{reference}",
        )
        held.append(entry)
        return entry

    @override
    async def inbox(
        self,
        caller: Principal,
        *,
        cursor: str | None = None,
        limit: int = 50,
        unacknowledged: bool | None = None,
    ) -> InboxPage:
        await self.reached("inbox", caller, None)
        held = self.inboxes.get(caller.institution_id or "", [])
        start = 0
        if cursor is not None:
            ids = [entry.id for entry in held]
            if cursor not in ids:
                raise self.refusal(
                    422, "1 field is invalid", slug="validation-error", title="Invalid request"
                )
            start = ids.index(cursor) + 1
        chosen = [
            entry
            for entry in held[start:]
            if unacknowledged is None or (entry.acknowledged_at is None) == unacknowledged
        ]
        shown = chosen[:limit]
        more = len(chosen) > limit
        return InboxPage(items=shown, next_cursor=shown[-1].id if more else None)

    @override
    async def acknowledge(
        self, caller: Principal, acknowledgement: InboxAcknowledgement
    ) -> InboxAcknowledged:
        await self.reached("acknowledge", caller, acknowledgement)
        held = self.inboxes.get(caller.institution_id or "", [])
        ids = [entry.id for entry in held]
        if acknowledgement.ids is not None:
            if not set(acknowledgement.ids) <= set(ids):
                raise self.refusal(404, NOT_YOURS)
            chosen = [entry for entry in held if entry.id in acknowledgement.ids]
        else:
            if acknowledgement.up_to not in ids:
                raise self.refusal(404, NOT_YOURS)
            chosen = held[: ids.index(acknowledgement.up_to) + 1]
        now, count = datetime.now(UTC), 0
        for entry in chosen:
            if entry.acknowledged_at is None:
                entry.acknowledged_at = now
                count += 1
        return InboxAcknowledged(acknowledged=count)

    @override
    async def notification_contacts(self, caller: Principal) -> list[NotificationContact]:
        await self.reached("notification_contacts", caller, None)
        return list(self.contacts.get(caller.institution_id or "", []))

    @override
    async def replace_notification_contacts(
        self, caller: Principal, contacts: list[NotificationContact]
    ) -> list[NotificationContact]:
        await self.reached("replace_notification_contacts", caller, contacts)
        self.contacts[caller.institution_id or ""] = list(contacts)
        return list(contacts)
