"""Deciding again once an institution declined an opened case: never for those that declined.

An institution that transfers its part without naming the one it believes competent sends the
case back to routing. The engine then decides over the directory as if every institution that
declined the case were not in it: their rules match nothing and none of them is a triage desk.
Institutions still taking part keep their place in the decision (their parts go on), so the new
decision lists them too: those who read the complaint are those the decision names.

1. The engine names a competent institution, or a triage desk: that is the decision, with those
   still taking part added as associated when the engine did not name them.
2. Otherwise, with institutions still taking part, the case stays with them.
3. Otherwise, when the whole directory finds someone competent (only they all declined), a
   person decides at the door the complaint came through, or at the next desk the directory
   names for the country when the door declined too.
4. Otherwise the advice the directory gives when nobody is competent.

Each decline is written into the decision as an exclusion `<institution>/declined-competence`,
so the decision history alone says who declined, for every later decision to respect.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence

from nowrongdoor.contracts.events import CompetentInstitution, ComplaintFacts
from nowrongdoor.contracts.vocabulary import RoutingOutcome
from routing.domain.decide import Decision, competent_institution, decide, triage_desk
from routing.domain.registry import Registry

DECLINED = "declined-competence"
"""The exclusion a decline is recorded as, after the institution's id."""


def declined_marker(institution_id: str) -> str:
    """The exclusion id that records `institution_id` declining the case."""
    return f"{institution_id}/{DECLINED}"


def declined_in(excluding_rules: Iterable[str]) -> list[str]:
    """The institutions a decision's exclusions say declined the case, in recorded order."""
    suffix = f"/{DECLINED}"
    return list(
        dict.fromkeys(rule[: -len(suffix)] for rule in excluding_rules if rule.endswith(suffix))
    )


def without(registry: Registry, declined: Collection[str]) -> Registry:
    """The registry as the engine sees it for a declined case; names and version unchanged."""
    if not declined:
        return registry
    return dataclasses.replace(
        registry,
        rule_index={
            key: kept
            for key, rules in registry.rule_index.items()
            if (kept := tuple(r for r in rules if r.institution_id not in declined))
        },
        triage_desks={
            country: desk for country, desk in registry.triage_desks.items() if desk not in declined
        },
        institutions_by_country={
            country: serving
            for country, ids in registry.institutions_by_country.items()
            if (serving := tuple(i for i in ids if i not in declined))
        },
    )


def decide_after_transfer(
    facts: ComplaintFacts,
    registry: Registry,
    *,
    transferred_by: str,
    declined: Sequence[str],
    taking_part: Sequence[CompetentInstitution],
) -> Decision:
    """Decide `facts` again after `transferred_by` declined; the rules are the module's."""
    refused = list(dict.fromkeys([*declined, transferred_by]))
    staying = [c for c in taking_part if c.institution_id not in refused]
    # A door that declined is no desk: the directory's desk for the country is asked instead.
    door_declined = facts.received_by in refused
    seen_by = facts.model_copy(update={"received_by": None}) if door_declined else facts
    reduced = without(registry, refused)
    decision = decide(seen_by, reduced)
    if decision.outcome is RoutingOutcome.COMPETENT:
        decision = _keeping(decision, staying)
    elif decision.outcome is not RoutingOutcome.TRIAGE:
        if staying:
            decision = _staying_with(decision, staying)
        elif decide(facts, registry).outcome in (RoutingOutcome.COMPETENT, RoutingOutcome.TRIAGE):
            decision = _to_triage(seen_by, reduced, decision)
    return dataclasses.replace(
        decision,
        registry=registry,
        transferred_by=transferred_by,
        excluding_rules=tuple(
            dict.fromkeys([*decision.excluding_rules, *(declined_marker(i) for i in refused)])
        ),
    )


def handed_on(
    competent: Sequence[CompetentInstitution],
    registry: Registry,
    facts: ComplaintFacts,
    *,
    from_institution_id: str,
    to_institution_id: str,
) -> tuple[CompetentInstitution, ...]:
    """Who takes part once one institution handed its part to another by name, in its role.

    An institution the directory does not know is left out: routing cannot name it.
    """
    leaving = next((c for c in competent if c.institution_id == from_institution_id), None)
    after = [
        c for c in competent if c.institution_id not in {from_institution_id, to_institution_id}
    ]
    institution = registry.institutions.get(to_institution_id)
    if institution is not None:
        chain = registry.territory_chain(facts.respondent_territory) or ()
        role = leaving.role if leaving is not None else "associated"
        taking = competent_institution(institution, role, facts.language, chain)
        after.insert(0 if role == "lead" else len(after), taking)
    return tuple(after)


def still_taking_part(
    decided: Sequence[CompetentInstitution],
    named: Sequence[str] | None,
    registry: Registry,
    facts: ComplaintFacts,
) -> list[CompetentInstitution]:
    """Those whose parts go on, as case tracking `named` them after the transfer.

    Case tracking knows who joined by invitation, which no decision recorded; such an institution
    is described from the directory, as associated. Without the list, the last decision's word.
    """
    if named is None:
        return list(decided)
    by_id = {c.institution_id: c for c in decided}
    chain = registry.territory_chain(facts.respondent_territory) or ()
    going_on: list[CompetentInstitution] = []
    for institution_id in named:
        if institution_id in by_id:
            going_on.append(by_id[institution_id])
        elif (institution := registry.institutions.get(institution_id)) is not None:
            going_on.append(competent_institution(institution, "associated", facts.language, chain))
    return going_on


def _keeping(decision: Decision, staying: Sequence[CompetentInstitution]) -> Decision:
    """The engine's choice, with the institutions still taking part after it, as associated."""
    named = {c.institution_id for c in decision.competent}
    kept = tuple(
        c.model_copy(update={"role": "associated"})
        for c in staying
        if c.institution_id not in named
    )
    if not kept:
        return decision
    return dataclasses.replace(decision, competent=decision.competent + kept, reason="joint-case")


def _staying_with(decision: Decision, staying: Sequence[CompetentInstitution]) -> Decision:
    """Nobody new is competent: the case goes on with those taking part, the first leading."""
    lead = next((c for c in staying if c.role == "lead"), staying[0])
    others = (c.model_copy(update={"role": "associated"}) for c in staying if c is not lead)
    competent = (lead.model_copy(update={"role": "lead"}), *others)
    return Decision.made(
        RoutingOutcome.COMPETENT,
        "joint-case" if len(competent) > 1 else "single-institution",
        decision.registry,
        competent=competent,
        excluding_rules=decision.excluding_rules,
    )


def _to_triage(facts: ComplaintFacts, reduced: Registry, fallback: Decision) -> Decision:
    """Every competent institution declined: a person at the sensible desk decides, if any."""
    chain = reduced.territory_chain(facts.respondent_territory)
    country = chain[-1] if chain else facts.respondent_territory.strip().upper().split("-", 1)[0]
    desk = triage_desk(facts, country, (), reduced)
    if desk is None:
        return fallback
    return Decision.made(
        RoutingOutcome.TRIAGE,
        "declined-by-all",
        reduced,
        triage_institution_id=desk,
        excluding_rules=fallback.excluding_rules,
    )
