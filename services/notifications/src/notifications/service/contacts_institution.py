"""An institution's notification contacts: functional mailboxes, and the demo ones of development.

They are the institution's own addresses (`plaintes@…`), never a person's, so they are kept as
given; `PUT` replaces the whole list. In development the seed institutions get a demo mailbox.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from importlib import resources

from pydantic import BaseModel

from notifications.models import InstitutionContact
from notifications.repository import inbox as repository
from notifications.service import Database
from notifications.settings import NotificationsSettings
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.inbox import NotificationContact
from nowrongdoor.db import SessionMaker, unit_of_work
from nowrongdoor.problems import ProblemError

log = logging.getLogger(__name__)

MOST_CONTACTS = 20


class _DemoContact(NotificationContact):
    institution_id: str


class _DemoContacts(BaseModel):
    notice: str
    contacts: list[_DemoContact]


def contacts_owner(caller: Principal) -> str:
    """The institution whose contacts the caller manages; any other caller is refused."""
    if caller.kind not in ("institution", "ngo") or not caller.institution_id:
        raise ProblemError(
            403, "Only institution and NGO clients have notification contacts.", slug="forbidden"
        )
    return caller.institution_id


def view(contact: InstitutionContact) -> NotificationContact:
    return NotificationContact.model_validate(
        {
            "email": contact.email,
            "phone": contact.phone,
            "language": contact.language,
            "kinds": contact.kinds,
        }
    )


def _row(institution_id: str, contact: NotificationContact, now: datetime) -> InstitutionContact:
    return InstitutionContact(
        id=f"ic-{uuid.uuid4().hex}",
        institution_id=institution_id,
        email=contact.email,
        phone=contact.phone,
        language=contact.language,
        kinds=list(dict.fromkeys(contact.kinds)),
        created_at=now,
    )


async def listed(db: Database, caller: Principal) -> list[NotificationContact]:
    owner = contacts_owner(caller)
    async with db.sessions() as session:
        return [view(contact) for contact in await repository.contacts(session, owner)]


async def replace(
    db: Database, caller: Principal, contacts: list[NotificationContact], now: datetime
) -> list[NotificationContact]:
    """The caller's contacts become exactly `contacts`, in that order."""
    owner = contacts_owner(caller)
    if len(contacts) > MOST_CONTACTS:
        raise ProblemError(422, f"At most {MOST_CONTACTS} notification contacts.")
    async with db.transaction() as session:
        # One microsecond apart, so the list reads back in the order given.
        rows = [
            _row(owner, contact, now + timedelta(microseconds=index))
            for index, contact in enumerate(contacts)
        ]
        await repository.replace_contacts(session, owner, rows)
    return [view(row) for row in rows]


def seeds(settings: NotificationsSettings) -> bool:
    """Whether to load the demo mailboxes: as set, else in development only (not in tests)."""
    if settings.seed_institution_contacts is not None:
        return settings.seed_institution_contacts
    return settings.environment == "development"


def demo_contacts() -> list[_DemoContact]:
    data = resources.files("notifications").joinpath("demo_contacts.json").read_text("utf-8")
    return _DemoContacts.model_validate(json.loads(data)).contacts


async def seed_demo_contacts(sessions: SessionMaker) -> int:
    """Give each demo institution with no contact yet its demo mailbox; how many were added."""
    now = datetime.now(UTC)
    async with unit_of_work(sessions) as session:
        known = await repository.institutions_with_contacts(session)
        added = [
            _row(demo.institution_id, demo, now)
            for demo in demo_contacts()
            if demo.institution_id not in known
        ]
        session.add_all(added)
    if added:
        log.info("demo institution mailboxes loaded", extra={"institutions": len(added)})
    return len(added)
