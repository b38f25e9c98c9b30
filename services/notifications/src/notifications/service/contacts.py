"""The complainant's addresses: kept sealed under notifications' own keys, and forgotten.

Intake announces them sealed under the contact-transport keys; here they are opened only to be
sealed again under notifications' keys, each bound to its case and field, so a sealed address
cannot be moved to another case. Removing them fails whatever still waited to go to them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.domain.planning import COMPLAINANT, EMAIL, SMS
from notifications.models import ComplainantContact
from notifications.repository import deliveries as repository
from nowrongdoor.contacts import ContactDetails, open_contact
from nowrongdoor.contracts.events import ComplaintContactChanged, ComplaintPersonalDataRemoved
from nowrongdoor.crypto import Sealer, StaticKeys

REMOVED_BY_COMPLAINANT = "the complainant removed their contact details"
DATA_REMOVED = "the complainant's data was removed"


def contact_context(reference: str, field: str) -> str:
    """What a sealed address is bound to: its case and whether it is the email or the phone."""
    return f"complainant-contact:{reference}:{field}"


async def change_contact(
    session: AsyncSession,
    changed: ComplaintContactChanged,
    *,
    transport: StaticKeys,
    sealer: Sealer,
    now: datetime,
) -> None:
    """Keep the addresses the complainant gave, replacing earlier ones; or forget them."""
    details = (
        open_contact(transport, changed.reference, changed.sealed_contact)
        if changed.change != "removed" and changed.sealed_contact
        else ContactDetails()
    )
    if details.is_empty():
        await _forget(session, changed.reference, REMOVED_BY_COMPLAINANT)
        return
    contact = await repository.complainant_contact(session, changed.reference)
    if contact is None:
        contact = ComplainantContact(
            reference=changed.reference, language=changed.language, updated_at=now
        )
    contact.email_sealed = _sealed(sealer, changed.reference, "email", details.email)
    contact.phone_sealed = _sealed(sealer, changed.reference, "phone", details.phone)
    contact.language = changed.language
    contact.updated_at = now
    session.add(contact)
    await session.flush()


async def forget_complainant(session: AsyncSession, removed: ComplaintPersonalDataRemoved) -> None:
    """The complainant's data is gone from intake: their addresses go too, and nothing waits."""
    await _forget(session, removed.reference, DATA_REMOVED)


def addresses(sealer: Sealer, contact: ComplainantContact) -> ContactDetails:
    """The complainant's addresses in clear, for the moment of sending only."""
    return ContactDetails(
        email=_opened(sealer, contact.reference, "email", contact.email_sealed),
        phone=_opened(sealer, contact.reference, "phone", contact.phone_sealed),
    )


async def _forget(session: AsyncSession, reference: str, reason: str) -> None:
    await repository.forget_complainant_contact(session, reference)
    await repository.fail_pending(
        session, reference=reference, recipient=COMPLAINANT, channels=(EMAIL, SMS), reason=reason
    )


def _sealed(sealer: Sealer, reference: str, field: str, value: str | None) -> str | None:
    return sealer.seal(value, contact_context(reference, field)) if value else None


def _opened(sealer: Sealer, reference: str, field: str, sealed: str | None) -> str | None:
    return sealer.open(sealed, contact_context(reference, field)) if sealed else None
