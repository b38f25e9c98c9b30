"""The citizens' guide as rules: its answers are the facts a submission carries, decided alike."""

from typing import Any, get_args

import pytest

from nowrongdoor.contracts.routing import GuideAnswers, InstitutionSummary
from nowrongdoor.contracts.vocabulary import Language, RoutingOutcome
from routing.domain import decide, load_seed_registry
from routing.domain.guide import ELSEWHERE, answer, facts_of, questions

SEED = load_seed_registry()
LANGUAGES: tuple[Language, ...] = get_args(Language)


def answers(**changes: Any) -> GuideAnswers:
    """A citizen whose commune in Casablanca-Settat ignored them after they wrote to it."""
    base: dict[str, Any] = {
        "category": "maladministration",
        "respondent_type": "local-authority",
        "territory": "MA-06",
        "complainant_role": "citizen",
        "administration_contacted": True,
        "court_case_pending": False,
    }
    return GuideAnswers.model_validate(base | changes)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_guide_decides_exactly_as_the_engine_does(language: Language) -> None:
    situations = [
        answers(),
        answers(administration_contacted=False),
        answers(category="other", received_by="ma-cndh"),
        answers(territory="MA-13"),
        answers(respondent_type="court"),
        answers(category="discrimination", territory="BE-VLG", respondent_type="private-company"),
    ]
    for given in situations:
        decision = decide(facts_of(given, language), SEED)

        result = answer(given, SEED, language)

        assert result.outcome == decision.outcome
        assert result.reason == decision.reason
        # The guide names them as a case would; the promises it leaves to the directory.
        named = set(InstitutionSummary.model_fields)
        assert [i.model_dump() for i in result.institutions] == [
            c.model_dump(include=named) for c in decision.competent
        ]
        assert result.explanation == decision.explain(language)


def test_the_answers_become_the_facts_of_a_web_submission_in_the_asked_language() -> None:
    facts = facts_of(answers(anonymous=True, received_by="ma-cndh"), "ar")

    assert (facts.respondent_territory, facts.language, facts.channel) == ("MA-06", "ar", "web")
    assert (facts.anonymous, facts.received_by) == (True, "ma-cndh")


def test_every_country_of_the_directory_is_offered_and_another_country_gets_advice() -> None:
    guide = questions(SEED, "en")
    country = next(q for q in guide.questions if q.id == "country")
    elsewhere = answer(answers(territory=ELSEWHERE), SEED, "en")

    assert [o.value for o in country.options] == ["BE", "FR", "MA", ELSEWHERE]
    assert elsewhere.outcome is RoutingOutcome.NOT_COMPETENT
    assert elsewhere.advice is not None
    assert elsewhere.advice.text in elsewhere.explanation


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_question_and_option_is_worded_in_each_language(language: Language) -> None:
    guide = questions(SEED, language)

    assert guide.language == language
    assert guide.registry_version == SEED.version
    for question in guide.questions:
        assert question.text
        assert question.options
        assert all(option.label for option in question.options)
