"""Deciding a complaint, by the engine or at triage, and announcing it, in one transaction.

A reference keeps every decision made about it; the one with the highest revision is current.
A triage desk's choice is a new decision, announced like the engine's, and is written down as
the rule that would have made it: a proposal someone may adopt into a mandate, never a silent
override of the engine.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.events import (
    CompetentInstitution,
    ComplaintFacts,
    ComplaintReceived,
    ComplaintResubmitted,
    ComplaintRouted,
    ComplaintTriageRequired,
)
from nowrongdoor.contracts.routing import TriageDecision
from nowrongdoor.outbox import add_event
from routing.domain import Decision, Registry, decide
from routing.models import RoutingDecision, TriageRuleProposal

SOURCE = "/services/routing"
TRIAGE_DECISION = "triage-decision"
# A proposed rule outranks the rules that tied, so adopting it settles the tie.
PROPOSAL_PRIORITY_STEP = 1


class DecisionNotFound(LookupError):
    """No decision this caller may act on exists for the reference."""


class AlreadyDecided(Exception):
    """The reference is no longer waiting for triage."""


class InvalidChoice(ValueError):
    """The triage choice names institutions that cannot take the case; `problems` says which."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


async def reroute_complaint(
    session: AsyncSession, resubmitted: ComplaintResubmitted, registry: Registry
) -> RoutingDecision:
    """Decide again, as a new revision, once the complainant has met a missing prerequisite."""
    latest = (
        await session.scalars(
            select(func.max(RoutingDecision.revision)).where(
                col(RoutingDecision.reference) == resubmitted.reference
            )
        )
    ).one()
    again = ComplaintReceived(
        reference=resubmitted.reference,
        received_at=resubmitted.received_at,
        facts=resubmitted.facts,
    )
    return route_complaint(session, again, registry, revision=(latest or 0) + 1)


def route_complaint(
    session: AsyncSession, received: ComplaintReceived, registry: Registry, *, revision: int = 1
) -> RoutingDecision:
    decision = decide(received.facts, registry)
    now = datetime.now(UTC)
    record = RoutingDecision(
        id=str(uuid.uuid4()),
        reference=received.reference,
        revision=revision,
        registry_version=decision.registry_version,
        outcome=decision.outcome,
        facts=received.facts.model_dump(mode="json"),
        competent=[c.model_dump(mode="json") for c in decision.competent],
        matched_rules=list(decision.matched_rules),
        excluding_rules=list(decision.excluding_rules),
        advice=decision.advice,
        candidates=list(decision.candidates),
        triage_institution_id=decision.triage_institution_id,
        reason=decision.reason,
        received_at=received.received_at,
        decided_at=now,
    )
    session.add(record)
    add_event(
        session,
        _announcement(decision, received, record, registry),
        source=SOURCE,
        subject=received.reference,
    )
    return record


async def current_decision(session: AsyncSession, reference: str) -> RoutingDecision | None:
    return (
        await session.scalars(
            select(RoutingDecision)
            .where(col(RoutingDecision.reference) == reference)
            .order_by(col(RoutingDecision.revision).desc())
            .limit(1)
        )
    ).first()


async def decision_history(session: AsyncSession, reference: str) -> list[RoutingDecision]:
    return list(
        (
            await session.scalars(
                select(RoutingDecision)
                .where(col(RoutingDecision.reference) == reference)
                .order_by(col(RoutingDecision.revision))
            )
        ).all()
    )


async def decide_at_triage(
    session: AsyncSession,
    registry: Registry,
    reference: str,
    caller: Principal,
    choice: TriageDecision,
) -> tuple[RoutingDecision, TriageRuleProposal]:
    """Record the triage desk's choice as the current decision, announce it, propose its rule.

    Only the desk the waiting decision names may decide; to anyone else the reference does not
    exist. Raises `PermissionError` when that desk's client lacks `cases:write`.
    """
    waiting = await current_decision(session, reference)
    if (
        waiting is None
        or caller.kind != "institution"
        or caller.institution_id is None
        or waiting.triage_institution_id != caller.institution_id
    ):
        raise DecisionNotFound(reference)
    caller.require("cases:write")
    if waiting.outcome != "triage":
        raise AlreadyDecided(reference)
    chosen = [choice.lead_institution_id, *choice.associated_institution_ids]
    problems = [
        f"{field}: no participating institution has this id"
        for field, institution_id in _fields_of(choice)
        if institution_id not in registry.institutions
    ]
    if len(set(chosen)) != len(chosen):
        problems.append("associated_institution_ids: each institution may appear only once")
    if problems:
        raise InvalidChoice(problems)

    facts = ComplaintFacts.model_validate(waiting.facts)
    chain = registry.territory_chains.get(facts.respondent_territory.strip().upper(), ())
    competent = [
        _competent(registry, institution_id, "associated" if position else "lead", facts, chain)
        for position, institution_id in enumerate(chosen)
    ]
    now = datetime.now(UTC)
    received_at = waiting.received_at or waiting.decided_at
    record = RoutingDecision(
        id=str(uuid.uuid4()),
        reference=reference,
        revision=waiting.revision + 1,
        registry_version=registry.version,
        outcome="competent",
        facts=waiting.facts,
        competent=[c.model_dump(mode="json") for c in competent],
        matched_rules=[],
        excluding_rules=[],
        advice=None,
        triage_institution_id=waiting.triage_institution_id,
        reason=TRIAGE_DECISION,
        decided_by=caller.client_id,
        note=choice.reason,
        received_at=received_at,
        decided_at=now,
    )
    session.add(record)
    received_by = facts.received_by if facts.received_by in registry.institutions else None
    add_event(
        session,
        ComplaintRouted(
            reference=reference,
            decision_id=record.id,
            registry_version=registry.version,
            outcome="competent",
            competent=competent,
            received_by=received_by,
            received_by_name=(
                registry.institution_name(received_by, facts.language) if received_by else None
            ),
            matched_rules=[],
            excluding_rules=[],
            advice=None,
            language=facts.language,
            received_at=received_at,
            decided_at=now,
            triaged_by=waiting.triage_institution_id,
            explanation=Decision(
                outcome="competent",
                reason="joint-case" if len(competent) > 1 else "single-institution",
                competent=tuple(competent),
                matched_rules=(),
                excluding_rules=(),
                missing_prerequisites=(),
                candidates=(),
                advice=None,
                triage_institution_id=None,
                registry_version=registry.version,
                registry=registry,
            ).explain(facts.language),
        ),
        source=SOURCE,
        subject=reference,
    )
    proposal = TriageRuleProposal(
        id=str(uuid.uuid4()),
        reference=reference,
        decision_id=record.id,
        engine_reason=waiting.reason or "",
        candidates=list(waiting.candidates or []),
        facts=_proposal_facts(facts),
        lead_institution_id=choice.lead_institution_id,
        associated_institution_ids=list(choice.associated_institution_ids),
        suggested_rule=_suggested_rule(registry, waiting, facts, chain),
        created_at=now,
    )
    session.add(proposal)
    await session.flush()
    return record, proposal


