"""Every text routing shows a person is written in every language the platform speaks.

The languages come from the shared `Language`, so adding one there fails here until every
question, option, explanation and piece of advice is written in it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from string import Formatter
from types import ModuleType
from typing import get_args

import pytest

from nowrongdoor.contracts.vocabulary import Category, ComplainantRole, Language, RespondentType
from routing.domain import Institution, Office, explain, guide, load_seed_registry

LANGUAGES: tuple[Language, ...] = get_args(Language)
SEED = load_seed_registry()


def catalogues(module: ModuleType) -> Iterator[tuple[str, Mapping[object, object]]]:
    """Each mapping keyed by language among the module's constants, at any depth, and its place."""

    def walk(where: str, value: object) -> Iterator[tuple[str, Mapping[object, object]]]:
        if not isinstance(value, Mapping):
            return
        if any(key in LANGUAGES for key in value):
            yield where, value
            return
        for key, inner in value.items():
            yield from walk(f"{where}[{key!r}]", inner)

    for name, value in vars(module).items():
        if name.isupper():
            yield from walk(f"{module.__name__.rsplit('.', 1)[-1]}.{name}", value)


CATALOGUES = dict([*catalogues(guide), *catalogues(explain)])


def written(text: object) -> bool:
    """A sentence with words in it, or a set of sentences that all have some."""
    if isinstance(text, Mapping):
        return bool(text) and all(written(inner) for inner in text.values())
    return isinstance(text, str) and bool(text.strip())


def blanks(sentence: str) -> set[str]:
    """The names a sentence leaves to be filled in: `{lead}`, `{advice}`…"""
    return {field for _, field, _, _ in Formatter().parse(sentence) if field is not None}


def test_the_catalogues_are_all_found() -> None:
    expected = {
        *(f"guide.QUESTIONS[{q!r}]" for q in guide.QUESTIONS),
        *(f"guide.HELP[{q!r}]" for q in guide.HELP),
        *(f"guide.CATEGORIES[{c!r}]" for c in get_args(Category)),
        *(f"guide.RESPONDENT_TYPES[{t!r}]" for t in get_args(RespondentType)),
        *(f"guide.COMPLAINANT_ROLES[{r!r}]" for r in get_args(ComplainantRole)),
        "guide.YES_NO[True]",
        "guide.YES_NO[False]",
        "guide.ELSEWHERE_LABEL",
        "guide.WHOLE_COUNTRY",
        "explain.EXPLANATIONS",
    }

    assert set(CATALOGUES) == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_question_option_and_explanation_is_written_in(language: Language) -> None:
    unwritten = [where for where, texts in CATALOGUES.items() if not written(texts.get(language))]

    assert unwritten == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_outcome_is_told_with_the_same_blanks_as_in_english(language: Language) -> None:
    english = explain.EXPLANATIONS["en"]
    told = explain.EXPLANATIONS.get(language, {})

    assert told.keys() == english.keys()
    assert {key: blanks(told[key]) for key in told} == {key: blanks(english[key]) for key in told}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_directory_advises_and_names_everything_in(language: Language) -> None:
    unadvised = [a.code for a in SEED.advice.values() if not written(a.texts.get(language))]
    offices = [
        office for institution in SEED.institutions.values() for office in institution.offices
    ]

    assert unadvised == []
    assert all(written(institution.name(language)) for institution in SEED.institutions.values())
    assert all(written(office.name(language)) for office in offices)
    assert all(written(SEED.territory_name(code, language)) for code in SEED.territory_chains)


def test_no_name_or_translation_in_the_directory_is_left_empty() -> None:
    named: list[Institution | Office] = [
        *SEED.institutions.values(),
        *(office for institution in SEED.institutions.values() for office in institution.offices),
    ]

    assert [n.id for n in named if not all(written(name) for name in n.names.values())] == []
    assert [
        code
        for code, names in SEED.territory_translations.items()
        if not all(written(name) for name in names.values())
    ] == []
