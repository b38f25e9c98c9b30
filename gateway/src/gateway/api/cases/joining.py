"""Joint cases: an institution asks another to take part, the one asked answers, and an
institution not competent after all leaves a case the others carry on.

Case-tracking owns the rules; the gateway checks who is calling and that each change names the
version of the case it was decided on, then relays the answer, as for every change of a case.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from gateway.api.answers import NO_STORE, problem_answer
from gateway.api.cases.lifecycle import CHANGE_RESPONSES
from gateway.api.cases.shared import (
    ETAG_HEADER,
    IF_MATCH_REQUIRED,
    NOT_FOUND,
    IfMatchHeader,
    Reference,
    precondition_required,
    relayed,
)
from gateway.edge.authentication import CallerDep, require_kind, require_scope
from gateway.upstreams import UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CaseView, Invitation, InvitationAnswer, Leaving

router = APIRouter(prefix="/v1", tags=["cases"])

INVITATION_EXAMPLES: dict[str, Any] = {
    "rights": {
        "summary": "Ask the human-rights council to take part",
        "value": {
            "institution_id": "ma-cndh",
            "reason": "The officials complained of are police officers: a human-rights matter.",
        },
    }
}
ANSWER_EXAMPLES: dict[str, Any] = {
    "accept": {"summary": "Take part in the case", "value": {"accept": True}},
    "decline": {
        "summary": "Decline, saying why",
        "value": {"accept": False, "reason": "No corruption is alleged in this complaint."},
    },
}
LEAVING_EXAMPLES: dict[str, Any] = {
    "not-competent": {
        "summary": "Not competent after all",
        "value": {"reason": "The body complained of is a private company, outside our mandate."},
    }
}
_AFTER = (
    "\n\nSend the case's `ETag` as `If-Match`: without it the answer is 428; when the case "
    "changed meanwhile, 412 and nothing changes. Needs an institution client with `cases:write`"
)


def _changed(response: Response, view: CaseView, etag: str) -> CaseView:
    response.headers.update(NO_STORE)
    if etag:
        response.headers["ETag"] = etag
    return view


def _writer(caller: Principal, if_match: str | None) -> str:
    """The institution client with `cases:write` making a change, and the tag it names."""
    require_kind(caller, "institution")
    require_scope(caller, "cases:write")
    return precondition_required(if_match)


@router.post(
    "/cases/{reference}/invitations",
    summary="Ask another institution to take part in a case",
    description=(
        "An institution working its part of a case asks another institution to take part: "
        "the case becomes (or stays) joint, under the same reference. The institution asked "
        "may then read the case, without its messages, and answers on "
        "`/v1/cases/{reference}/invitation-answer`. The `reason` is for the institutions; the "
        "complainant's timeline says only who asked whom. An institution taking part already, "
        "or asked already and not yet answering, cannot be asked (409)." + _AFTER + " whose "
        "institution takes part in the case; to every other client the case does not exist."
    ),
    responses={
        **CHANGE_RESPONSES,
        200: {
            "description": "The case, with the invitation listed under `invitations`",
            "headers": ETAG_HEADER,
        },
        409: problem_answer(
            "The institution named takes part already (`already-taking-part`) or was asked "
            "already (`already-invited`), the caller's part has ended (`part-ended`), or the "
            "case is closed or withdrawn (`case-finished`)"
        ),
        422: problem_answer("No reason, or a malformed institution id; nothing was changed"),
    },
    openapi_extra=IF_MATCH_REQUIRED,
)
async def invite(
    reference: Reference,
    invitation: Annotated[Invitation, Body(openapi_examples=INVITATION_EXAMPLES)],
    caller: CallerDep,
    upstreams: UpstreamsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CaseView:
    tag = _writer(caller, if_match)
    with relayed():
        view, etag = await upstreams.cases.invite(caller, reference, invitation, if_match=tag)
    return _changed(response, view, etag)


@router.post(
    "/cases/{reference}/invitation-answer",
    summary="Accept or decline taking part in a case",
    description=(
        "The institution asked to take part answers. Accepting opens its own part of the case, "
        "`associated`, at `routed`, with the dates it promises counted from now; it then reads "
        "the messages meant for the institutions and works its part like any other. Declining "
        "needs a `reason`, told to the institution that asked; the case then no longer exists "
        "for the institution that declined (this answer is the last it reads of it)."
        + _AFTER
        + " whose institution was asked and has not answered yet; to every other client the "
        "case does not exist."
    ),
    responses={
        **CHANGE_RESPONSES,
        200: {"description": "The case after the answer", "headers": ETAG_HEADER},
        404: NOT_FOUND,
        409: problem_answer(
            "The case is closed or withdrawn (`case-finished`): it may still be declined"
        ),
        422: problem_answer("A decline without a reason; nothing was changed"),
    },
    openapi_extra=IF_MATCH_REQUIRED,
)
async def answer_invitation(
    reference: Reference,
    answer: Annotated[InvitationAnswer, Body(openapi_examples=ANSWER_EXAMPLES)],
    caller: CallerDep,
    upstreams: UpstreamsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CaseView:
    tag = _writer(caller, if_match)
    with relayed():
        view, etag = await upstreams.cases.answer_invitation(
            caller, reference, answer, if_match=tag
        )
    return _changed(response, view, etag)


@router.post(
    "/cases/{reference}/leave",
    summary="Leave a joint case you are not competent for",
    description=(
        "An institution that is not competent after all leaves a case other institutions take "
        "part in, with a `reason` the complainant reads on the timeline. Its part ends "
        "(`transferred`, with no institution named: handed on to those that stay); if it led, "
        "the oldest part left leads. The case's status is then derived from the parts that "
        "stay. The last institution taking part cannot leave: it transfers the case instead "
        "(409 `last-part`). A part found inadmissible or resolved closes rather than leaves "
        "(409 `cannot-leave`)." + _AFTER + " whose institution takes part in the case; to "
        "every other client the case does not exist."
    ),
    responses={
        **CHANGE_RESPONSES,
        200: {"description": "The case after the institution left", "headers": ETAG_HEADER},
        409: problem_answer(
            "No other institution takes part (`last-part`: transfer instead), or the part "
            "has decided or ended (`cannot-leave`)"
        ),
        422: problem_answer("No reason; nothing was changed"),
    },
    openapi_extra=IF_MATCH_REQUIRED,
)
async def leave(
    reference: Reference,
    leaving: Annotated[Leaving, Body(openapi_examples=LEAVING_EXAMPLES)],
    caller: CallerDep,
    upstreams: UpstreamsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CaseView:
    tag = _writer(caller, if_match)
    with relayed():
        view, etag = await upstreams.cases.leave(caller, reference, leaving, if_match=tag)
    return _changed(response, view, etag)
