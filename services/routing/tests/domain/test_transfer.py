"""Deciding again after an institution declined an opened case, over the seed directory."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from nowrongdoor.contracts.events import CompetentInstitution, ComplaintFacts
from nowrongdoor.contracts.vocabulary import Language
from routing.domain import Decision, decide, load_seed_registry
from routing.domain.transfer import (
    decide_after_transfer,
    declined_in,
    declined_marker,
    handed_on,
    still_taking_part,
)
from routing.domain.triage import decided_at_triage

SEED = load_seed_registry()
Facts = Callable[..., ComplaintFacts]

BRUSSELS_REGION = {"respondent_type": "regional-administration", "respondent_territory": "BE-BRU"}
"""Flemish and Walloon ombudsmen rank equally here: the engine alone sends it to triage."""
FRENCH_OFFICIAL = {
    "category": "integrity",
    "respondent_type": "public-official",
    "respondent_territory": "FR",
    "complainant_role": "public-official",
}
"""A joint case: the HATVP leads, the Défenseur des droits is associated."""
CASABLANCA_COMMUNE = {"respondent_type": "local-authority", "respondent_territory": "MA-06"}
"""The Médiateur alone is competent."""


def ids(decision: Decision) -> list[tuple[str, str]]:
    return [(c.institution_id, c.role) for c in decision.competent]


def parts(facts: ComplaintFacts, *chosen: str) -> list[CompetentInstitution]:
    """The institutions taking part, as a triage desk choosing `chosen` would have named them."""
    return list(decided_at_triage(SEED, facts, chosen).competent)


def again(
    facts: ComplaintFacts,
    by: str,
    taking_part: Sequence[CompetentInstitution],
    declined: Sequence[str] = (),
) -> Decision:
    return decide_after_transfer(
        facts, SEED, transferred_by=by, declined=declined, taking_part=taking_part
    )


def test_a_tie_broken_by_a_decline_goes_to_the_other_institution(facts: Facts) -> None:
    complaint = facts(**BRUSSELS_REGION)

    decision = again(complaint, "be-wallonie", parts(complaint, "be-wallonie"))

    assert decide(complaint, SEED).outcome == "triage"
    assert (decision.outcome, ids(decision)) == ("competent", [("be-vlaanderen", "lead")])
    assert declined_marker("be-wallonie") in decision.excluding_rules
    assert decision.registry_version == SEED.version


def test_institutions_that_declined_before_are_never_chosen_again(facts: Facts) -> None:
    complaint = facts(**BRUSSELS_REGION)

    decision = again(
        complaint, "be-vlaanderen", parts(complaint, "be-vlaanderen"), declined=["be-wallonie"]
    )

    # Both competent institutions declined: a person at the country's desk decides.
    assert (decision.outcome, decision.reason) == ("triage", "declined-by-all")
    assert decision.triage_institution_id == "be-federal"
    assert decision.competent == ()
    assert set(declined_in(decision.excluding_rules)) == {"be-wallonie", "be-vlaanderen"}


def test_the_only_competent_institution_declining_sends_the_case_to_triage_at_the_door(
    facts: Facts,
) -> None:
    complaint = facts(**CASABLANCA_COMMUNE, received_by="ma-cndh")

    decision = again(complaint, "ma-mediateur", parts(complaint, "ma-mediateur"))

    assert (decision.outcome, decision.triage_institution_id) == ("triage", "ma-cndh")


def test_a_door_that_declined_is_no_desk_and_neither_is_the_desk_that_did(facts: Facts) -> None:
    complaint = facts(**CASABLANCA_COMMUNE, received_by="ma-mediateur")

    decision = again(complaint, "ma-mediateur", parts(complaint, "ma-mediateur"))

    # The Médiateur is both the door and Morocco's desk; the next institution of the country is.
    assert decision.outcome == "triage"
    assert decision.triage_institution_id == "ma-cndh"


def test_when_the_lead_of_a_joint_case_declines_the_other_leads_and_nobody_new_joins(
    facts: Facts,
) -> None:
    complaint = facts(**FRENCH_OFFICIAL)
    first = decide(complaint, SEED)

    decision = again(complaint, "fr-hatvp", list(first.competent))

    assert ids(first) == [("fr-hatvp", "lead"), ("fr-ddd", "associated")]
    assert ids(decision) == [("fr-ddd", "lead")]


def test_institutions_still_taking_part_stay_in_the_decision(facts: Facts) -> None:
    complaint = facts(**BRUSSELS_REGION)

    decision = again(complaint, "be-wallonie", parts(complaint, "be-wallonie", "be-federal"))

    assert ids(decision) == [("be-vlaanderen", "lead"), ("be-federal", "associated")]
    assert decision.reason == "joint-case"


def test_with_nobody_new_competent_the_case_stays_with_those_taking_part(facts: Facts) -> None:
    complaint = facts(**CASABLANCA_COMMUNE)

    decision = again(complaint, "ma-mediateur", parts(complaint, "ma-mediateur", "ma-cndh"))

    assert (decision.outcome, ids(decision)) == ("competent", [("ma-cndh", "lead")])


def test_a_complaint_nobody_is_competent_for_gets_advice(facts: Facts) -> None:
    complaint = facts(respondent_type="private-company")

    decision = again(complaint, "ma-mediateur", [])

    assert decision.outcome == "not-competent"
    assert decision.advice == "private-dispute"


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "Wallonie-Bruxelles found your complaint outside its competence and handed it on."),
        ("fr", "Wallonie et de la Fédération Wallonie-Bruxelles s'est déclarée incompétente"),
        ("ar", "بعدم اختصاصها بشكايتك وأحالتها"),
    ],
)
def test_the_explanation_says_who_transferred_the_complaint(
    facts: Facts, language: Language, said: str
) -> None:
    complaint = facts(**BRUSSELS_REGION, language=language)

    explained = again(complaint, "be-wallonie", parts(complaint, "be-wallonie")).explain(language)

    assert said in explained
    assert SEED.institution_name("be-vlaanderen", language) in explained


def test_the_triage_explanation_says_why_a_person_decides(facts: Facts) -> None:
    complaint = facts(**CASABLANCA_COMMUNE, language="en")

    explained = again(complaint, "ma-mediateur", parts(complaint, "ma-mediateur")).explain("en")

    assert explained.startswith(SEED.institution_name("ma-mediateur", "en"))
    assert "every institution competent for it has declined it" in explained


def test_a_transfer_by_name_puts_the_named_institution_in_the_place_of_the_one_leaving(
    facts: Facts,
) -> None:
    complaint = facts(**FRENCH_OFFICIAL)
    first = decide(complaint, SEED)

    lead_moved = handed_on(
        first.competent, SEED, complaint, from_institution_id="fr-hatvp", to_institution_id="fr-ddd"
    )
    associate_moved = handed_on(
        first.competent, SEED, complaint, from_institution_id="fr-ddd", to_institution_id="be-unia"
    )
    unknown = handed_on(
        first.competent,
        SEED,
        complaint,
        from_institution_id="fr-ddd",
        to_institution_id="xx-nobody",
    )

    assert [(c.institution_id, c.role) for c in lead_moved] == [("fr-ddd", "lead")]
    assert [(c.institution_id, c.role) for c in associate_moved] == [
        ("fr-hatvp", "lead"),
        ("be-unia", "associated"),
    ]
    assert [c.institution_id for c in unknown] == ["fr-hatvp"]


def test_declines_are_read_back_from_a_decisions_exclusions() -> None:
    recorded = [
        "ma-mediateur/court-case-pending",
        declined_marker("be-wallonie"),
        declined_marker("be-vlaanderen"),
        declined_marker("be-wallonie"),
    ]

    assert declined_in(recorded) == ["be-wallonie", "be-vlaanderen"]


def test_an_institution_that_joined_by_invitation_stays_when_routing_decides_again(
    facts: Facts,
) -> None:
    complaint = facts(**CASABLANCA_COMMUNE)
    decided = parts(complaint, "ma-mediateur")

    # The CNDH joined by invitation: no decision named it, case tracking does.
    going_on = still_taking_part(decided, ["ma-cndh"], SEED, complaint)
    decision = again(complaint, "ma-mediateur", going_on)

    assert ("ma-cndh", "associated") in [(c.institution_id, c.role) for c in going_on]
    assert "ma-cndh" in [c.institution_id for c in decision.competent]
    assert "ma-mediateur" not in [c.institution_id for c in decision.competent]


def test_without_case_trackings_word_the_last_decision_says_who_takes_part(facts: Facts) -> None:
    complaint = facts(**CASABLANCA_COMMUNE)
    decided = parts(complaint, "ma-mediateur")

    assert still_taking_part(decided, None, SEED, complaint) == decided
    assert still_taking_part(decided, [], SEED, complaint) == []
