"""Properties every routing decision keeps, whatever the facts."""

from __future__ import annotations

import dataclasses
from typing import Any, get_args

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nowrongdoor.contracts.events import ComplaintFacts
from nowrongdoor.contracts.vocabulary import (
    Category,
    ComplainantRole,
    Language,
    RespondentType,
    RoutingOutcome,
)
from routing.domain import Registry, decide, load_seed_registry

SEED = load_seed_registry()
COUNTRIES = ("MA", "BE", "FR")
# Known codes, a lower-case one, unknown subdivisions of known countries, and other countries.
TERRITORIES = (*sorted(SEED.territory_chains), "ma-06", "MA-13", "BE-XXX", "DE-BY", "ES")

complaint_facts = st.builds(
    ComplaintFacts,
    category=st.sampled_from(get_args(Category)),
    respondent_type=st.sampled_from(get_args(RespondentType)),
    respondent_territory=st.sampled_from(TERRITORIES),
    complainant_role=st.sampled_from(get_args(ComplainantRole)),
    anonymous=st.booleans(),
    administration_contacted=st.booleans(),
    court_case_pending=st.booleans(),
    language=st.sampled_from(get_args(Language)),
    received_by=st.sampled_from([None, "not-a-member", *sorted(SEED.institutions)]),
    channel=st.sampled_from(["web", "api", "counter", "ngo", "open311"]),
)


def country_of(territory: str) -> str:
    return territory.strip().upper().split("-", 1)[0]


def some_of(values: Any) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(sorted(values)), min_size=1, unique=True)


@st.composite
def institution_in(draw: st.DrawFn, country: str) -> dict[str, Any]:
    """Any well-formed institution whose whole mandate lies inside `country`."""
    territories = sorted(c for c, chain in SEED.territory_chains.items() if chain[-1] == country)
    rules = []
    for n in range(draw(st.integers(1, 5))):
        respondent_types = draw(some_of(get_args(RespondentType)))
        exclusions = draw(st.lists(st.sampled_from(sorted(SEED.exclusions)), unique=True))
        rules.append(
            {
                "id": f"rule-{n}",
                "priority": draw(st.integers(0, 30)),
                "categories": draw(some_of(get_args(Category))),
                "respondent_types": respondent_types,
                "territories": draw(some_of(territories)),
                "complainant_roles": draw(some_of(get_args(ComplainantRole))),
                "prerequisites": draw(
                    st.lists(st.sampled_from(sorted(SEED.prerequisites)), unique=True)
                ),
                # The registry refuses a rule its own exclusion would always set aside.
                "exclusions": [
                    e
                    for e in exclusions
                    if not SEED.exclusions[e].always_excludes(respondent_types)
                ],
            }
        )
    offices = [
        {"id": "newcomer-office", "names": {"official": "Office"}, "territories": [territory]}
        for territory in draw(st.lists(st.sampled_from(territories), max_size=1))
    ]
    return {
        "id": "newcomer",
        "names": {"official": "Newcomer", "ar": "الوافد"},
        "languages": ["fr"],
        "territory": country,
        "offices": offices,
        "service_standards": {"acknowledge_days": 1, "admissibility_days": 2, "resolve_days": 3},
        "rules": rules,
    }


@given(complaint_facts)
def test_a_decision_is_deterministic(facts: ComplaintFacts) -> None:
    rebuilt = Registry.from_dict(SEED.to_dict())

    first = decide(facts, SEED)

    assert decide(facts, SEED) == first
    assert decide(facts, rebuilt) == first
    assert [first.explain(language) for language in get_args(Language)] == [
        decide(facts, rebuilt).explain(language) for language in get_args(Language)
    ]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), complaint_facts)
def test_an_institution_in_another_country_never_changes_a_decision(
    data: st.DataObject, facts: ComplaintFacts
) -> None:
    elsewhere = [c for c in COUNTRIES if c != country_of(facts.respondent_territory)]
    newcomer = data.draw(institution_in(data.draw(st.sampled_from(elsewhere))))
    document = SEED.to_dict()
    document["institutions"].append(newcomer)
    grown = Registry.from_dict(document)

    before = decide(facts, SEED)
    after = decide(facts, grown)

    assert grown.version != SEED.version
    assert after.registry_version == grown.version
    assert dataclasses.replace(after, registry_version=before.registry_version) == before


@given(complaint_facts)
def test_every_outcome_carries_what_it_promises(facts: ComplaintFacts) -> None:
    decision = decide(facts, SEED)
    institutions = [c.institution_id for c in decision.competent]

    assert len(institutions) == len(set(institutions))
    if decision.outcome is RoutingOutcome.COMPETENT:
        assert [c.role for c in decision.competent] == ["lead"] + ["associated"] * (
            len(institutions) - 1
        )
        assert decision.matched_rules
        assert all(rule.split("/", 1)[0] in institutions for rule in decision.matched_rules)
        assert decision.advice is None
        assert decision.triage_institution_id is None
    else:
        assert decision.competent == ()
    if decision.outcome in (RoutingOutcome.NOT_COMPETENT, RoutingOutcome.PREREQUISITE_MISSING):
        assert decision.advice in SEED.advice
    if decision.outcome is RoutingOutcome.PREREQUISITE_MISSING:
        assert decision.missing_prerequisites
        assert decision.candidates
    if decision.outcome is RoutingOutcome.TRIAGE:
        assert decision.triage_institution_id in SEED.institutions
        assert decision.advice is None
    for language in get_args(Language):
        assert decision.explain(language)
