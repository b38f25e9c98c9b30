"""The public REST API, version 1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response, status
from fastapi.responses import JSONResponse

from gateway.clients import UpstreamsDep
from gateway.receipt_guard import ReceiptGuardDep
from gateway.security import ANONYMOUS_ALLOWED, CallerDep, require_scope
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CaseView, TimelineEntry
from nowrongdoor.contracts.intake import ComplaintSubmission
from nowrongdoor.contracts.vocabulary import Channel
from nowrongdoor.ids import is_receipt, is_reference
from nowrongdoor.problems import FieldProblem, Problem, ProblemError

router = APIRouter(prefix="/v1")

PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}
NO_STORE = {"Cache-Control": "no-store"}


@router.post(
    "/complaints",
    status_code=status.HTTP_201_CREATED,
    tags=["complaints"],
    summary="File a complaint",
    description=(
        "Accepts a complaint through any door. The answer holds the public `reference` and the "
        "secret `receipt`, shown only in this answer: together they open the case. "
        "Send an `Idempotency-Key` to retry safely: a retry then gives the same receipt again "
        "rather than filing the complaint twice.\n\n"
        "Citizens send no token. An institution's client (scope `complaints:write`) files what "
        "its own counter received: `received_by` defaults to, and must be, its institution. An "
        "NGO's client files on behalf of complainants who stay anonymous to the institution."
    ),
    responses={
        201: {"description": "Accepted; keep the receipt, it is shown only once"},
        401: {**PROBLEM, "description": "The access token is invalid, expired or revoked"},
        403: {**PROBLEM, "description": "The client may not file this complaint"},
        422: {**PROBLEM, "description": "Invalid input; nothing was stored"},
        503: {**PROBLEM, "description": "A service behind the gateway is down; nothing stored"},
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def file_complaint(
    submission: ComplaintSubmission, upstreams: UpstreamsDep, caller: CallerDep
) -> JSONResponse:
    require_scope(caller, "complaints:write")
    submission, channel = complaint_door(caller, submission)
    if submission.received_by and submission.received_by not in await upstreams.institution_ids():
        raise ProblemError(
            422,
            "1 field is invalid",
            errors=[
                FieldProblem(
                    field="received_by", message="No participating institution has this id"
                )
            ],
        )
    accepted = await upstreams.submit(caller, submission, channel)
    return JSONResponse(
        accepted.model_dump(mode="json"), status_code=status.HTTP_201_CREATED, headers=NO_STORE
    )


def complaint_door(
    caller: Principal, submission: ComplaintSubmission
) -> tuple[ComplaintSubmission, Channel]:
    """The channel a complaint came through, and the door it was received at."""
    if caller.kind == "institution":
        own = caller.institution_id
        if submission.received_by not in (None, own):
            raise ProblemError(
                403,
                "An institution's client files only complaints received at its own door; "
                "leave out `received_by` or give its own institution id.",
            )
        return submission.model_copy(update={"received_by": own}), "counter"
    if caller.kind == "ngo":
        return submission, "ngo"
    return submission, "api"


@router.get(
    "/cases/{reference}",
    tags=["cases"],
    summary="Follow a case: the complainant with the receipt, an institution with its token",
    description=(
        "Answers the case — its status, the competent institution(s) and the timeline. The "
        "complainant sends the receipt given at submission in `X-Receipt`; an institution "
        "client with `cases:read` sends its access token and sees only cases it has a part in. "
        "A wrong receipt, a case of another institution and an unknown reference all give the "
        "same 404, so none can be probed."
    ),
    responses={
        401: {**PROBLEM, "description": "The access token is not valid"},
        403: {**PROBLEM, "description": "The client lacks the `cases:read` scope"},
        404: {**PROBLEM, "description": "No case matches this reference and receipt"},
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def follow_case(
    reference: str,
    response: Response,
    caller: CallerDep,
    upstreams: UpstreamsDep,
    guard: ReceiptGuardDep,
    x_receipt: Annotated[str | None, Header(alias="X-Receipt")] = None,
) -> CaseView:
    response.headers.update(NO_STORE)
    not_found = ProblemError(404, "No case matches this reference and receipt.", headers=NO_STORE)
    if caller.kind != "public":
        require_scope(caller, "cases:read")
        seen = await upstreams.case(caller, reference) if is_reference(reference) else None
        if seen is None:
            raise not_found
        return seen
    if not x_receipt or not is_reference(reference) or not is_receipt(x_receipt):
        raise not_found
    await guard.before_check(reference)
    submission = await upstreams.check_receipt(Principal.public(), reference, x_receipt)
    if submission is None:
        await guard.record_failure(reference)
        raise not_found
    await guard.record_success(reference)
    view = await upstreams.case(Principal.public().holding_receipt_for(reference), reference)
    if view is not None:
        return view
    # Accepted but not yet routed: the events are still on their way.
    return CaseView(
        reference=reference,
        status="received",
        institutions=[],
        timeline=[
            TimelineEntry(
                at=submission["received_at"],
                kind="received",
                actor="platform",
                summary="Received; finding the competent institution",
            )
        ],
    )
