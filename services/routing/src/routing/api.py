"""Routing's internal HTTP API: the directory and its mandates, the guide, decisions and triage.

Every route needs the gateway's signed token; who the caller is decides what it may change.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from sqlalchemy.exc import IntegrityError

from nowrongdoor.auth import CallerDep, Principal, internal_principal
from nowrongdoor.contracts.routing import (
    Guide,
    GuideAnswer,
    GuideAnswers,
    InstitutionSummary,
    InstitutionView,
    Mandate,
    MandateChange,
    MandateRule,
    MandateSaved,
    OfficeView,
    ProposalFacts,
    RegistryVersionView,
    ServiceStandardsView,
    TriageDecided,
    TriageDecision,
    TriageRuleProposal,
)
from nowrongdoor.contracts.vocabulary import INSTITUTION_ID_PATTERN, Language
from nowrongdoor.ids import REFERENCE_PATTERN
from nowrongdoor.problems import FieldProblem, ProblemError
from nowrongdoor.runtime import RuntimeDep
from routing import guide, registry, service
from routing.domain import Institution, Registry
from routing.models import TriageRuleProposal as ProposalRecord
from routing.registry import RegistryStore
from routing.schemas import DecisionPublic

router = APIRouter(prefix="/internal", tags=["routing"], dependencies=[Depends(internal_principal)])

InstitutionId = Annotated[str, Path(pattern=INSTITUTION_ID_PATTERN)]
Reference = Annotated[str, Path(pattern=REFERENCE_PATTERN)]
LanguageQuery = Annotated[Language, Query(alias="lang")]
NO_INSTITUTION = "No institution with this id."


def get_store(request: Request) -> RegistryStore:
    store: RegistryStore = request.app.state.registry_store
    return store


StoreDep = Annotated[RegistryStore, Depends(get_store)]


async def _current(runtime: RuntimeDep, store: StoreDep) -> Registry:
    async with runtime.sessions() as session:
        return await store.current(session)


CurrentRegistryDep = Annotated[Registry, Depends(_current)]


# --- The directory ------------------------------------------------------------------------------


def institution_view(institution: Institution, language: str, version: str) -> InstitutionView:
    standards = institution.service_standards
    return InstitutionView(
        institution_id=institution.id,
        name=institution.name(language),
        territory=institution.territory,
        languages=list(institution.languages),
        offices=[
            OfficeView(
                office_id=office.id,
                name=office.name(language),
                territories=sorted(office.territories),
            )
            for office in institution.offices
        ],
        service_standards=ServiceStandardsView.model_validate(standards.model_dump()),
        categories=sorted({c for rule in institution.rules for c in rule.categories}),
        registry_version=version,
    )


@router.get("/institutions")
async def list_institutions(
    current: CurrentRegistryDep, language: LanguageQuery = "en"
) -> list[InstitutionView]:
    return [
        institution_view(institution, language, current.version)
        for institution in sorted(current.institutions.values(), key=lambda i: i.id)
    ]


@router.get("/institutions/{institution_id}")
async def get_institution(
    current: CurrentRegistryDep, institution_id: InstitutionId, language: LanguageQuery = "en"
) -> InstitutionView:
    institution = current.institutions.get(institution_id)
    if institution is None:
        raise ProblemError(404, NO_INSTITUTION)
    return institution_view(institution, language, current.version)


@router.get("/institutions/{institution_id}/mandate")
async def get_mandate(
    current: CurrentRegistryDep, institution_id: InstitutionId, response: Response
) -> Mandate:
    try:
        rules = registry.mandate_of(current, institution_id)
    except registry.UnknownInstitution:
        raise ProblemError(404, NO_INSTITUTION) from None
    response.headers["ETag"] = registry.mandate_etag(rules)
    return Mandate(
        institution_id=institution_id,
        registry_version=current.version,
        rules=[MandateRule.model_validate(rule) for rule in rules],
    )


def may_change_mandate(caller: Principal, institution_id: str) -> None:
    """An institution changes its own mandate with `mandate:write`; an administrator any.

    To every other caller the institution does not exist, so ids cannot be probed.
    """
    if caller.kind == "admin":
        return
    if caller.kind == "institution" and caller.institution_id == institution_id:
        caller.require("mandate:write")
        return
    raise ProblemError(404, NO_INSTITUTION)


@router.put("/institutions/{institution_id}/mandate")
async def change_mandate(
    change: MandateChange,
    institution_id: InstitutionId,
    caller: CallerDep,
    runtime: RuntimeDep,
    store: StoreDep,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> MandateSaved:
    may_change_mandate(caller, institution_id)
    rules = [rule.model_dump() for rule in change.rules]
    try:
        saved = await registry.change_mandate(
            runtime.sessions,
            store,
            institution_id=institution_id,
            rules=rules,
            summary=change.summary,
            actor=caller.client_id,
            adopted_proposals=change.adopted_proposals,
            if_match=if_match,
        )
    except registry.UnknownInstitution:
        raise ProblemError(404, NO_INSTITUTION) from None
    except registry.StaleMandate:
        raise ProblemError(
            412,
            "The mandate changed since it was read; read it again and reapply the change.",
            slug="precondition-failed",
            title="Precondition failed",
        ) from None
    except registry.MandateRejected as rejected:
        raise ProblemError(
            422,
            f"The mandate cannot be used: {len(rejected.problems)} problem"
            f"{'s' if len(rejected.problems) != 1 else ''}; nothing was changed.",
            slug="invalid-mandate",
            title="Invalid mandate",
            errors=[mandate_problem(problem, rules) for problem in rejected.problems],
        ) from None
    except registry.RegistryBusy:
        raise ProblemError(
            503,
            "The directory is being changed by others; nothing was changed. Try again.",
            headers={"Retry-After": "1"},
        ) from None
    saved_rules = registry.mandate_of(saved.registry, institution_id)
    response.headers["ETag"] = registry.mandate_etag(saved_rules)
    return MandateSaved(
        institution_id=institution_id,
        registry_version=saved.registry.version,
        rules=[MandateRule.model_validate(rule) for rule in saved_rules],
        changed=saved.changed,
    )


def mandate_problem(problem: str, rules: list[dict[str, object]]) -> FieldProblem:
    """Point a problem at the rule it is about, when it names one."""
    for position, rule in enumerate(rules):
        if problem.startswith((f"rule {rule['id']!r}", f"rule #{position}:")):
            return FieldProblem(field=f"rules[{position}]", message=problem)
    if problem.startswith("proposal "):
        return FieldProblem(field="adopted_proposals", message=problem)
    return FieldProblem(field="rules", message=problem)


@router.get("/registry/versions")
async def list_registry_versions(
    caller: CallerDep, runtime: RuntimeDep
) -> list[RegistryVersionView]:
    """The directory's history, newest first: for administrators."""
    if caller.kind != "admin":
        raise ProblemError(403, "The directory's history is for administrators.")
    async with runtime.sessions() as session:
        versions, current = await registry.history(session)
    return [view_of_version(version, current) for version in versions]


