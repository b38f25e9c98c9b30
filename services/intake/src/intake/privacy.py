"""Personal data after intake: export, erasure, staff reads, and what the case says about it.

Each export, erasure and staff read writes its audit row in the same transaction as what it
records. Erasing empties the sealed columns and keeps the facts, so the statistics stay whole.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from intake import audit
from intake.audit import Actor
from intake.models import CLOSED, TRIAGE, Submission
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.events import (
    CaseStatusChanged,
    ComplaintRouted,
    ComplaintTriageRequired,
)
from nowrongdoor.contracts.intake import ComplaintForStaff, ErasureReason, Identity, PersonalData
from nowrongdoor.crypto import Sealer

log = logging.getLogger(__name__)

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
}


def _open(sealer: Sealer, record: Submission) -> tuple[Identity | None, str | None, str | None]:
    reference = record.reference
    identity = (
        Identity.model_validate_json(sealer.open(record.sealed_identity, f"{reference}/identity"))
        if record.sealed_identity
        else None
    )
    description = (
        sealer.open(record.sealed_description, f"{reference}/description")
        if record.sealed_description
        else None
    )
    respondent = (
        sealer.open(record.sealed_respondent_name, f"{reference}/respondent")
        if record.sealed_respondent_name
        else None
    )
    return identity, description, respondent


def export(session: AsyncSession, sealer: Sealer, actor: Actor, record: Submission) -> PersonalData:
    """What intake holds about the complaint, opened for the complainant, and audited."""
    audit.record(
        session,
        actor,
        "export",
        reference=record.reference,
        detail="personal data already erased" if record.erased_at else None,
    )
    return personal_data(sealer, record)


def personal_data(sealer: Sealer, record: Submission) -> PersonalData:
    identity, description, respondent = _open(sealer, record)
    return PersonalData.model_validate(
        {
            **record.model_dump(include=_EXPORTED_FACTS),
            "erased": record.erased_at is not None,
            "erased_at": record.erased_at,
            "erasure_reason": record.erasure_reason,
            "identity": identity,
            "description": description,
            "respondent_name": respondent,
        }
    )


async def remove_personal_data(
    session: AsyncSession, reference: str, reason: ErasureReason, now: datetime
) -> bool:
    """Empty the sealed columns unless already empty; False when someone else got there first."""
    result = await session.execute(
        sa.update(Submission)
        .where(col(Submission.reference) == reference, col(Submission.erased_at).is_(None))
        .values(
            sealed_description=None,
            sealed_respondent_name=None,
            sealed_identity=None,
            erased_at=now,
            erasure_reason=reason,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def erase(
    session: AsyncSession, sealer: Sealer, actor: Actor, reference: str, now: datetime
) -> PersonalData:
    """Erase at the complainant's request; asking again changes nothing and is audited too."""
    erased_now = await remove_personal_data(session, reference, "request", now)
    audit.record(
        session,
        actor,
        "erase",
        reference=reference,
        detail=None if erased_now else "personal data already erased",
        at=now,
    )
    record = await session.get(Submission, reference, populate_existing=True)
    assert record is not None
    return personal_data(sealer, record)


async def read_for_staff(
    session: AsyncSession, sealer: Sealer, principal: Principal, reference: str
) -> ComplaintForStaff | None:
    """The complaint opened for staff of a competent institution, else None; always audited."""
    record = await session.get(Submission, reference)
    allowed = (
        record is not None
        and principal.kind == "institution"
        and principal.institution_id is not None
        and (
            principal.institution_id in record.competent_institution_ids
            # The desk that must decide where it goes reads it, until it has decided.
            or (
                record.decision_outcome == TRIAGE
                and principal.institution_id == record.triage_institution_id
            )
        )
    )
    audit.record(
        session,
        Actor.of(principal),
        "read-personal-data",
        reference=reference,
        detail=None if allowed else "refused: not competent for this complaint",
    )
    if not allowed or record is None:
        return None
    identity, description, respondent = _open(sealer, record)
    return ComplaintForStaff.model_validate(
        {
            **record.model_dump(include=_STAFF_FACTS),
            "identity": identity,
            "description": description,
            "respondent_name": respondent,
        }
    )


# -- what the other services tell intake about the case ----------------------------------------


async def record_decision(session: AsyncSession, routed: ComplaintRouted) -> None:
    """Remember which institutions are competent: they alone may read the complaint."""
    record = await _submission_told_of(session, routed.reference, "decision")
    if record is None:
        return
    competent = sorted({c.institution_id for c in routed.competent})
    record.involved_institution_ids = _union(record.involved_institution_ids, competent)
    # Decisions can arrive out of order after a redelivery; the latest one decides who reads.
    if record.decided_at is None or routed.decided_at >= record.decided_at:
        record.competent_institution_ids = competent
        record.decided_at = routed.decided_at
        record.decision_outcome = routed.outcome


async def record_triage(session: AsyncSession, triage: ComplaintTriageRequired) -> None:
    """Remember the desk that must decide: its staff may read the complaint to do so."""
    record = await _submission_told_of(session, triage.reference, "triage")
    if record is None:
        return
    if record.decided_at is None or triage.decided_at >= record.decided_at:
        record.decided_at = triage.decided_at
        record.decision_outcome = TRIAGE
        record.triage_institution_id = triage.triage_institution_id


async def record_status(session: AsyncSession, changed: CaseStatusChanged) -> None:
    """Remember the case's status, and when it closed: retention counts from then."""
    record = await _submission_told_of(session, changed.reference, "status")
    if record is None:
        return
    record.involved_institution_ids = _union(
        record.involved_institution_ids, changed.institution_ids
    )
    if record.status_changed_at is not None and changed.changed_at < record.status_changed_at:
        return
    record.case_status = changed.status
    record.status_changed_at = changed.changed_at
    if changed.status != CLOSED:
        record.closed_at = None
    elif record.closed_at is None:
        record.closed_at = changed.changed_at


async def _submission_told_of(
    session: AsyncSession, reference: str, news: str
) -> Submission | None:
    """The submission an event is about, locked for the update; None, with a warning, if unknown."""
    record = await session.get(Submission, reference, with_for_update=True)
    if record is None:
        log.warning("news of an unknown submission", extra={"reference": reference, "news": news})
    return record


def _union(known: list[str], more: list[str]) -> list[str]:
    # A new list, so the JSON column is seen as changed.
    return sorted(set(known) | set(more))
