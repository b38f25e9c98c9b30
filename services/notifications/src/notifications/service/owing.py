"""The deliveries an event calls for: the complainant's email and SMS, each institution's inbox,
mailboxes and webhooks.

Each event's use case runs inside the unit of work the runtime opens for that event together
with its inbox record, so a redelivered event owes nothing twice; each (event, recipient,
channel) is owed once besides. What is told on the inbox or the tracking page is delivered as
it is recorded; what leaves the platform waits for the dispatcher, the merge window first.

A batch of events shares one transaction: an institution's contacts and webhook endpoints are
read once in it, and so are the complainants' contacts and what each event owes already;
what is owed is written when it commits, all rows of a table together.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.domain import planning
from notifications.domain.planning import (
    ACKNOWLEDGEMENT,
    COMPLAINANT,
    EMAIL,
    INSTITUTION_INBOX,
    SMS,
    WEBHOOK,
    Owed,
)
from notifications.models import ComplainantContact, InstitutionContact, WebhookEndpoint
from notifications.repository import deliveries as repository
from notifications.repository import webhooks as webhook_repository
from notifications.repository.deliveries import DeliveryRow
from nowrongdoor import db, inbox
from nowrongdoor.contracts.events import Event

PENDING = "pending"
DELIVERED = "delivered"
DEFAULT_LANGUAGE = "fr"


async def owe(
    session: AsyncSession,
    event: Event,
    *,
    event_id: str,
    reference: str,
    language: str | None,
    now: datetime,
    merge_window: timedelta,
    read_for_batch: bool = False,
) -> list[DeliveryRow]:
    """Record every delivery `event` calls for, and return them.

    The complainant is owed email and SMS only for the addresses they left when the event is
    handled; an anonymous complainant who left none is never contacted.

    `read_for_batch` reads the complainants' contacts and what is owed already once for every
    event of the transaction (`inbox.events_in_transaction`), at its first event; only for a
    transaction whose events change no complainant's contact.
    """
    owed = planning.plan(event)
    if not owed:
        return []
    # What earlier events of the batch owe is written at the commit, not before each read here.
    with session.no_autoflush:
        contact = None
        if any(o.audience == "complainant" for o in owed):
            contact = await _complainant_contact(session, reference, read_for_batch)
        # Read once for the whole event: each recipient below adds what it is owed.
        already = await _owed_already(session, event_id, read_for_batch)
        deliveries: list[DeliveryRow] = []
        for one in owed:
            if one.audience == "complainant":
                deliveries += await _owe_complainant(
                    session,
                    one,
                    contact,
                    already,
                    cause_event_id=event_id,
                    reference=reference,
                    language=language,
                    now=now,
                    merge_window=merge_window,
                )
            else:
                deliveries += await owe_institution(
                    session,
                    cause_event_id=event_id,
                    reference=reference,
                    institution_id=one.recipient,
                    kind=one.kind,
                    details=one.details,
                    now=now,
                    event_type=event.type,
                    language=language,
                    merge_window=merge_window,
                    webhooks_only=one.webhook_only,
                    already=already,
                )
        return deliveries


def any_due(deliveries: Iterable[DeliveryRow], now: datetime) -> bool:
    """Whether any of `deliveries` waits to be sent and may go now: what waits for the merge
    window is not, and what shows on the inbox or the tracking page is delivered already."""
    return any(
        delivery["status"] == PENDING
        and delivery["next_attempt_at"] is not None
        and delivery["next_attempt_at"] <= now
        for delivery in deliveries
    )


async def owe_institution(
    session: AsyncSession,
    *,
    cause_event_id: str,
    reference: str,
    institution_id: str,
    kind: str,
    details: dict[str, Any],
    now: datetime,
    event_type: str | None = None,
    language: str | None = None,
    merge_window: timedelta = timedelta(0),
    webhooks_only: bool = False,
    already: set[tuple[str, str]] | None = None,
) -> list[DeliveryRow]:
    """Tell one institution `kind`: its inbox at once, its mailboxes and phones wanting that
    kind after the merge window, and (for an event type) each webhook endpoint following it.

    `already` is what the event owes so far, (recipient, channel); read here when not given.
    """
    # Imported here: the webhooks use cases call back into this module when they give up.
    from notifications.service import webhooks

    if already is None:
        already = await repository.owed_already(session, cause_event_id)
    deliveries: list[DeliveryRow] = []

    def owe_one(recipient: str, channel: str, **fields: Any) -> None:
        if (recipient, channel) in already:
            return
        already.add((recipient, channel))
        deliveries.append(
            _delivery(
                cause_event_id=cause_event_id,
                reference=reference,
                recipient=recipient,
                channel=channel,
                kind=kind,
                now=now,
                **fields,
            )
        )

    if not webhooks_only:
        owe_one(
            institution_id,
            INSTITUTION_INBOX,
            details=details,
            language=language or DEFAULT_LANGUAGE,
            status=DELIVERED,
            delivered_at=now,
        )
        contacts = repository.wanting(await _contacts_of(session, institution_id), (kind,))
        for channel, wanted in (
            (EMAIL, [c for c in contacts if c.email]),
            (SMS, [c for c in contacts if c.phone]),
        ):
            if wanted:
                owe_one(
                    institution_id,
                    channel,
                    details=details,
                    language=wanted[0].language,
                    status=PENDING,
                    next_attempt_at=now + merge_window,
                )
    if event_type is not None:
        endpoints = await _endpoints_of(session, institution_id)
        for endpoint in webhooks.following(endpoints, event_type):
            owe_one(
                endpoint.id,
                WEBHOOK,
                owner=institution_id,
                details=details | {"event_type": event_type, "institution_id": institution_id},
                language=language or DEFAULT_LANGUAGE,
                status=PENDING,
                next_attempt_at=now,
            )
    repository.add_deliveries(session, deliveries)
    return deliveries


async def _owe_complainant(
    session: AsyncSession,
    one: Owed,
    contact: ComplainantContact | None,
    already: set[tuple[str, str]],
    *,
    cause_event_id: str,
    reference: str,
    language: str | None,
    now: datetime,
    merge_window: timedelta,
) -> list[DeliveryRow]:
    channels = planning.complainant_channels(
        one.kind,
        email=bool(contact and contact.email_sealed),
        phone=bool(contact and contact.phone_sealed),
    )
    # The acknowledgement goes at once; what is pending alongside still goes with it.
    due = now if one.kind == ACKNOWLEDGEMENT else now + merge_window
    new = _new(channels, already)
    already.update((COMPLAINANT, channel) for channel in new)
    deliveries = [
        _delivery(
            cause_event_id=cause_event_id,
            reference=reference,
            recipient=COMPLAINANT,
            channel=channel,
            kind=one.kind,
            now=now,
            details=one.details,
            language=(contact.language if contact else None) or language or DEFAULT_LANGUAGE,
            **_status_for(channel, now, due),
        )
        for channel in new
    ]
    repository.add_deliveries(session, deliveries)
    return deliveries


async def _complainant_contact(
    session: AsyncSession, reference: str, read_for_batch: bool
) -> ComplainantContact | None:
    if read_for_batch:
        contacts = await inbox.read_for_batch(
            session,
            "notifications.complainant-contacts",
            lambda references: repository.complainant_contacts(session, references),
        )
        if reference in contacts:
            return contacts[reference]
    return await repository.complainant_contact(session, reference)


async def _owed_already(
    session: AsyncSession, event_id: str, read_for_batch: bool
) -> set[tuple[str, str]]:
    if read_for_batch:
        owed = await inbox.read_for_batch(
            session,
            "notifications.owed-already",
            lambda event_ids: repository.owed_already_by_event(session, event_ids),
            key=lambda envelope: envelope.id,
        )
        if event_id in owed:
            return owed[event_id]
    return await repository.owed_already(session, event_id)


async def _contacts_of(session: AsyncSession, institution_id: str) -> list[InstitutionContact]:
    return await db.read_once(
        session,
        ("contacts", institution_id),
        lambda: repository.contacts_of(session, institution_id),
    )


async def _endpoints_of(session: AsyncSession, institution_id: str) -> list[WebhookEndpoint]:
    return await db.read_once(
        session,
        ("endpoints", institution_id),
        lambda: webhook_repository.endpoints_of(session, institution_id),
    )


def _new(channels: Iterable[str], already: set[tuple[str, str]]) -> list[str]:
    return [channel for channel in channels if (COMPLAINANT, channel) not in already]


def _status_for(channel: str, now: datetime, due: datetime) -> dict[str, Any]:
    """What shows on the tracking page is there as it is recorded; the rest waits to be sent."""
    if channel in planning.SENT_CHANNELS:
        return {"status": PENDING, "next_attempt_at": due}
    return {"status": DELIVERED, "delivered_at": now}


def _delivery(
    *,
    cause_event_id: str,
    reference: str,
    recipient: str,
    channel: str,
    kind: str,
    now: datetime,
    **fields: Any,
) -> DeliveryRow:
    return repository.delivery_row(
        id=str(uuid.uuid4()),
        cause_event_id=cause_event_id,
        reference=reference,
        recipient=recipient,
        channel=channel,
        kind=kind,
        created_at=now,
        **fields,
    )
