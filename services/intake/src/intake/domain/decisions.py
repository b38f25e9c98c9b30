"""What routing's decisions and the case's status mean for a submission, and who may read it.

Intake learns both from other services' events, which can arrive late, twice or out of order:
the latest decision decides who reads, and a status older than the one known changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from intake.models import Submission
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.events import (
    CaseInvitationAnswered,
    CasePartLeft,
    CaseStatusChanged,
    CaseTransferred,
    ComplaintRouted,
    ComplaintTriageRequired,
)
from nowrongdoor.contracts.vocabulary import CaseStatus, RoutingOutcome

RESUBMITTED = "resubmitted"
"""Intake's own case status: sent back to routing with the missing step met."""


class NotWaitingForPrerequisite(Exception):
    """The case is not held for a missing prerequisite, so there is nothing to come back with."""


class DecisionPending(Exception):
    """Routing's decision on the complaint as it last came in has not reached intake yet."""


def decision_due(record: Submission) -> bool:
    """Routing has yet to decide on the complaint as it last came in, as far as intake knows."""
    return record.decision_outcome is None


def learn_decision(record: Submission, routed: ComplaintRouted) -> None:
    """Remember which institutions are competent: they alone may read the complaint."""
    competent = sorted({c.institution_id for c in routed.competent})
    record.involved_institution_ids = _union(record.involved_institution_ids, competent)
    if record.decided_at is None or routed.decided_at >= record.decided_at:
        record.competent_institution_ids = competent
        record.decided_at = routed.decided_at
        record.decision_outcome = routed.outcome


def learn_triage(record: Submission, triage: ComplaintTriageRequired) -> None:
    """Remember the desk that must decide: its staff may read the complaint to do so."""
    if record.decided_at is None or triage.decided_at >= record.decided_at:
        record.decided_at = triage.decided_at
        record.decision_outcome = RoutingOutcome.TRIAGE
        record.triage_institution_id = triage.triage_institution_id


ENDED = frozenset({CaseStatus.CLOSED, CaseStatus.WITHDRAWN})
"""Statuses after which nothing more happens to a case, and its retention period runs."""


def learn_status(record: Submission, changed: CaseStatusChanged) -> None:
    """Remember the case's status, and when it ended: retention counts from then."""
    record.involved_institution_ids = _union(
        record.involved_institution_ids, changed.institution_ids
    )
    if record.status_changed_at is not None and changed.changed_at < record.status_changed_at:
        return
    record.case_status = changed.status
    record.status_changed_at = changed.changed_at
    if changed.status not in ENDED:
        record.closed_at = None
    elif record.closed_at is None:
        record.closed_at = changed.changed_at


def learn_transfer(record: Submission, transferred: CaseTransferred) -> None:
    """A part handed on after opening: the institution named reads the complaint from now on,
    and the one that declined competence no longer does."""
    competent = [
        i for i in record.competent_institution_ids if i != transferred.from_institution_id
    ]
    if transferred.to_institution_id and transferred.to_institution_id not in competent:
        competent.append(transferred.to_institution_id)
        record.involved_institution_ids = _union(
            record.involved_institution_ids, [transferred.to_institution_id]
        )
    record.competent_institution_ids = competent


def learn_joining(record: Submission, answered: CaseInvitationAnswered) -> None:
    """An institution asked to take part in the case accepted: it reads the complaint from now
    on. One that declined never read it."""
    if not answered.accepted:
        return
    if answered.institution_id not in record.competent_institution_ids:
        record.competent_institution_ids = [
            *record.competent_institution_ids,
            answered.institution_id,
        ]
    record.involved_institution_ids = _union(
        record.involved_institution_ids, [answered.institution_id]
    )


def learn_leaving(record: Submission, left: CasePartLeft) -> None:
    """An institution left the joint case: it no longer reads the complaint."""
    record.competent_institution_ids = [
        i for i in record.competent_institution_ids if i != left.institution_id
    ]


def resubmit(record: Submission, now: datetime) -> None:
    """The complainant has now contacted the administration: the complaint goes to routing again.

    Whether the case is held is routing's decision, learned from its event; the case view learns
    it from the same event, so intake may be a moment behind what the complainant sees.
    `DecisionPending` says so, and the caller may wait for it.
    """
    if record.case_status in ENDED:
        raise NotWaitingForPrerequisite(record.reference)
    if decision_due(record):
        raise DecisionPending(record.reference)
    if record.decision_outcome != RoutingOutcome.PREREQUISITE_MISSING:
        raise NotWaitingForPrerequisite(record.reference)
    record.administration_contacted = True
    record.case_status = RESUBMITTED
    record.status_changed_at = now
    record.decision_outcome = None  # the earlier decision no longer stands; a new one is due


def staff_may_read(principal: Principal, record: Submission | None) -> bool:
    """Staff of a competent institution read the complaint, and the triage desk until it decides."""
    if record is None or principal.kind != "institution" or principal.institution_id is None:
        return False
    return principal.institution_id in record.competent_institution_ids or (
        record.decision_outcome == RoutingOutcome.TRIAGE
        and principal.institution_id == record.triage_institution_id
    )


def decision_may_admit(principal: Principal, record: Submission | None) -> bool:
    """Whether a decision still due could let this reader in: only then is it worth waiting for."""
    return (
        record is not None
        and decision_due(record)
        and principal.kind == "institution"
        and principal.institution_id is not None
        and not staff_may_read(principal, record)
    )


def _union(known: list[str], more: list[str]) -> list[str]:
    # A new list, so the JSON column is seen as changed.
    return sorted(set(known) | set(more))
