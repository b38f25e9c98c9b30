"""Accepting a complaint: the rules, with no web or bus in sight."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from intake.models import CLOSED, PREREQUISITE_MISSING, Submission
from nowrongdoor.contracts.events import ComplaintFacts, ComplaintReceived, ComplaintResubmitted
from nowrongdoor.contracts.intake import ComplaintSubmission
from nowrongdoor.contracts.vocabulary import Channel
from nowrongdoor.crypto import Sealer
from nowrongdoor.ids import new_receipt, new_reference
from nowrongdoor.outbox import add_event

SOURCE = "/services/intake"

# Argon2id, RFC 9106's second recommended profile: slow enough to make a stolen table useless.
receipt_hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)
# A hash to verify against when the reference is unknown, so both paths cost the same.
_DECOY_HASH = receipt_hasher.hash(new_receipt())


async def hash_receipt(receipt: str) -> str:
    return await asyncio.to_thread(receipt_hasher.hash, receipt)


async def receipt_matches(receipt_hash: str | None, receipt: str) -> bool:
    def verify() -> bool:
        try:
            return receipt_hasher.verify(receipt_hash or _DECOY_HASH, receipt)
        except (VerificationError, InvalidHashError):
            return False

    matched = await asyncio.to_thread(verify)
    return matched and receipt_hash is not None


def accept_complaint(
    session: AsyncSession,
    sealer: Sealer,
    submission: ComplaintSubmission,
    channel: Channel,
    *,
    reference: str,
    receipt_hash: str,
) -> Submission:
    """Store the complaint sealed and announce its facts; the caller's transaction commits both."""
    received_at = datetime.now(UTC)
    complainant = submission.complainant
    identity = {
        key: value
        for key, value in {
            "name": complainant.name,
            "email": complainant.email,
            "phone": complainant.phone,
        }.items()
        if value
    }
    record = Submission(
        reference=reference,
        receipt_hash=receipt_hash,
        channel=channel,
        received_by=submission.received_by,
        received_at=received_at,
        category=submission.category,
        respondent_type=submission.respondent.type,
        respondent_territory=submission.respondent.territory,
        complainant_role=complainant.role,
        anonymous=complainant.anonymous,
        administration_contacted=submission.administration_contacted,
        court_case_pending=submission.court_case_pending,
        language=submission.language,
        sealed_description=sealer.seal(submission.description, f"{reference}/description"),
        sealed_respondent_name=sealer.seal(submission.respondent.name, f"{reference}/respondent"),
        sealed_identity=(
            sealer.seal(json.dumps(identity), f"{reference}/identity") if identity else None
        ),
    )
    session.add(record)
    add_event(
        session,
        ComplaintReceived(reference=reference, received_at=received_at, facts=facts_of(record)),
        source=SOURCE,
        subject=reference,
    )
    return record


def facts_of(record: Submission) -> ComplaintFacts:
    """What routing may know of a complaint: its facts, never who filed it or their words."""
    return ComplaintFacts.model_validate(
        {
            "category": record.category,
            "respondent_type": record.respondent_type,
            "respondent_territory": record.respondent_territory,
            "complainant_role": record.complainant_role,
            "anonymous": record.anonymous,
            "administration_contacted": record.administration_contacted,
            "court_case_pending": record.court_case_pending,
            "language": record.language,
            "received_by": record.received_by,
            "channel": record.channel,
        }
    )


class NotWaitingForPrerequisite(Exception):
    """The case is not held for a missing prerequisite, so there is nothing to come back with."""


class DecisionPending(Exception):
    """Routing's decision on the complaint as it last came in has not reached intake yet."""


def resubmit(record: Submission, session: AsyncSession, now: datetime) -> None:
    """The complainant has now contacted the administration: route the same complaint again.

    Whether the case is held is routing's decision, learned from its event; the case view
    learns it from the same event, so intake may be a moment behind what the complainant
    sees. `DecisionPending` says so, and the caller may wait for it.
    """
    if record.case_status == CLOSED:
        raise NotWaitingForPrerequisite(record.reference)
    if record.decision_outcome is None:
        raise DecisionPending(record.reference)
    if record.decision_outcome != PREREQUISITE_MISSING:
        raise NotWaitingForPrerequisite(record.reference)
    record.administration_contacted = True
    record.case_status = "resubmitted"
    record.status_changed_at = now
    record.decision_outcome = None  # the earlier decision no longer stands; a new one is due
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


def fresh_credentials() -> tuple[str, str]:
    return new_reference(), new_receipt()
