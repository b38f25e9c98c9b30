"""The participating institutions and their mandates: routing's directory, at the edge.

The gateway checks who is calling and what they sent, then asks routing on the caller's behalf;
routing decides, and its refusals reach the caller unchanged.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response

from gateway.api.answers import NO_STORE, PROBLEM, PUBLIC_BRIEFLY, unavailable
from gateway.edge.authentication import ANONYMOUS_ALLOWED, CallerDep, require_kind
from gateway.upstreams import UpstreamsDep
from nowrongdoor.contracts.routing import InstitutionView, Mandate, MandateChange, MandateSaved
from nowrongdoor.contracts.vocabulary import INSTITUTION_ID_PATTERN, Language

router = APIRouter(prefix="/v1", tags=["institutions"])

UNAVAILABLE = unavailable("Routing")

InstitutionId = Annotated[
    str, Path(pattern=INSTITUTION_ID_PATTERN, examples=["ma-mediateur"], description="Its id")
]
LanguageQuery = Annotated[
    Language,
    Query(
        alias="lang",
        description="Arabic, French, English, Dutch or German",
        examples=["ar", "fr", "en", "nl", "de"],
    ),
]

SearchQuery = Annotated[
    str | None,
    Query(
        alias="q",
        min_length=1,
        max_length=200,
        description=(
            "Only the institutions whose name in any language, former name, regional office or "
            "id contains every word of this, ignoring case and accents"
        ),
        examples=["ICPC", "Marrakech", "médiateur"],
    ),
]

_VALIDATION_EXAMPLE = {
    "type": "/problems/invalid-mandate",
    "title": "Invalid mandate",
    "status": 422,
    "detail": "The mandate cannot be used: 2 problems; nothing was changed.",
    "errors": [
        {"field": "rules[0]", "message": "rule 'public-bodies': unknown territory 'MA-99'"},
        {
            "field": "rules[1]",
            "message": "rule 'companies' lists no categories, so it can never match",
        },
    ],
}


@router.get(
    "/institutions",
    summary="List the participating institutions",
    description=(
        "Every institution of the network with its regional offices, languages, service "
        "standards, former names and the subjects its mandate covers, named in the language "
        "asked for. With `q`, only those it finds: an institution is found under the names it "
        "had before, as the INPPLC is under ICPC."
    ),
    responses={
        200: {"description": "The institutions, by id; none when the search finds none"},
        422: {**PROBLEM, "description": "A language the API does not speak, or a search too long"},
        503: UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def list_institutions(
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
    language: LanguageQuery = "en",
    query: SearchQuery = None,
) -> list[InstitutionView]:
    institutions = await upstreams.routing.institutions(caller, language, query)
    response.headers.update(PUBLIC_BRIEFLY)
    return institutions


@router.get(
    "/institutions/{institution_id}",
    summary="One participating institution",
    description=(
        "The institution with its regional offices, languages, service standards and the "
        "subjects its mandate covers, named in the language asked for."
    ),
    responses={
        404: {**PROBLEM, "description": "No institution with this id"},
        422: {**PROBLEM, "description": "A malformed id or a language the API does not speak"},
        503: UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_institution(
    institution_id: InstitutionId,
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
    language: LanguageQuery = "en",
) -> InstitutionView:
    institution = await upstreams.routing.institution(caller, institution_id, language)
    response.headers.update(PUBLIC_BRIEFLY)
    return institution


@router.get(
    "/institutions/{institution_id}/mandate",
    summary="An institution's mandate",
    description=(
        "The competence rules routing applies for this institution, in the current version of "
        "the directory. The `ETag` identifies this mandate: send it back as `If-Match` when "
        "changing it, so a change made meanwhile by someone else is not overwritten."
    ),
    responses={
        200: {"headers": {"ETag": {"description": "The mandate's entity tag"}}},
        404: {**PROBLEM, "description": "No institution with this id"},
        503: UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_mandate(
    institution_id: InstitutionId, upstreams: UpstreamsDep, caller: CallerDep, response: Response
) -> Mandate:
    mandate, etag = await upstreams.routing.mandate(caller, institution_id)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    return mandate


@router.put(
    "/institutions/{institution_id}/mandate",
    summary="Change an institution's mandate",
    description=(
        "Replaces the institution's whole rule list. The new directory is checked as a whole: "
        "a rule that can never match, an unknown territory, prerequisite or exclusion is refused "
        "with every problem named, and nothing changes. A change makes a new registry version, "
        "recorded with the client that made it and the `summary`; decisions already made keep "
        "the version they used. Routing decides with the new version at once.\n\n"
        "An institution's client with scope `mandate:write` changes its own institution's "
        "mandate; an administrator's client any. To every other client the institution does "
        "not exist. List triage rule proposals a change takes in as `adopted_proposals`."
    ),
    responses={
        200: {"description": "Saved; `changed` is false when the rules were already these"},
        401: {**PROBLEM, "description": "No valid access token"},
        403: {**PROBLEM, "description": "The client lacks the `mandate:write` scope"},
        404: {**PROBLEM, "description": "No institution with this id that this client may change"},
        412: {**PROBLEM, "description": "`If-Match` no longer matches: someone changed it"},
        422: {
            "description": "The mandate cannot be used; each problem is named",
            "content": {
                "application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "example": _VALIDATION_EXAMPLE,
                }
            },
        },
        503: UNAVAILABLE,
    },
)
async def change_mandate(
    institution_id: InstitutionId,
    change: MandateChange,
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", description="The ETag the change was based on"),
    ] = None,
) -> MandateSaved:
    require_kind(caller, "institution", "admin")
    saved, etag = await upstreams.routing.change_mandate(
        caller, institution_id, change, if_match=if_match
    )
    response.headers["ETag"] = etag
    response.headers.update(NO_STORE)
    return saved
