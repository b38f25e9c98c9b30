"""Triage: the desk's decision on a complaint the engine could not decide, and proposed rules."""

from __future__ import annotations

from fastapi import APIRouter

from nowrongdoor.auth import CallerDep
from nowrongdoor.contracts.routing import (
    InstitutionSummary,
    MandateRule,
    ProposalFacts,
    TriageDecided,
    TriageDecision,
    TriageRuleProposal,
)
from nowrongdoor.problems import FieldProblem, ProblemError
from nowrongdoor.runtime import RuntimeDep
from routing import service
from routing.api.dependencies import Reference, StoreDep, database_not_answering
from routing.models import TriageRuleProposal as ProposalRecord

router = APIRouter(prefix="/triage")


@router.post("/{reference}/decision")
async def decide_at_triage(
    choice: TriageDecision,
    reference: Reference,
    caller: CallerDep,
    runtime: RuntimeDep,
    store: StoreDep,
) -> TriageDecided:
    try:
        record, proposal = await service.decide_at_triage(
            runtime.sessions, store, reference, caller, choice, committed=runtime.relay.notify
        )
    except service.DecisionNotFound:
        raise ProblemError(404, "No complaint awaits your triage under this reference.") from None
    except service.DecidedMeanwhile:
        raise ProblemError(409, "This complaint was decided at the same moment.") from None
    except service.AlreadyDecided:
        raise ProblemError(409, "This complaint has already been decided.") from None
    except service.InvalidChoice as invalid:
        count = len(invalid.problems)
        raise ProblemError(
            422,
            f"{count} field{'s are' if count != 1 else ' is'} invalid; nothing was decided.",
            errors=[FieldProblem(field=p.field, message=p.message) for p in invalid.problems],
        ) from None
    except service.DatabaseUnavailable:
        raise database_not_answering() from None
    return TriageDecided(
        reference=reference,
        decision_id=record.id,
        registry_version=record.registry_version,
        institutions=[InstitutionSummary.model_validate(c) for c in record.competent],
        proposal_id=proposal.id,
    )


@router.get("/proposals")
async def list_triage_proposals(caller: CallerDep, runtime: RuntimeDep) -> list[TriageRuleProposal]:
    """Rules triage decisions propose: all for administrators, an institution's own otherwise."""
    try:
        proposals = await service.triage_proposals(runtime.sessions, caller)
    except service.NotPermitted:
        raise ProblemError(403, "Rule proposals are for institutions and administrators.") from None
    return [proposal_view(p) for p in proposals]


def proposal_view(proposal: ProposalRecord) -> TriageRuleProposal:
    return TriageRuleProposal(
        id=proposal.id,
        reference=proposal.reference,
        created_at=proposal.created_at,
        engine_reason=proposal.engine_reason,
        candidates=list(proposal.candidates),
        facts=ProposalFacts.model_validate(proposal.facts),
        lead_institution_id=proposal.lead_institution_id,
        associated_institution_ids=list(proposal.associated_institution_ids),
        suggested_rule=(
            MandateRule.model_validate(proposal.suggested_rule) if proposal.suggested_rule else None
        ),
        status="adopted" if proposal.status == "adopted" else "proposed",
        adopted_in_version=proposal.adopted_in_version,
    )
