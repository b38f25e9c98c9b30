"""Filing a complaint, through any door."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from gateway.api.answers import NO_STORE, PROBLEM
from gateway.edge.authentication import ANONYMOUS_ALLOWED, CallerDep, require_scope
from gateway.upstreams import UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.events import RelayingNgo
from nowrongdoor.contracts.intake import ComplaintSubmission, IncomingComplaint
from nowrongdoor.contracts.routing import Reliance, RoutingClient
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
        "NGO's client files on behalf of complainants who stay anonymous to the institution: "
        "the person's identity stays with the NGO unless it passes it in `complainant`, which "
        "is sealed like every identity. An NGO naming one of its accreditations in "
        "`accreditation_id` files a verified alert relying on it: the accreditation must be "
        "granted, unexpired, and cover the complaint's category and territory, or nothing is "
        "stored and the answer says which and why. The alert is routed all the same; when "
        "the competent institution has not accredited the NGO, the case says so. "
        "A `received_by` that names no participating institution is routed as a complaint "
        "that came through no door of the network."
    ),
    responses={
        201: {"description": "Accepted; keep the receipt, it is shown only once"},
        401: {**PROBLEM, "description": "The access token is invalid, expired or revoked"},
        403: {**PROBLEM, "description": "The client may not file this complaint"},
        404: {
            **PROBLEM,
            "description": "`accreditation_id` names no accreditation of this NGO; nothing stored",
        },
        409: {
            **PROBLEM,
            "description": "The accreditation named is not in force: `accreditation-expired`, "
            "`accreditation-suspended`, `accreditation-revoked`, `accreditation-refused` or "
            "`accreditation-not-granted`; nothing was stored",
        },
        422: {
            **PROBLEM,
            "description": "Invalid input, or an alert outside its accreditation's scope "
            "(`accreditation-out-of-scope`, naming the category or territory); nothing stored",
        },
        503: {**PROBLEM, "description": "A service behind the gateway is down; nothing stored"},
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def file_complaint(
    submission: ComplaintSubmission, upstreams: UpstreamsDep, caller: CallerDep
) -> JSONResponse:
    require_scope(caller, "complaints:write")
    incoming = complaint_door(caller, submission)
    if caller.kind == "ngo":
        incoming.relayed_by = await relaying_ngo(caller, submission, upstreams.routing)
    accepted = await upstreams.intake.submit(caller, incoming)
    return JSONResponse(
        accepted.model_dump(mode="json"), status_code=status.HTTP_201_CREATED, headers=NO_STORE
    )


def complaint_door(caller: Principal, submission: ComplaintSubmission) -> IncomingComplaint:
    """The complaint with the door it was received at and the channel it came through."""
    channel: Channel = "api"
    if submission.accreditation_id is not None and caller.kind != "ngo":
        raise ProblemError(
            403,
            "Only an NGO's client files under an accreditation; leave out `accreditation_id`.",
        )
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


async def relaying_ngo(
    caller: Principal, submission: ComplaintSubmission, routing: RoutingClient
) -> RelayingNgo:
    """The NGO an alert names: verified under the accreditation it relies on, which routing
    checks first so that nothing is stored when it does not carry the alert."""
    assert caller.institution_id is not None, "an NGO's client always names its NGO"
    if submission.accreditation_id is None:
        return RelayingNgo(ngo_id=caller.institution_id)
    reliance = Reliance(category=submission.category, territory=submission.respondent.territory)
    return await routing.rely_on(caller, submission.accreditation_id, reliance)
