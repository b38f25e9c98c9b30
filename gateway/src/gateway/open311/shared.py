"""What every Open311 operation takes: the format in the path, the jurisdiction, the language."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import Depends, Header, Path, Query, Request

from gateway.languages import preferred_language
from gateway.open311.formats import Format
from nowrongdoor.contracts.vocabulary import Language
from nowrongdoor.problems import ProblemError

DEFAULT_LANGUAGE: Final[Language] = "en"
ERRORS: Final[dict[str, Any]] = {
    "description": "A list of `{code, description}`, the GeoReport v2 error format"
}
BOTH_FORMATS: Final[dict[str, Any]] = {"application/json": {}, "text/xml": {}}

FormatPath = Annotated[
    Format, Path(description="`json` or `xml`: the format of the answer, errors included")
]


def jurisdiction(
    request: Request,
    jurisdiction_id: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Optional: the network is one jurisdiction; another one is a 404",
        ),
    ] = None,
) -> None:
    """A jurisdiction other than the network's own is one this endpoint does not serve."""
    own: str = request.app.state.open311_jurisdiction
    if jurisdiction_id not in (None, "", own):
        raise ProblemError(404, f"This endpoint serves the jurisdiction `{own}` only.")


def language(
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Language:
    """The language of names and descriptions: the request's Accept-Language, else English."""
    return preferred_language(accept_language) or DEFAULT_LANGUAGE


JurisdictionDep = Depends(jurisdiction)
LanguageDep = Annotated[Language, Depends(language)]
