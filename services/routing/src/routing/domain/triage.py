"""A triage desk's choice: who may take the case, the decision it makes, the rule it proposes.

A choice is never a silent override of the engine: it is a decision of its own, and it is written
down as the narrowest rule that would have made the engine choose the same, for someone to adopt.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from nowrongdoor.contracts.events import ComplaintFacts
from nowrongdoor.contracts.vocabulary import RoutingOutcome
from routing.domain.decide import Decision, competent_institution
from routing.domain.registry import Registry

DEFAULT_PRIORITY = 10
PROPOSAL_PRIORITY_STEP = 1
"""A proposed rule outranks the rules that tied, so adopting it settles the tie."""


@dataclass(frozen=True, slots=True)
class ChoiceProblem:
    """One reason the desk's choice cannot be recorded, and the field of the choice it is about."""

    field: str
    message: str


def choice_problems(
    registry: Registry,
    lead_institution_id: str,
    associated_institution_ids: Sequence[str],
    *,
    declined: Collection[str] = (),
) -> list[ChoiceProblem]:
    """Each institution of the choice that cannot take the case, having `declined` it among
    them; empty when all can."""
    named = [("lead_institution_id", lead_institution_id)] + [
        (f"associated_institution_ids[{position}]", institution_id)
        for position, institution_id in enumerate(associated_institution_ids)
    ]
    problems = [
        ChoiceProblem(field, "no participating institution has this id")
        for field, institution_id in named
        if institution_id not in registry.institutions
    ]
    problems += [
        ChoiceProblem(field, "this institution declined the case; choose another")
        for field, institution_id in named
        if institution_id in declined
    ]
    chosen = [lead_institution_id, *associated_institution_ids]
    if len(set(chosen)) != len(chosen):
        problems.append(
            ChoiceProblem("associated_institution_ids", "each institution may appear only once")
        )
    return problems


def decided_at_triage(registry: Registry, facts: ComplaintFacts, chosen: Sequence[str]) -> Decision:
    """The desk's choice as a decision: the first institution leads, the others are associated."""
    chain = registry.territory_chain(facts.respondent_territory) or ()
    return Decision.made(
        RoutingOutcome.COMPETENT,
        "joint-case" if len(chosen) > 1 else "single-institution",
        registry,
        competent=tuple(
            competent_institution(
                registry.institutions[institution_id],
                "associated" if position else "lead",
                facts.language,
                chain,
            )
            for position, institution_id in enumerate(chosen)
        ),
    )


def proposal_facts(facts: ComplaintFacts) -> dict[str, object]:
    """The facts a proposal keeps: those a rule can test, never who complained."""
    return {
        "category": facts.category,
        "respondent_type": facts.respondent_type,
        "territory": facts.respondent_territory.strip().upper(),
        "complainant_role": facts.complainant_role,
        "administration_contacted": facts.administration_contacted,
        "court_case_pending": facts.court_case_pending,
        "anonymous": facts.anonymous,
    }


def suggested_rule(
    registry: Registry, facts: ComplaintFacts, tied_rules: Sequence[str]
) -> dict[str, object] | None:
    """The narrowest rule that would have chosen the same lead over `tied_rules`; none for an
    unknown territory, which needs the directory to know the place, not a rule."""
    chain = registry.territory_chain(facts.respondent_territory)
    if not chain:
        return None
    priorities = [
        rule.priority
        for institution in registry.institutions.values()
        for rule in institution.rules
        if rule.id in tied_rules
    ]
    territory = chain[0]
    return {
        "id": f"triage-{facts.category}-{facts.respondent_type}-{territory.lower()}",
        "priority": max(priorities, default=DEFAULT_PRIORITY) + PROPOSAL_PRIORITY_STEP,
        "categories": [facts.category],
        "respondent_types": [facts.respondent_type],
        "territories": [territory],
        "complainant_roles": [facts.complainant_role],
        "prerequisites": [],
        "exclusions": [],
    }
