"""Ranking competent institutions, on small registries built for the purpose."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from nowrongdoor.contracts.events import ComplaintFacts
from routing.domain import Registry, decide, load_seed_registry

SEED = load_seed_registry()
Facts = Callable[..., ComplaintFacts]


def directory(*institutions: dict[str, Any], desks: dict[str, str] | None = None) -> dict[str, Any]:
    """The seed's territories and vocabulary, with only these institutions."""
    data = SEED.to_dict()
    data["institutions"] = list(institutions)
    data["triage_desks"] = desks or {}
    return data


def institution(identifier: str, *rules: dict[str, Any], territory: str = "MA") -> dict[str, Any]:
    return {
        "id": identifier,
        "names": {"official": identifier.upper()},
        "languages": ["fr"],
        "territory": territory,
        "offices": [],
        "service_standards": {"acknowledge_days": 1, "admissibility_days": 2, "resolve_days": 3},
        "rules": list(rules),
    }


def rule(
    identifier: str, priority: int = 10, territories: tuple[str, ...] = ("MA",)
) -> dict[str, Any]:
    return {
        "id": identifier,
        "priority": priority,
        "categories": ["corruption", "maladministration"],
        "respondent_types": ["local-authority"],
        "territories": list(territories),
        "complainant_roles": ["citizen"],
    }


@pytest.fixture
def corruption_in_ma06(facts: Facts) -> ComplaintFacts:
    return facts(
        category="corruption", respondent_type="local-authority", respondent_territory="MA-06"
    )


def test_the_higher_priority_leads_and_the_others_are_associated_in_rank_order(
    corruption_in_ma06: ComplaintFacts,
) -> None:
    registry = Registry.from_dict(
        directory(
            institution("a-low", rule("r", priority=5)),
            institution("b-high", rule("r", priority=20)),
            institution("c-middle", rule("r", priority=10)),
        )
    )

    decision = decide(corruption_in_ma06, registry)

    assert decision.reason == "joint-case"
    assert [(c.institution_id, c.role) for c in decision.competent] == [
        ("b-high", "lead"),
        ("c-middle", "associated"),
        ("a-low", "associated"),
    ]
    assert decision.matched_rules == ("b-high/r", "c-middle/r", "a-low/r")


def test_at_equal_priority_the_more_specific_territory_leads(
    corruption_in_ma06: ComplaintFacts,
) -> None:
    registry = Registry.from_dict(
        directory(
            institution("national", rule("r", territories=("MA",))),
            institution("regional", rule("r", territories=("MA-06",))),
        )
    )

    decision = decide(corruption_in_ma06, registry)

    assert [c.institution_id for c in decision.competent] == ["regional", "national"]


def test_a_rule_naming_a_country_and_its_region_ranks_at_the_region(
    corruption_in_ma06: ComplaintFacts,
) -> None:
    registry = Registry.from_dict(
        directory(
            institution("both", rule("r", territories=("MA", "MA-06"))),
            institution("regional", rule("r", territories=("MA-06",))),
        )
    )

    decision = decide(corruption_in_ma06, registry)

    assert decision.outcome == "triage"
    assert decision.candidates == ("both", "regional")
    assert decision.matched_rules == ("both/r", "regional/r")


def test_equal_leads_without_a_desk_are_triaged_by_the_first_candidate(
    corruption_in_ma06: ComplaintFacts,
) -> None:
    registry = Registry.from_dict(
        directory(institution("zeta", rule("r")), institution("alpha", rule("r")))
    )

    decision = decide(corruption_in_ma06, registry)

    assert decision.outcome == "triage"
    assert decision.triage_institution_id == "alpha"
    assert decision.competent == ()


def test_an_institutions_best_rule_is_its_rank_and_its_rules_are_all_reported(
    corruption_in_ma06: ComplaintFacts,
) -> None:
    registry = Registry.from_dict(
        directory(
            institution("one", rule("weak", priority=5), rule("strong", priority=20)),
            institution("two", rule("r", priority=10)),
        )
    )

    decision = decide(corruption_in_ma06, registry)

    assert [c.institution_id for c in decision.competent] == ["one", "two"]
    assert decision.matched_rules == ("one/strong", "one/weak", "two/r")


def test_declaration_order_never_chooses_the_lead(corruption_in_ma06: ComplaintFacts) -> None:
    forwards = directory(
        institution("b", rule("r", priority=10)),
        institution("a", rule("r", priority=10, territories=("MA-06",))),
    )
    backwards = copy.deepcopy(forwards)
    backwards["institutions"].reverse()

    first = decide(corruption_in_ma06, Registry.from_dict(forwards))
    second = decide(corruption_in_ma06, Registry.from_dict(backwards))

    assert first == second
    assert first.lead is not None
    assert first.lead.institution_id == "a"


def test_uncategorised_without_any_institution_for_the_country_is_advice(facts: Facts) -> None:
    registry = Registry.from_dict(directory(institution("fr-only", rule("r"), territory="FR")))

    decision = decide(facts(category="other", respondent_territory="BE-WAL"), registry)

    assert decision.outcome == "not-competent"
    assert decision.advice == "outside-network"


def test_a_competent_institution_hides_the_exclusions_of_the_others_but_not_its_competence(
    facts: Facts,
) -> None:
    shielded = dict(rule("r"), exclusions=["court-case-pending"])
    registry = Registry.from_dict(
        directory(institution("excluded", shielded), institution("open", rule("r", priority=5)))
    )

    decision = decide(
        facts(category="corruption", respondent_type="local-authority", court_case_pending=True),
        registry,
    )

    assert [c.institution_id for c in decision.competent] == ["open"]
    assert decision.excluding_rules == ("excluded/court-case-pending",)
