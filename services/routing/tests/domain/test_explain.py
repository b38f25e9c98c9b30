"""Every decision explains itself in plain words, in each language the platform speaks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, get_args

import pytest

from nowrongdoor.contracts.events import ComplaintFacts
from nowrongdoor.contracts.vocabulary import Language
from routing.domain import decide, load_seed_registry

SEED = load_seed_registry()
LANGUAGES: tuple[Language, ...] = get_args(Language)
Facts = Callable[..., ComplaintFacts]

ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")
EXPLAINED = [
    ("competent with an office", {"respondent_territory": "MA-06"}),
    (
        "joint",
        {
            "category": "integrity",
            "respondent_type": "public-official",
            "respondent_territory": "FR",
            "complainant_role": "public-official",
        },
    ),
    ("prerequisite missing", {"administration_contacted": False}),
    ("excluded", {"court_case_pending": True}),
    ("tie", {"respondent_type": "regional-administration", "respondent_territory": "BE-BRU"}),
    ("unknown territory", {"respondent_territory": "MA-13"}),
    ("uncategorised", {"category": "other"}),
]


@pytest.mark.parametrize(("situation", "overrides"), EXPLAINED, ids=[e[0] for e in EXPLAINED])
def test_every_decision_explains_itself_in_every_language(
    situation: str, overrides: dict[str, Any], facts: Facts
) -> None:
    decision = decide(facts(**overrides), SEED)
    texts = {language: decision.explain(language) for language in LANGUAGES}

    assert ARABIC_LETTER.search(texts["ar"])
    assert not any(
        ARABIC_LETTER.search(texts[language]) for language in LANGUAGES if language != "ar"
    )
    assert len(set(texts.values())) == len(LANGUAGES)
    if decision.advice:
        for language, text in texts.items():
            assert SEED.advice_text(decision.advice, language) in text
    for institution_id in (*decision.candidates, decision.triage_institution_id):
        if institution_id:
            assert SEED.institution_name(institution_id, "en") in texts["en"]


def test_explanations_name_lead_office_and_associated(facts: Facts) -> None:
    office = decide(facts(respondent_territory="MA-06"), SEED).explain("en")
    joint = decide(
        facts(
            category="integrity",
            respondent_type="public-official",
            respondent_territory="FR",
            complainant_role="public-official",
        ),
        SEED,
    ).explain("fr")
    missing = decide(facts(administration_contacted=False), SEED).explain("en")

    assert office.startswith("Institution of the Mediator of the Kingdom is competent")
    assert "Casablanca-Settat regional delegation" in office
    assert joint.startswith(
        "L'institution compétente pour votre plainte est : "
        "Haute Autorité pour la transparence de la vie publique."
    )
    assert "sous la même référence : Défenseur des droits" in joint
    assert "come back with this reference" in missing
