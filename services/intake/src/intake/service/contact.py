"""The complainant's addresses: announced sealed with the complaint, changed or removed later.

Intake keeps them sealed under its own keys and tells notifications through
`complaint.contact-changed`, sealed under the contact-transport keys, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from intake import repository
from intake.domain.audit import Actor
from intake.service import Database
from intake.service.sealing import seal_contact
from intake.service.submissions import announce_contact, matching_submission
from nowrongdoor.contacts import ContactDetails
from nowrongdoor.contracts.intake import ContactChange, ReceiptCheck
from nowrongdoor.crypto import Sealer, StaticKeys

ALREADY_ERASED = "personal data already erased"


class PersonalDataErased(Exception):
    """The complaint's personal data is erased; no address is kept for it any more."""


async def change(
    db: Database,
    sealer: Sealer,
    transport_keys: StaticKeys,
    change: ContactChange,
    actor: Actor,
    now: datetime,
) -> None:
    """Keep the addresses given, in place of any before, and announce them; audited.

    `NoMatch` for a wrong receipt; `PersonalDataErased` once the complaint's data is erased.
    """
    await matching_submission(db, change)
    async with db.transaction() as session:
        record = await repository.submission(session, change.reference, for_update=True)
        assert record is not None  # submissions are never deleted
        erased = record.erased_at is not None
        repository.add_audit_entry(
            session,
            actor,
            "contact-change",
            at=now,
            reference=record.reference,
            detail=ALREADY_ERASED if erased else None,
        )
        if not erased:
            contact = ContactDetails(email=change.email, phone=change.phone)
            seal_contact(sealer, record, contact)
            announce_contact(
                session, transport_keys, record.reference, "added", contact, record.language, now
            )
    if erased:
        raise PersonalDataErased(change.reference)  # the refusal is audited all the same


async def remove(
    db: Database,
    sealer: Sealer,
    transport_keys: StaticKeys,
    check: ReceiptCheck,
    actor: Actor,
    now: datetime,
) -> None:
    """Tell nobody of the case by email or SMS any more; asking again changes nothing. Audited."""
    await matching_submission(db, check)
    async with db.transaction() as session:
        record = await repository.submission(session, check.reference, for_update=True)
        assert record is not None  # submissions are never deleted
        erased = record.erased_at is not None
        repository.add_audit_entry(
            session,
            actor,
            "contact-removal",
            at=now,
            reference=record.reference,
            detail=ALREADY_ERASED if erased else None,
        )
        if erased:
            return  # erasure already removed every address, and told notifications
        seal_contact(sealer, record, ContactDetails())
        announce_contact(
            session, transport_keys, record.reference, "removed", None, record.language, now
        )
