"""The personal data intake holds: the complainant's export and erasure, staff reads; all audited.

Each export, erasure and staff read writes its audit row in the same transaction as what it
records. Erasing empties the sealed columns and keeps the facts, so the statistics stay whole.
"""

from __future__ import annotations

from datetime import datetime

from intake import repository
from intake.domain import decisions
from intake.domain.audit import Actor
from intake.models import Submission
from intake.service import Database
from intake.service.decisions import DecisionWaiters
from intake.service.removal import remove_personal_data
from intake.service.sealing import open_contact, open_sealed
from intake.service.submissions import matching_submission
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.intake import ComplaintForStaff, PersonalData, ReceiptCheck
from nowrongdoor.crypto import Sealer

ALREADY_ERASED = "personal data already erased"
NOT_COMPETENT = "refused: not competent for this complaint"
DECISION_PENDING = "refused: routing's decision still on its way"

_EXPORTED_FACTS = {
    "reference",
    "received_at",
    "received_by",
    "channel",
    "category",
    "respondent_type",
    "respondent_territory",
    "language",
}
_STAFF_FACTS = _EXPORTED_FACTS | {
    "complainant_role",
    "anonymous",
    "administration_contacted",
    "court_case_pending",
    "competent_institution_ids",
    "erased_at",
    "relayed_by",
}


async def export(
    db: Database, sealer: Sealer, check: ReceiptCheck, actor: Actor, now: datetime
) -> PersonalData:
    """Everything held about the complaint, opened for whoever holds its receipt; audited."""
    await matching_submission(db, check)
    async with db.transaction() as session:
        record = await repository.submission(session, check.reference)
        assert record is not None  # submissions are never deleted
        repository.add_audit_entry(
            session,
            actor,
            "export",
            at=now,
            reference=record.reference,
            detail=ALREADY_ERASED if record.erased_at else None,
        )
        return personal_data(sealer, record)


async def erase(
    db: Database, sealer: Sealer, check: ReceiptCheck, actor: Actor, now: datetime
) -> PersonalData:
    """Erase the identity, description and respondent name; the facts stay. Audited.

    The other services are told to remove theirs. Asking again changes nothing, and is audited
    too.
    """
    await matching_submission(db, check)
    async with db.transaction() as session:
        erased_now = await remove_personal_data(session, check.reference, "request", now)
        repository.add_audit_entry(
            session,
            actor,
            "erase",
            at=now,
            reference=check.reference,
            detail=None if erased_now else ALREADY_ERASED,
        )
        record = await repository.submission(session, check.reference, fresh=True)
        assert record is not None
        return personal_data(sealer, record)


def personal_data(sealer: Sealer, record: Submission) -> PersonalData:
    identity, description, respondent = open_sealed(sealer, record)
    contact = open_contact(sealer, record, identity)
    return PersonalData.model_validate(
        {
            **record.model_dump(include=_EXPORTED_FACTS),
            "erased": record.erased_at is not None,
            "erased_at": record.erased_at,
            "erasure_reason": record.erasure_reason,
            "identity": identity,
            "description": description,
            "respondent_name": respondent,
            "contact": None if contact.is_empty() else contact,
        }
    )


async def read_for_staff(
    db: Database,
    sealer: Sealer,
    waiters: DecisionWaiters,
    principal: Principal,
    reference: str,
    now: datetime,
) -> ComplaintForStaff | None:
    """The complaint opened for staff of a competent institution, else None; always audited.

    While a decision that could let this reader in is on its way to intake, the read waits for
    it; `DecisionPending` when it has not come.
    """
    await waiters.until_decided(
        db.sessions, reference, lambda known: decisions.decision_may_admit(principal, known)
    )
    async with db.transaction() as session:
        record = await repository.submission(session, reference)
        allowed = decisions.staff_may_read(principal, record)
        pending = decisions.decision_may_admit(principal, record)
        repository.add_audit_entry(
            session,
            Actor.of(principal),
            "read-personal-data",
            at=now,
            reference=reference,
            detail=None if allowed else DECISION_PENDING if pending else NOT_COMPETENT,
        )
    if pending:
        raise decisions.DecisionPending(reference)
    if not allowed or record is None:
        return None
    identity, description, respondent = open_sealed(sealer, record)
    return ComplaintForStaff.model_validate(
        {
            **record.model_dump(include=_STAFF_FACTS),
            "identity": identity,
            "description": description,
            "respondent_name": respondent,
        }
    )