async def proposals_for(
    session: AsyncSession, institution_id: str | None
) -> list[TriageRuleProposal]:
    """Rule proposals, newest first: every one, or those naming one institution as lead."""
    query = select(TriageRuleProposal).order_by(
        col(TriageRuleProposal.created_at).desc(), col(TriageRuleProposal.id)
    )
    if institution_id is not None:
        query = query.where(col(TriageRuleProposal.lead_institution_id) == institution_id)
    return list((await session.scalars(query)).all())


def _fields_of(choice: TriageDecision) -> list[tuple[str, str]]:
    return [("lead_institution_id", choice.lead_institution_id)] + [
        (f"associated_institution_ids[{position}]", institution_id)
        for position, institution_id in enumerate(choice.associated_institution_ids)
    ]


def _competent(
    registry: Registry,
    institution_id: str,
    role: Literal["lead", "associated"],
    facts: ComplaintFacts,
    chain: tuple[str, ...],
) -> CompetentInstitution:
    institution = registry.institutions[institution_id]
    office = institution.office_for(chain)
    return CompetentInstitution(
        institution_id=institution_id,
        name=institution.name(facts.language),
        office_id=office.id if office else None,
        office_name=office.name(facts.language) if office else None,
        role=role,
    )


def _proposal_facts(facts: ComplaintFacts) -> dict[str, object]:
    return {
        "category": facts.category,
        "respondent_type": facts.respondent_type,
        "territory": facts.respondent_territory.strip().upper(),
        "complainant_role": facts.complainant_role,
        "administration_contacted": facts.administration_contacted,
        "court_case_pending": facts.court_case_pending,
        "anonymous": facts.anonymous,
    }


def _suggested_rule(
    registry: Registry, waiting: RoutingDecision, facts: ComplaintFacts, chain: tuple[str, ...]
) -> dict[str, object] | None:
    """The narrowest rule that would have chosen the same lead; none for an unknown territory,
    which needs the directory to know the place, not a rule."""
    if not chain:
        return None
    tied = [
        rule.priority
        for institution in registry.institutions.values()
        for rule in institution.rules
        if rule.id in waiting.matched_rules
    ]
    territory = chain[0]
    return {
        "id": f"triage-{facts.category}-{facts.respondent_type}-{territory.lower()}",
        "priority": max(tied, default=10) + PROPOSAL_PRIORITY_STEP,
        "categories": [facts.category],
        "respondent_types": [facts.respondent_type],
        "territories": [territory],
        "complainant_roles": [facts.complainant_role],
        "prerequisites": [],
        "exclusions": [],
    }


def _announcement(
    decision: Decision, received: ComplaintReceived, record: RoutingDecision, registry: Registry
) -> ComplaintRouted | ComplaintTriageRequired:
    facts = received.facts
    if decision.outcome == "triage":
        desk = decision.triage_institution_id
        assert desk is not None, "a triage decision always names its desk"
        return ComplaintTriageRequired(
            reference=received.reference,
            decision_id=record.id,
            registry_version=decision.registry_version,
            triage_institution_id=desk,
            triage_institution_name=registry.institution_name(desk, facts.language),
            reason=decision.reason,
            candidates=list(decision.candidates),
            language=facts.language,
            received_at=received.received_at,
            decided_at=record.decided_at,
            explanation=decision.explain(facts.language),
        )
    received_by = facts.received_by if facts.received_by in registry.institutions else None
    return ComplaintRouted(
        reference=received.reference,
        decision_id=record.id,
        registry_version=decision.registry_version,
        outcome=decision.outcome,
        competent=list(decision.competent),
        received_by=received_by,
        received_by_name=(
            registry.institution_name(received_by, facts.language) if received_by else None
        ),
        matched_rules=list(decision.matched_rules),
        excluding_rules=list(decision.excluding_rules),
        advice=decision.advice,
        language=facts.language,
        received_at=received.received_at,
        decided_at=record.decided_at,
        explanation=decision.explain(facts.language),
    )
