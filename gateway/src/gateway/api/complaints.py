"""Filing a complaint, through any door."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from gateway.api.answers import NO_STORE, PROBLEM
from gateway.edge.authentication import ANONYMOUS_ALLOWED, CallerDep, require_scope
from gateway.upstreams import UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.intake import ComplaintSubmission, IncomingComplaint
from nowrongdoor.contracts.vocabulary import Channel
from nowrongdoor.problems import ProblemError

router = APIRouter(prefix="/v1", tags=["complaints"])


@router.post(
    "/complaints",
    status_code=status.HTTP_201_CREATED,
    summary="File a complaint",
    description=(
        "Accepts a complaint through any door. The answer holds the public `reference` and the "
        "secret `receipt`, shown only in this answer: together they open the case. "
        "Send an `Idempotency-Key` to retry safely: a retry then gives the same receipt again "
        "rather than filing the complaint twice.\n\n"
        "Citizens send no token. An institution's client (scope `complaints:write`) files what "
        "its own counter received: `received_by` defaults to, and must be, its institution. An "
        "NGO's client files on behalf of complainants who stay anonymous to the institution. "
        "A `received_by` that names no participating institution is routed as a complaint "
        "that came through no door of the network."
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
    accepted = await upstreams.intake.submit(caller, complaint_door(caller, submission))
    return JSONResponse(
        accepted.model_dump(mode="json"), status_code=status.HTTP_201_CREATED, headers=NO_STORE
    )


def complaint_door(caller: Principal, submission: ComplaintSubmission) -> IncomingComplaint:
    """The complaint with the door it was received at and the channel it came through."""
    channel: Channel = "api"
    if caller.kind == "institution":
        own = caller.institution_id
        if submission.received_by not in (None, own):
            raise ProblemError(
                403,
                "An institution's client files only complaints received at its own door; "
                "leave out `received_by` or give its own institution id.",
            )
        submission, channel = submission.model_copy(update={"received_by": own}), "counter"
    elif caller.kind == "ngo":
        channel = "ngo"
    return IncomingComplaint(submission=submission, channel=channel)
