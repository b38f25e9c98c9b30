"""The citizens' guide: a few plain questions, and which institution is competent and why."""

from __future__ import annotations

from fastapi import APIRouter, Response

from gateway.api.answers import NO_STORE, PROBLEM, PUBLIC_BRIEFLY
from gateway.api.institutions import UNAVAILABLE, LanguageQuery
from gateway.edge.authentication import ANONYMOUS_ALLOWED, CallerDep
from gateway.upstreams import UpstreamsDep
from nowrongdoor.contracts.routing import Guide, GuideAnswer, GuideAnswers

router = APIRouter(prefix="/v1", tags=["guide"])


@router.get(
    "/guide",
    summary="The guide's questions",
    description=(
        "A few plain questions, meant to be asked one per page, each with its answer options, "
        "in Arabic, French, English, Dutch or German. The answers, sent to "
        "`POST /v1/guide/answers`, say which institution is competent before anything is "
        "submitted. The `region` question shows only the options of the country chosen just "
        "before."
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
    guide = await upstreams.routing.guide(caller, language)
    response.headers.update(PUBLIC_BRIEFLY)
    return guide


@router.post(
    "/guide/answers",
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
    answer = await upstreams.routing.answer_guide(caller, answers, language)
    response.headers.update(NO_STORE)
    return answer
