"""A triage desk's choice as rules: who may take the case, its decision, the rule it proposes."""

from collections.abc import Callable

from nowrongdoor.contracts.events import ComplaintFacts
from nowrongdoor.contracts.vocabulary import RoutingOutcome
from routing.domain import decide, load_seed_registry
from routing.domain.triage import (
    PROPOSAL_PRIORITY_STEP,
    ChoiceProblem,
    choice_problems,
    decided_at_triage,
    proposal_facts,
    suggested_rule,
)

SEED = load_seed_registry()
Facts = Callable[..., ComplaintFacts]


def test_each_institution_that_cannot_take_the_case_is_named_by_its_field() -> None:
    assert choice_problems(SEED, "be-wallonie", ["be-unia"]) == []
    assert choice_problems(SEED, "xx-nobody", ["be-unia", "yy-nobody", "be-unia"]) == [
        ChoiceProblem("lead_institution_id", "no participating institution has this id"),
        ChoiceProblem("associated_institution_ids[1]", "no participating institution has this id"),
        ChoiceProblem("associated_institution_ids", "each institution may appear only once"),
    ]


def test_an_institution_that_declined_the_case_cannot_be_chosen_for_it() -> None:
    problems = choice_problems(SEED, "be-wallonie", ["be-unia"], declined={"be-wallonie"})

    assert problems == [
        ChoiceProblem("lead_institution_id", "this institution declined the case; choose another")
    ]
    assert choice_problems(SEED, "be-vlaanderen", ["be-unia"], declined={"be-wallonie"}) == []


def test_the_choice_becomes_a_decision_the_first_leading_with_its_office(facts: Facts) -> None:
    brussels = facts(respondent_type="regional-administration", respondent_territory="be-bru")

    alone = decided_at_triage(SEED, brussels, ["be-wallonie"])
    joint = decided_at_triage(
        SEED, facts(respondent_territory="MA-06"), ["ma-mediateur", "ma-cndh"]
    )

    assert (alone.outcome, alone.reason) == (RoutingOutcome.COMPETENT, "single-institution")
    assert [(c.institution_id, c.role) for c in alone.competent] == [("be-wallonie", "lead")]
    assert joint.reason == "joint-case"
    assert [(c.institution_id, c.role, c.office_id) for c in joint.competent] == [
        ("ma-mediateur", "lead", "ma-mediateur-casablanca-settat"),
        ("ma-cndh", "associated", "ma-cndh-casablanca-settat"),
    ]
    assert joint.explain("en").startswith("Institution of the Mediator of the Kingdom")


def test_the_proposed_rule_is_the_narrowest_that_outranks_the_tie(facts: Facts) -> None:
    tie = facts(respondent_type="regional-administration", respondent_territory="BE-BRU")
    tied = decide(tie, SEED)

    rule = suggested_rule(SEED, tie, tied.matched_rules)

    assert tied.outcome is RoutingOutcome.TRIAGE
    assert rule is not None
    assert rule["territories"] == ["BE-BRU"]
    assert rule["categories"] == ["maladministration"]
    assert rule["respondent_types"] == ["regional-administration"]
    tied_priorities = {
        r.priority
        for i in SEED.institutions.values()
        for r in i.rules
        if r.id in tied.matched_rules
    }
    assert rule["priority"] == max(tied_priorities) + PROPOSAL_PRIORITY_STEP


def test_an_unknown_place_proposes_no_rule_and_a_proposal_keeps_no_identity(
    facts: Facts,
) -> None:
    unknown = facts(respondent_territory="MA-13", received_by="ma-cndh")

    assert suggested_rule(SEED, unknown, ()) is None
    kept = proposal_facts(unknown)
    assert kept["territory"] == "MA-13"
    assert "received_by" not in kept
    assert "language" not in kept
