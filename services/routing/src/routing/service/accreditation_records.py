"""How an accreditation reads: its status on a day, its scope, its trail, its evidence, and the
views both sides are given."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from nowrongdoor import attachments
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.accreditation_events import (
    AccreditationApplied,
    AccreditationGranted,
    AccreditationRefused,
    AccreditationReinstated,
    AccreditationRenewed,
    AccreditationRevoked,
    AccreditationScopeFacts,
    AccreditationStepTaken,
    AccreditationSuspended,
)
from nowrongdoor.contracts.accreditations import (
    AccreditationAction,
    AccreditationCriteria,
    AccreditationScope,
    AccreditationStep,
    AccreditationView,
    Criterion,
    CriterionAnswer,
    CriterionAnswerView,
    Grant,
    Refusal,
    Reinstatement,
    Renewal,
    Revocation,
    Suspension,
)
from nowrongdoor.contracts.attachments import Attachment
from nowrongdoor.contracts.vocabulary import AccreditationStatus
from nowrongdoor.outbox import add_event
from routing import repository
from routing.domain import Institution, Registry, UnknownInstitution
from routing.domain import accreditation as lifecycle
from routing.models import (
    Accreditation,
    AccreditationAttachment,
    AccreditationCriteriaRecord,
    AccreditationStepRecord,
)

SOURCE = "/services/routing"

Decision = Grant | Refusal | Suspension | Reinstatement | Renewal | Revocation

EVENTS: dict[AccreditationAction, type[AccreditationStepTaken]] = {
    "apply": AccreditationApplied,
    "grant": AccreditationGranted,
    "refuse": AccreditationRefused,
    "suspend": AccreditationSuspended,
    "reinstate": AccreditationReinstated,
    "renew": AccreditationRenewed,
    "revoke": AccreditationRevoked,
}


class AccreditationNotFound(LookupError):
    """No accreditation this caller may see has this id."""


def acts_for(caller: Principal, institution_id: str) -> bool:
    return caller.kind == "institution" and caller.institution_id == institution_id


def institution_in(registry: Registry, institution_id: str) -> Institution:
    institution = registry.institutions.get(institution_id)
    if institution is None:
        raise UnknownInstitution(institution_id)
    return institution


async def visible(session: AsyncSession, caller: Principal, accreditation_id: str) -> Accreditation:
    """The accreditation, if the caller is its NGO, its institution or an administrator."""
    record = await repository.accreditation(session, accreditation_id)
    if record is None:
        raise AccreditationNotFound(accreditation_id)
    if caller.kind == "admin":
        return record
    mine = caller.institution_id is not None and (
        (caller.kind == "ngo" and record.ngo_id == caller.institution_id)
        or (caller.kind == "institution" and record.institution_id == caller.institution_id)
    )
    if not mine:
        raise AccreditationNotFound(accreditation_id)
    return record


def status_on(record: Accreditation, today: date) -> AccreditationStatus:
    return lifecycle.status_on(AccreditationStatus(record.status), record.expires_on, today)


def scope_of(record: Accreditation) -> AccreditationScope | None:
    if not record.categories or not record.territories:
        return None
    return AccreditationScope.model_validate(
        {"categories": record.categories, "territories": record.territories}
    )


def criteria_of(record: AccreditationCriteriaRecord) -> list[Criterion]:
    return [Criterion.model_validate(item) for item in record.criteria]


def criteria_view(
    institution_id: str, record: AccreditationCriteriaRecord | None
) -> AccreditationCriteria:
    if record is None:
        return AccreditationCriteria(institution_id=institution_id, criteria=[])
    return AccreditationCriteria(
        institution_id=institution_id,
        criteria=criteria_of(record),
        updated_at=record.updated_at,
    )


def record_step(
    session: AsyncSession,
    record: Accreditation,
    caller: Principal,
    action: AccreditationAction,
    previous: AccreditationStatus | None,
    *,
    now: datetime,
    decision: Decision | None = None,
) -> AccreditationStepRecord:
    """Append the step to the trail and write its event to the outbox, in the same transaction."""
    status = lifecycle.AFTER[action]
    details: dict[str, object] = {}
    reason: str | None = None
    if isinstance(decision, Grant):
        details = {
            "scope": decision.scope.model_dump(mode="json"),
            "expires_on": decision.expires_on.isoformat(),
        }
    elif isinstance(decision, Renewal):
        details = {"expires_on": decision.expires_on.isoformat()}
    elif isinstance(decision, Refusal):
        details = {"reasons": list(decision.reasons)}
    elif isinstance(decision, Suspension | Reinstatement | Revocation):
        reason = decision.reason
    step = AccreditationStepRecord(
        accreditation_id=record.id,
        action=action,
        status=status,
        by_client_id=caller.client_id,
        by_kind=caller.kind,
        at=now,
        reason=reason,
        details=details,
    )
    session.add(step)
    facts: dict[str, Any] = {
        "accreditation_id": record.id,
        "ngo_id": record.ngo_id,
        "institution_id": record.institution_id,
        "status": status,
        "previous_status": previous,
        "by_client_id": caller.client_id,
        "by_kind": caller.kind,
        "at": now,
    }
    if isinstance(decision, Grant):
        facts["scope"] = AccreditationScopeFacts(
            categories=list(decision.scope.categories),
            territories=list(decision.scope.territories),
        )
    if isinstance(decision, Grant | Renewal):
        facts["expires_on"] = decision.expires_on
    add_event(session, EVENTS[action](**facts), source=SOURCE, subject=record.id)
    return step


def view(
    record: Accreditation,
    trail: Sequence[AccreditationStepRecord],
    evidence: Sequence[AccreditationAttachment],
    today: date,
) -> AccreditationView:
    status = status_on(record, today)
    return AccreditationView(
        id=record.id,
        ngo_id=record.ngo_id,
        ngo_name=record.ngo_name,
        institution_id=record.institution_id,
        status=status,
        answers=answers_view(record, evidence),
        scope=scope_of(record),
        since=record.since,
        expires_on=record.expires_on,
        applied_at=record.applied_at,
        allowed=lifecycle.allowed_steps(status),
        history=[step_view(step) for step in trail],
    )


def answers_kept(answers: Sequence[CriterionAnswer]) -> list[dict[str, object]]:
    """The answers as their row keeps them: their words; their files are rows of their own."""
    return [answer.model_dump(mode="json", exclude={"attachments"}) for answer in answers]


def answers_view(
    record: Accreditation, evidence: Sequence[AccreditationAttachment]
) -> list[CriterionAnswerView]:
    """Each answer with its evidence listed beside it, so a criterion is read with its proof."""
    listed: dict[str, list[Attachment]] = {}
    for row in evidence:
        listed.setdefault(row.criterion_id, []).append(attachments.listed(row))
    return [
        CriterionAnswerView(
            criterion_id=str(answer["criterion_id"]),
            answer=str(answer["answer"]),
            attachments=listed.get(str(answer["criterion_id"]), []),
        )
        for answer in record.answers
    ]


def step_view(step: AccreditationStepRecord) -> AccreditationStep:
    details = step.details
    return AccreditationStep.model_validate(
        {
            "action": step.action,
            "status": step.status,
            "by_client_id": step.by_client_id,
            "by_kind": step.by_kind,
            "at": step.at,
            "reason": step.reason,
            "reasons": details.get("reasons", []),
            "scope": details.get("scope"),
            "expires_on": details.get("expires_on"),
        }
    )
