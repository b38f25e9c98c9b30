"""The accreditation lifecycle's rules alone: steps, expiry, criteria and answers."""

from datetime import date

import pytest

from nowrongdoor.contracts.accreditations import Criterion, CriterionAnswer
from nowrongdoor.contracts.vocabulary import AccreditationStatus as S
from routing.domain.accreditation import (
    IllegalStep,
    Rejected,
    allowed_steps,
    check_answers,
    check_criteria,
    status_on,
    step,
)

LAST_DAY = date(2027, 12, 31)


def test_a_granted_accreditation_holds_through_its_last_day_and_expires_after() -> None:
    assert status_on(S.GRANTED, LAST_DAY, LAST_DAY) == S.GRANTED
    assert status_on(S.GRANTED, LAST_DAY, date(2028, 1, 1)) == S.EXPIRED
    # Only a granted one expires: a suspended or revoked one keeps saying so.
    assert status_on(S.SUSPENDED, LAST_DAY, date(2028, 1, 1)) == S.SUSPENDED
    assert status_on(S.REVOKED, LAST_DAY, date(2028, 1, 1)) == S.REVOKED


def test_every_status_names_the_steps_it_allows() -> None:
    assert {status: allowed_steps(status) for status in S} == {
        S.APPLIED: ["grant", "refuse"],
        S.GRANTED: ["suspend", "renew", "revoke"],
        S.SUSPENDED: ["reinstate", "revoke"],
        S.EXPIRED: ["renew"],
        S.REFUSED: [],
        S.REVOKED: [],
    }


def test_a_step_leads_where_the_lifecycle_says() -> None:
    assert step(S.APPLIED, "grant") == S.GRANTED
    assert step(S.GRANTED, "suspend") == S.SUSPENDED
    assert step(S.SUSPENDED, "reinstate") == S.GRANTED
    assert step(S.EXPIRED, "renew") == S.GRANTED
    assert step(S.SUSPENDED, "revoke") == S.REVOKED


def test_an_illegal_step_says_where_it_stands_and_what_it_may_do() -> None:
    with pytest.raises(IllegalStep) as raised:
        step(S.SUSPENDED, "renew")

    assert raised.value.allowed == ["reinstate", "revoke"]
    assert str(raised.value) == (
        "An accreditation that is suspended cannot be renewed. "
        "Allowed next steps: reinstate, revoke."
    )


def test_criteria_are_refused_when_repeated_or_missing_a_language() -> None:
    criteria = [
        Criterion(id="purpose", text={"fr": "Objet statutaire.", "nl": "Statutair doel."}),
        Criterion(id="purpose", text={"fr": "Encore."}),
    ]

    with pytest.raises(Rejected) as raised:
        check_criteria(criteria, ["fr", "nl"])

    assert [(p.field, p.message) for p in raised.value.problems] == [
        ("criteria[1].id", "'purpose' is repeated"),
        ("criteria[1].text", "no text in nl, a language of the institution"),
    ]


def test_answers_must_cover_exactly_the_published_criteria() -> None:
    criteria = [Criterion(id="purpose", text={"fr": "Objet statutaire."})]

    check_answers([CriterionAnswer(criterion_id="purpose", answer="Article 2.")], criteria)
    with pytest.raises(Rejected) as raised:
        check_answers(
            [
                CriterionAnswer(criterion_id="purpose", answer="Article 2."),
                CriterionAnswer(criterion_id="purpose", answer="Article 3."),
            ],
            criteria,
        )
    assert [p.message for p in raised.value.problems] == ["'purpose' is answered twice"]
