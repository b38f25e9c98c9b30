"""The public directory, mandates, the citizens' guide and triage decisions: routing's, at the edge.

The gateway checks who is calling and what they sent, then forwards to routing with the caller's
identity; routing decides and its problems reach the caller unchanged. Nothing here is stored.
"""

from __future__ import annotations

from typing import Annotated, Any, NoReturn, TypeVar

import httpx
from fastapi import APIRouter, Header, Path, Query, Response
from pydantic import BaseModel

from gateway.clients import UpstreamsDep, UpstreamUnavailable
from gateway.security import ANONYMOUS_ALLOWED, CallerDep, require_kind
from nowrongdoor.contracts.routing import (
    Guide,
    GuideAnswer,
    GuideAnswers,
    InstitutionView,
    Mandate,
    MandateChange,
    MandateSaved,
    TriageDecided,
    TriageDecision,
    TriageRuleProposal,
)
from nowrongdoor.contracts.vocabulary import INSTITUTION_ID_PATTERN, Language
from nowrongdoor.ids import REFERENCE_PATTERN
from nowrongdoor.problems import Problem, ProblemError

router = APIRouter(prefix="/v1")

PROBLEM: dict[str, Any] = {"model": Problem, "content": {"application/problem+json": {}}}
UNAVAILABLE = {**PROBLEM, "description": "Routing is not answering; nothing was changed"}
NO_STORE = "no-store"
PUBLIC_BRIEFLY = "public, max-age=60"

InstitutionId = Annotated[
    str, Path(pattern=INSTITUTION_ID_PATTERN, examples=["ma-mediateur"], description="Its id")
]
Reference = Annotated[str, Path(pattern=REFERENCE_PATTERN, examples=["NWD-7K3M9QX2VD4H"])]
LanguageQuery = Annotated[
    Language,
    Query(alias="lang", description="Arabic, French or English", examples=["ar", "fr", "en"]),
]
Model = TypeVar("Model", bound=BaseModel)

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


def relayed(response: httpx.Response, shape: type[Model]) -> Model:
    """Routing's answer in `shape`, or its problem raised again for the caller."""
    if response.status_code != 200:
        raise_relayed(response)
    return shape.model_validate_json(response.content)


def raise_relayed(response: httpx.Response) -> NoReturn:
    """Raise routing's problem document again, as the caller's own."""
    if response.status_code < 400 or response.status_code in (401, 405):
        # The gateway signed the call itself: routing refusing it is the platform's fault.
        raise UpstreamUnavailable("routing")
    try:
        problem = Problem.model_validate_json(response.content)
    except ValueError:
        raise UpstreamUnavailable("routing") from None
    raise ProblemError(
        response.status_code,
        problem.detail,
        slug=problem.type.removeprefix("/problems/"),
        title=problem.title,
        errors=problem.errors,
    )


# --- The directory ------------------------------------------------------------------------------


