"""Taking complaints in: accepting one, checking a receipt, coming back with a missing step met."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from intake import repository
from intake.domain import decisions, receipts
from intake.domain.facts import facts_of
from intake.models import Submission
from intake.service import Database
from intake.service.decisions import DecisionWaiters
from intake.service.sealing import seal
from nowrongdoor.contacts import ContactDetails
from nowrongdoor.contacts import seal_contact as seal_for_transport
from nowrongdoor.contracts.events import (
    ComplaintContactChanged,
    ComplaintReceived,
    ComplaintResubmitted,
    RelayingNgo,
)
from nowrongdoor.contracts.intake import (
    ComplaintAccepted,
    ComplaintSubmission,
    IncomingComplaint,
    ReceiptCheck,
    ResubmissionCheck,
    SubmissionStatus,
)
from nowrongdoor.contracts.vocabulary import Channel, Language
from nowrongdoor.crypto import Sealer, StaticKeys
from nowrongdoor.ids import new_receipt, new_reference
from nowrongdoor.outbox import add_event

SOURCE = "/services/intake"
REFERENCE_ATTEMPTS = 3


class NoMatch(Exception):
    """No submission matches this reference and receipt; every kind of miss looks the same."""


class ReferenceNotAllocated(Exception):
    """Every reference drawn was already taken; nothing was stored."""


async def accept(
    db: Database,
    sealer: Sealer,
    transport_keys: StaticKeys,
    incoming: IncomingComplaint,
    now: datetime,
) -> ComplaintAccepted:
    """Store the complaint sealed and announce its facts, and its addresses sealed for
    notifications; the receipt is shown this once."""
    for _attempt in range(REFERENCE_ATTEMPTS):
        reference, receipt = new_reference(), new_receipt()
        receipt_hash = await receipts.hashed(receipt)
        try:
            async with db.transaction() as session:
                # First, so notifications knows where to write when it hears of the complaint.
                _announce_submitted(session, transport_keys, reference, incoming.submission, now)
                store_complaint(
                    session,
                    sealer,
                    incoming.submission,
                    incoming.channel,
                    relayed_by=incoming.relayed_by,
                    reference=reference,
                    receipt_hash=receipt_hash,
                    received_at=now,
                )
        except IntegrityError:
            continue  # a reference drawn twice in 2^60; draw again
        return ComplaintAccepted(reference=reference, receipt=receipt)
    raise ReferenceNotAllocated


def store_complaint(
    session: AsyncSession,
    sealer: Sealer,
    submission: ComplaintSubmission,
    channel: Channel,
    *,
    relayed_by: RelayingNgo | None = None,
    reference: str,
    receipt_hash: str,
    received_at: datetime,
) -> Submission:
    """Add the sealed submission and its `complaint.received` event to the caller's transaction."""
    record = Submission(
        reference=reference,
        receipt_hash=receipt_hash,
        channel=channel,
        received_by=submission.received_by,
        received_at=received_at,
        category=submission.category,
        respondent_type=submission.respondent.type,
        respondent_territory=submission.respondent.territory,
        complainant_role=submission.complainant.role,
        anonymous=submission.complainant.anonymous,
        administration_contacted=submission.administration_contacted,
        court_case_pending=submission.court_case_pending,
        language=submission.language,
        relayed_by=relayed_by.model_dump(mode="json") if relayed_by else None,
    )
    seal(sealer, record, submission)
    repository.add_submission(session, record)
    add_event(
        session,
        ComplaintReceived(reference=reference, received_at=received_at, facts=facts_of(record)),
        source=SOURCE,
        subject=reference,
    )
    return record


def announce_contact(
    session: AsyncSession,
    transport_keys: StaticKeys,
    reference: str,
    change: Literal["submitted", "added", "removed"],
    contact: ContactDetails | None,
    language: str,
    at: datetime,
) -> None:
    """Write `complaint.contact-changed` to the outbox, the addresses sealed for the bus."""
    add_event(
        session,
        ComplaintContactChanged(
            reference=reference,
            change=change,
            sealed_contact=(
                seal_for_transport(transport_keys, reference, contact) if contact else None
            ),
            language=cast(Language, language),
            at=at,
        ),
        source=SOURCE,
        subject=reference,
    )


def _announce_submitted(
    session: AsyncSession,
    transport_keys: StaticKeys,
    reference: str,
    submission: ComplaintSubmission,
    at: datetime,
) -> None:
    """Announce the addresses given with a complaint, if any, in the caller's transaction."""
    complainant = submission.complainant
    contact = ContactDetails(email=complainant.email, phone=complainant.phone)
    if not contact.is_empty():
        announce_contact(
            session, transport_keys, reference, "submitted", contact, submission.language, at
        )


async def matching_submission(db: Database, check: ReceiptCheck) -> Submission:
    """The submission behind a reference if the receipt is right; `NoMatch` for every miss."""
    async with db.sessions() as session:
        record = await repository.submission(session, check.reference)
    matched = await receipts.matches(record.receipt_hash if record else None, check.receipt)
    if record is None or not matched:
        raise NoMatch
    return record


async def check_receipt(db: Database, check: ReceiptCheck) -> SubmissionStatus:
    """What intake tells of the submission, if and only if the receipt is right."""
    return status_of(await matching_submission(db, check))


async def resubmit(
    db: Database, waiters: DecisionWaiters, check: ResubmissionCheck, now: datetime
) -> SubmissionStatus:
    """Route the same complaint again now that the administration has been contacted.

    A decision on its way to intake is waited for; `DecisionPending` when it has not come,
    `NotWaitingForPrerequisite` when the case is not held for the missing step.
    """
    await matching_submission(db, check)
    await waiters.until_decided(
        db.sessions,
        check.reference,
        lambda known: known is not None and decisions.decision_due(known),
    )
    async with db.transaction() as session:
        record = await repository.submission(session, check.reference, for_update=True)
        assert record is not None  # submissions are never deleted
        decisions.resubmit(record, now)
        add_event(
            session,
            ComplaintResubmitted(
                reference=record.reference,
                received_at=record.received_at,
                resubmitted_at=now,
                facts=facts_of(record),
            ),
            source=SOURCE,
            subject=record.reference,
        )
        return status_of(record)


def status_of(record: Submission) -> SubmissionStatus:
    return SubmissionStatus(
        reference=record.reference,
        received_at=record.received_at,
        received_by=record.received_by,
        language=record.language,
    )
