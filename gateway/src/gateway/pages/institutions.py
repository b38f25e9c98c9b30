"""An institution's page: what it deals with, the NGOs it accredits and what it asks of them.

A person chooses a trusted intermediary here: an NGO the institution accredits can bring their
complaint while they stay unknown to the institution. Routing keeps the directory and the
accreditations; the page only words them in the reader's language.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Final

from babel import Locale
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from gateway.pages.guide import guide_in, option_value
from gateway.pages.i18n import RIGHT_TO_LEFT, SOURCE_LANGUAGE, api_language
from gateway.pages.rendering import N_, render, translate
from gateway.pages.site import LanguagePath
from gateway.upstreams import Upstreams, UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.accreditations import AccreditedNgo, Criterion
from nowrongdoor.contracts.http import ServiceUnavailable
from nowrongdoor.contracts.vocabulary import INSTITUTION_ID_PATTERN
from nowrongdoor.problems import ProblemError

router = APIRouter(include_in_schema=False)
InstitutionPath = Annotated[str, Path(description="An institution's id, as `ma-inpplc`")]

CATEGORY_WORDS: Final = {
    "maladministration": N_("Maladministration by public services"),
    "corruption": N_("Corruption"),
    "integrity": N_("Integrity of public officials"),
    "human-rights": N_("Human rights"),
    "discrimination": N_("Discrimination"),
    "data-protection": N_("Protection of personal data"),
    "children-rights": N_("Children's rights"),
    "other": N_("Other matters"),
}


def category_words(language: str, categories: Iterable[str]) -> list[str]:
    """Subjects in plain words; one the pages have no words for yet keeps its name."""
    return [
        translate(language, CATEGORY_WORDS[category]) if category in CATEGORY_WORDS else category
        for category in categories
    ]


async def territory_names(upstreams: Upstreams, language: str, codes: set[str]) -> dict[str, str]:
    """Each ISO 3166 code's name in the reader's language.

    Countries are named by the reader's locale; a region only the directory names, so routing's
    guide, which words them as the guide and the form show them, is asked only when one appears.
    """
    names = {code: Locale.parse(language).territories.get(code, code) for code in codes}
    if any("-" in code for code in codes):
        try:
            guide = await guide_in(upstreams, language)
        except ServiceUnavailable:
            return names
        for question in guide.questions:
            for option in question.options:
                value = option_value(option.value)
                if question.id == "region" and value in codes and value != option.country:
                    names[value] = option.label
    return names


@dataclass(frozen=True)
class NgoShown:
    """An accredited NGO as the page shows it: its scope in words, its dates."""

    name: str
    categories: list[str]
    territories: list[str]
    since: date
    until: date

    @classmethod
    def of(cls, ngo: AccreditedNgo, language: str, places: dict[str, str]) -> NgoShown:
        return cls(
            name=ngo.name,
            categories=category_words(language, ngo.scope.categories),
            territories=[places.get(code, code) for code in ngo.scope.territories],
            since=ngo.since,
            until=ngo.until,
        )


@dataclass(frozen=True)
class CriterionShown:
    """A criterion in the reader's language, or in the nearest one the institution wrote."""

    text: str
    lang: str
    direction: str
    shown_in: str | None
    """The language's name, in the reader's language, when it is not the reader's."""

    @classmethod
    def of(
        cls, criterion: Criterion, language: str, institution_languages: list[str]
    ) -> CriterionShown:
        texts = {str(code): text for code, text in criterion.text.items() if text.strip()}
        preferred = (language, SOURCE_LANGUAGE, *institution_languages, *texts)
        chosen = next((code for code in preferred if code in texts), language)
        return cls(
            text=texts.get(chosen, ""),
            lang=chosen,
            direction="rtl" if chosen in RIGHT_TO_LEFT else "ltr",
            shown_in=None
            if chosen == language
            else Locale.parse(language).languages.get(chosen, chosen),
        )


def _well_formed(institution_id: str) -> None:
    # A malformed id names no institution: the same page as an unknown one, not a form error.
    if not re.fullmatch(INSTITUTION_ID_PATTERN, institution_id):
        raise ProblemError(404, "No institution with this id.")


@router.get("/{language:lang}/institutions/{institution_id}")
async def institution_page(
    language: LanguagePath,
    institution_id: InstitutionPath,
    request: Request,
    upstreams: UpstreamsDep,
) -> Response:
    _well_formed(institution_id)
    public = Principal.public()
    routing = upstreams.routing
    institution = await routing.institution(public, institution_id, api_language(language))
    ngos, published = await asyncio.gather(
        routing.accredited_ngos(public, institution_id),
        routing.accreditation_criteria(public, institution_id),
    )
    places = await territory_names(
        upstreams, language, {code for ngo in ngos for code in ngo.scope.territories}
    )
    return render(
        request,
        language,
        "institution.html",
        {
            "institution": institution,
            "handles": category_words(language, institution.categories),
            "ngos": [NgoShown.of(ngo, language, places) for ngo in ngos],
            "criteria": [
                CriterionShown.of(criterion, language, institution.languages)
                for criterion in published.criteria
            ],
            "criteria_updated_at": published.updated_at,
        },
        title=institution.name,
    )