@router.get(
    "/institutions",
    tags=["institutions"],
    summary="List the participating institutions",
    description=(
        "Every institution of the network with its regional offices, languages, service "
        "standards and the subjects its mandate covers, named in the language asked for."
    ),
    responses={
        200: {"description": "The institutions, by id"},
        422: {**PROBLEM, "description": "A language the API does not speak"},
        503: UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def list_institutions(
    upstreams: UpstreamsDep, caller: CallerDep, response: Response, language: LanguageQuery = "en"
) -> list[InstitutionView]:
    answer = await upstreams.routing_call(
        caller, "GET", "/internal/institutions", params={"lang": language}
    )
    if answer.status_code != 200:
        raise_relayed(answer)
    response.headers["Cache-Control"] = PUBLIC_BRIEFLY
    return [InstitutionView.model_validate(item) for item in answer.json()]


@router.get(
    "/institutions/{institution_id}",
    tags=["institutions"],
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
    answer = await upstreams.routing_call(
        caller, "GET", f"/internal/institutions/{institution_id}", params={"lang": language}
    )
    response.headers["Cache-Control"] = PUBLIC_BRIEFLY
    return relayed(answer, InstitutionView)


@router.get(
    "/institutions/{institution_id}/mandate",
    tags=["institutions"],
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
    answer = await upstreams.routing_call(
        caller, "GET", f"/internal/institutions/{institution_id}/mandate"
    )
    mandate = relayed(answer, Mandate)
    response.headers["ETag"] = answer.headers.get("etag", "")
    response.headers["Cache-Control"] = "no-cache"
    return mandate


@router.put(
    "/institutions/{institution_id}/mandate",
    tags=["institutions"],
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
    answer = await upstreams.routing_call(
        caller,
        "PUT",
        f"/internal/institutions/{institution_id}/mandate",
        json=change.model_dump(mode="json"),
        headers={"If-Match": if_match} if if_match else None,
    )
    saved = relayed(answer, MandateSaved)
    response.headers["ETag"] = answer.headers.get("etag", "")
    response.headers["Cache-Control"] = NO_STORE
    return saved


# --- The guide ----------------------------------------------------------------------------------


@router.get(
    "/guide",
    tags=["guide"],
    summary="The guide's questions",
    description=(
        "A few plain questions, meant to be asked one per page, each with its answer options, "
        "in Arabic, French or English. The answers, sent to `POST /v1/guide/answers`, say which "
        "institution is competent before anything is submitted. The `region` question shows "
        "only the options of the country chosen just before."
    ),
    responses={
        422: {**PROBLEM, "description": "A language the guide does not speak"},
        503: UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_guide(
    upstreams: UpstreamsDep, caller: CallerDep, response: Response, language: LanguageQuery = "en"
) -> Guide:
    answer = await upstreams.routing_call(
        caller, "GET", "/internal/guide", params={"lang": language}
    )
    response.headers["Cache-Control"] = PUBLIC_BRIEFLY
    return relayed(answer, Guide)


@router.post(
    "/guide/answers",
    tags=["guide"],
    summary="Which institution is for me, and why",
    description=(
        "Decides on the guide's answers exactly as routing decides on a submitted complaint "
        "with the same facts, over the same directory: the competent institutions with their "
        "offices, or who will triage it, or advice on where to go instead, with an explanation "
        "in plain words. Nothing is stored and nothing about the person is logged."
    ),
    responses={
        200: {"description": "The answer, in the language asked for"},
        422: {**PROBLEM, "description": "An answer is not one of the options; each is named"},
        503: UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def answer_guide(
    answers: GuideAnswers,
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
    language: LanguageQuery = "en",
) -> GuideAnswer:
    answer = await upstreams.routing_call(
        caller,
        "POST",
        "/internal/guide/answers",
        params={"lang": language},
        json=answers.model_dump(mode="json"),
    )
    response.headers["Cache-Control"] = NO_STORE
    return relayed(answer, GuideAnswer)


# --- Triage -------------------------------------------------------------------------------------


@router.post(
    "/triage/{reference}/decision",
    tags=["triage"],
    summary="Decide a complaint waiting for triage",
    description=(
        "When the facts alone cannot say who is competent, the triage institution decides: "
        "the lead, any associated institutions, and why. The complaint is then routed under "
        "the same reference, and the case opens at the chosen institutions. The decision is "
        "also recorded as a proposed rule that an administrator may adopt into a mandate; it "
        "never changes how the engine decides by itself.\n\n"
        "Only the triage institution's client with scope `cases:write` may decide; to every "
        "other client the reference does not exist."
    ),
    responses={
        200: {"description": "Decided and routed"},
        401: {**PROBLEM, "description": "No valid access token"},
        403: {**PROBLEM, "description": "The client lacks the `cases:write` scope"},
        404: {**PROBLEM, "description": "No complaint awaits this client's triage here"},
        409: {**PROBLEM, "description": "The complaint has already been decided"},
        422: {**PROBLEM, "description": "An institution named cannot take the case"},
        503: UNAVAILABLE,
    },
)
async def decide_at_triage(
    reference: Reference, choice: TriageDecision, upstreams: UpstreamsDep, caller: CallerDep
) -> TriageDecided:
    require_kind(caller, "institution")
    answer = await upstreams.routing_call(
        caller,
        "POST",
        f"/internal/triage/{reference}/decision",
        json=choice.model_dump(mode="json"),
    )
    return relayed(answer, TriageDecided)


@router.get(
    "/triage/proposals",
    tags=["triage"],
    summary="Rules proposed by triage decisions",
    description=(
        "Each triage decision written as the rule that would have made it, newest first. An "
        "administrator sees all of them, an institution's client with `mandate:write` those "
        "that chose its institution. Adopt one by adding its `suggested_rule` to the mandate "
        "and naming it in `adopted_proposals`."
    ),
    responses={
        401: {**PROBLEM, "description": "No valid access token"},
        403: {**PROBLEM, "description": "Not an institution or administrator client"},
        503: UNAVAILABLE,
    },
)
async def list_triage_proposals(
    upstreams: UpstreamsDep, caller: CallerDep, response: Response
) -> list[TriageRuleProposal]:
    require_kind(caller, "institution", "admin")
    answer = await upstreams.routing_call(caller, "GET", "/internal/triage/proposals")
    if answer.status_code != 200:
        raise_relayed(answer)
    response.headers["Cache-Control"] = NO_STORE
    return [TriageRuleProposal.model_validate(item) for item in answer.json()]
