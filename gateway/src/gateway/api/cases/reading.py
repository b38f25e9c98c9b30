"""Reading cases: the complainant follows one with the receipt or a case session; an institution
lists and reads its own, and the complaint behind each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from starlette.types import Scope

from gateway.api.answers import NO_STORE, problem_answer
from gateway.api.cases.shared import (
    BEING_OPENED,
    CASES_UNAVAILABLE,
    ETAG_HEADER,
    FORBIDDEN_READ,
    NOT_FOUND,
    SERVICES_UNAVAILABLE,
    TOKEN_REFUSED,
    UNAUTHENTICATED,
    Cursor,
    FiltersDep,
    Limit,
    Reference,
    SessionOrReceiptHeader,
    case_being_opened,
    complainant_for,
)
from gateway.edge.authentication import (
    ANONYMOUS_ALLOWED,
    CallerDep,
    CaseCallerDep,
    require_kind,
    require_scope,
)
from gateway.edge.receipt_guard import ReceiptGuard, case_not_found
from gateway.languages import preferred_language
from gateway.tracking import CaseReads
from gateway.tracking.cache import KeptAnswer
from gateway.upstreams import Upstreams, UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CaseView, InstitutionCasePage
from nowrongdoor.contracts.intake import ComplaintForStaff
from nowrongdoor.contracts.vocabulary import Language
from nowrongdoor.ids import is_reference
from nowrongdoor.problems import ProblemError

router = APIRouter(prefix="/v1", tags=["cases"])


@dataclass(frozen=True)
class CaseReading:
    """What a read of one case uses, given as one dependency: the read is the API's most
    frequent call, and each dependency FastAPI resolves adds to its cost."""

    upstreams: Upstreams
    reads: CaseReads
    guard: ReceiptGuard
    language: Language | None
    """The language the reader asks the timeline in; None for their own."""


async def case_reading(
    request: Request,
    language: Annotated[
        Language | None,
        Query(
            description="The language to read the timeline in. Without it, the first of "
            "`Accept-Language` the platform speaks; without either, the complainant reads the "
            "case in the language of the complaint, an institution in English",
            examples=["fr"],
        ),
    ] = None,
    accept_language: Annotated[
        str | None,
        Header(
            alias="Accept-Language",
            description="The languages the reader prefers, used when `language` is not given",
            examples=["nl-BE, fr;q=0.8"],
        ),
    ] = None,
) -> CaseReading:
    state = request.app.state
    return CaseReading(
        upstreams=state.upstreams,
        reads=state.case_reads,
        guard=state.receipt_guard,
        language=language or preferred_language(accept_language),
    )


CaseReadingDep = Annotated[CaseReading, Depends(case_reading)]


@router.get(
    "/cases",
    summary="List your institution's cases",
    description=(
        "The cases in which the calling institution has a part, newest first, a page at a time: "
        "pass `next_cursor` as `cursor` for the next page, with the same filters. Filters "
        "narrow the list by the status of the institution's part, the complaint's category and "
        "territory, "
        "whether a promised date was missed, and when it was received. Needs an institution "
        "client with the `cases:read` scope. An NGO's client with `cases:read` lists the "
        "cases whose alert it relayed, each with the lead institution's part, and follows "
        "each as the person would: status, dates, timeline and the messages of the person's "
        "side."
    ),
    responses={
        200: {"description": "One page of the institution's cases"},
        401: UNAUTHENTICATED,
        403: FORBIDDEN_READ,
        422: problem_answer("A parameter is invalid, or a cursor this list never handed out"),
        503: CASES_UNAVAILABLE,
    },
    response_model=InstitutionCasePage,
)
async def list_own_cases(
    request: Request,
    caller: CallerDep,
    upstreams: UpstreamsDep,
    filters: FiltersDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Response:
    require_kind(caller, "institution", "ngo")
    require_scope(caller, "cases:read")
    reads: CaseReads = request.app.state.case_reads
    seen = await reads.page(
        upstreams.cases,
        caller,
        list_query(request.scope),
        limit=limit,
        cursor=cursor,
        filters=filters,
    )
    return page_answer(seen)


def lists_without_checks(caller: Principal) -> bool:
    """Whether `list_own_cases` lets `caller` list its cases with nothing more to check: an
    institution's client with `cases:read`. An NGO's list is asked afresh each time."""
    return caller.kind == "institution" and "cases:read" in caller.scopes


def list_query(scope: Scope) -> str:
    """The query string of a list, which names its page in the tracking cache."""
    query: bytes = scope.get("query_string", b"")
    return query.decode("latin-1")


def page_answer(seen: KeptAnswer) -> Response:
    """A page of the list as case tracking wrote it (checked against the contract when it was
    read)."""
    return Response(seen.body, media_type="application/json", headers=NO_STORE)


@router.get(
    "/cases/{reference}",
    summary="Follow a case: the complainant with the receipt, an institution with its token",
    description=(
        "Answers the case — its status, the competent institution(s), the dates each promised "
        "and whether it kept them, the messages this reader may read, and the timeline. The "
        "complainant sends the receipt given at submission in `X-Receipt`, or the token of a "
        "case session opened with it (`POST /v1/cases/{reference}/session`) as "
        "`Authorization: Bearer`, which spares checking the receipt each time; an institution "
        "client with `cases:read` sends its access token, sees only cases it has a part in, "
        "each institution's part with the steps it may take next, and an `ETag` to send back "
        "as `If-Match` with a change. The timeline reads in the `language` asked for, else in "
        "the first language of `Accept-Language` the platform speaks (Arabic, French, English, "
        "Dutch, German), else in the complaint's own language for the complainant and in "
        "English for an institution; a reason an institution gave reads as it was written. A "
        "wrong receipt, a session of another case, a case of another institution and an unknown "
        "reference all give the same 404, so none can be probed; a session that has ended, 401. "
        "In the moment between filing and the case being opened the answer is 409 with "
        "`Retry-After`."
    ),
    responses={
        200: {"description": "The case as this reader may see it", "headers": ETAG_HEADER},
        401: TOKEN_REFUSED,
        403: FORBIDDEN_READ,
        404: NOT_FOUND,
        409: BEING_OPENED,
        503: SERVICES_UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
    response_model=CaseView,
)
async def follow_case(
    reference: str,
    caller: CaseCallerDep,
    reading: CaseReadingDep,
    x_receipt: SessionOrReceiptHeader = None,
) -> Response:
    upstreams, reads, guard = reading.upstreams, reading.reads, reading.guard
    cases = upstreams.cases.reading_in(reading.language)
    if caller.kind != "public":
        require_scope(caller, "cases:read")
        seen = await reads.answer(cases, caller, reference) if is_reference(reference) else None
        if seen is None:
            raise case_not_found()
        return case_answer(seen, caller)
    complainant = await complainant_for(caller, reference, x_receipt, guard, upstreams.intake)
    seen = await reads.answer(cases, complainant, reference)
    if seen is None:
        raise case_being_opened()
    return case_answer(seen, complainant)


def reads_without_checks(caller: Principal, reference: str) -> bool:
    """Whether `follow_case` lets `caller` read `reference` with nothing more to check: an API
    client with `cases:read`, or the complainant whose case session opens this very case. A
    receipt to check, or a caller it refuses, is for the route alone."""
    if caller.kind == "public":
        return caller.may_open_as_complainant(reference)
    return "cases:read" in caller.scopes and is_reference(reference)


def case_answer(seen: KeptAnswer, reader: Principal) -> Response:
    """The case as case tracking wrote it for `reader` (checked against the contract when it
    was read), with its entity tag for an API client."""
    headers = {**NO_STORE, "Vary": "Accept-Language"}
    if reader.kind != "public" and seen.etag:
        headers["ETag"] = seen.etag
    return Response(seen.body, media_type="application/json", headers=headers)


@router.get(
    "/cases/{reference}/complaint",
    summary="Read the complaint of one of your cases",
    description=(
        "The complaint as filed — the complainant's words, the body complained about and, "
        "unless they chose anonymity, who they are and how to reach them — for an institution "
        "competent for it, or for the triage desk that must decide where it goes until it has "
        "decided. Every read is recorded in the audit log with the client that made "
        "it. Needs an institution client with `cases:read`; a case of another institution and "
        "an unknown reference answer alike. While routing's decision is still reaching the "
        "complaint's store the answer is 409 with `Retry-After`."
    ),
    responses={
        401: UNAUTHENTICATED,
        403: FORBIDDEN_READ,
        404: problem_answer("No complaint with this reference for your institution"),
        409: problem_answer("The routing decision is on its way; see Retry-After"),
        503: problem_answer("Intake is not answering; nothing was changed"),
    },
)
async def read_complaint(
    reference: Reference, caller: CallerDep, upstreams: UpstreamsDep, response: Response
) -> ComplaintForStaff:
    require_kind(caller, "institution")
    require_scope(caller, "cases:read")
    response.headers.update(NO_STORE)
    complaint = await upstreams.intake.complaint_for_staff(caller, reference)
    if complaint is None:
        raise ProblemError(404, "No complaint with this reference for your institution.")
    return complaint