def view_of_version(version: registry.VersionSummary, current: int | None) -> RegistryVersionView:
    return RegistryVersionView(
        number=version.number,
        version=version.version,
        created_at=version.created_at,
        actor=version.actor,
        summary=version.summary,
        current=version.number == current,
    )


# --- The guide ----------------------------------------------------------------------------------


@router.get("/guide")
async def get_guide(current: CurrentRegistryDep, language: LanguageQuery = "en") -> Guide:
    return guide.questions(current, language)


@router.post("/guide/answers")
async def answer_guide(
    answers: GuideAnswers, current: CurrentRegistryDep, language: LanguageQuery = "en"
) -> GuideAnswer:
    # Nothing here is stored or logged: the answers live only in this request.
    return guide.answer(answers, current, language)


# --- Decisions and triage -----------------------------------------------------------------------


@router.get("/decisions/{reference}")
async def get_decision(runtime: RuntimeDep, reference: Reference) -> DecisionPublic:
    """The current decision: the latest made about this reference."""
    async with runtime.sessions() as session:
        record = await service.current_decision(session, reference)
    if record is None:
        raise ProblemError(404, "No decision for this reference.")
    return DecisionPublic.model_validate(record, from_attributes=True)


@router.get("/decisions/{reference}/history")
async def get_decision_history(runtime: RuntimeDep, reference: Reference) -> list[DecisionPublic]:
    """Every decision made about this reference, the engine's first."""
    async with runtime.sessions() as session:
        records = await service.decision_history(session, reference)
    if not records:
        raise ProblemError(404, "No decision for this reference.")
    return [DecisionPublic.model_validate(r, from_attributes=True) for r in records]


@router.post("/triage/{reference}/decision")
async def decide_at_triage(
    choice: TriageDecision,
    reference: Reference,
    caller: CallerDep,
    runtime: RuntimeDep,
    store: StoreDep,
) -> TriageDecided:
    try:
        async with runtime.transaction() as session:
            current = await store.current(session)
            record, proposal = await service.decide_at_triage(
                session, current, reference, caller, choice
            )
    except service.DecisionNotFound:
        raise ProblemError(404, "No complaint awaits your triage under this reference.") from None
    except service.AlreadyDecided:
        raise ProblemError(409, "This complaint has already been decided.") from None
    except IntegrityError:
        raise ProblemError(409, "This complaint was decided at the same moment.") from None
    except service.InvalidChoice as invalid:
        raise ProblemError(
            422,
            f"{len(invalid.problems)} field{'s are' if len(invalid.problems) != 1 else ' is'} "
            "invalid; nothing was decided.",
            errors=[
                FieldProblem(field=problem.split(":", 1)[0], message=problem.split(": ", 1)[1])
                for problem in invalid.problems
            ],
        ) from None
    return TriageDecided(
        reference=reference,
        decision_id=record.id,
        registry_version=record.registry_version,
        institutions=[InstitutionSummary.model_validate(c) for c in record.competent],
        proposal_id=proposal.id,
    )


@router.get("/triage/proposals")
async def list_triage_proposals(caller: CallerDep, runtime: RuntimeDep) -> list[TriageRuleProposal]:
    """Rules triage decisions propose: all for administrators, an institution's own otherwise."""
    if caller.kind == "admin":
        institution_id = None
    elif caller.kind == "institution" and caller.institution_id:
        caller.require("mandate:write")
        institution_id = caller.institution_id
    else:
        raise ProblemError(403, "Rule proposals are for institutions and administrators.")
    async with runtime.sessions() as session:
        proposals = await service.proposals_for(session, institution_id)
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
