"""Working a case through its steps: an institution moves or transfers its part; the complainant
withdraws, or comes back once a missing step is done.

Case-tracking owns the steps and says which are allowed; the gateway checks who is calling and
that a change names the version of the case it was decided on, then relays the answer.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.answers import NO_STORE, problem_answer
from gateway.api.cases.shared import (
    CASES_UNAVAILABLE,
    ETAG_HEADER,
    FORBIDDEN_WRITE,
    IF_MATCH_REQUIRED,
    ILLEGAL_TRANSITION,
    INVALID,
    NOT_FOUND,
    PRECONDITION_FAILED,
    PRECONDITION_REQUIRED,
    SERVICES_UNAVAILABLE,
    TOKEN_REFUSED,
    UNAUTHENTICATED,
    IfMatchHeader,
    ReceiptHeader,
    Reference,
    SessionOrReceiptHeader,
    complainant_for,
    precondition_required,
    relayed,
)
from gateway.edge.authentication import (
    ANONYMOUS_ALLOWED,
    CallerDep,
    CaseCallerDep,
    require_kind,
    require_scope,
)
from gateway.edge.receipt_guard import ReceiptGuardDep, case_not_found
from gateway.upstreams import UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CaseView, StatusChange, Transfer, Withdrawal
from nowrongdoor.contracts.http import ServiceProblem
from nowrongdoor.contracts.intake import ResubmissionCheck
from nowrongdoor.ids import is_receipt

router = APIRouter(prefix="/v1", tags=["cases"])

STEP_EXAMPLES: dict[str, Any] = {
    "acknowledge": {
        "summary": "Acknowledge the complaint, naming who handles it",
        "value": {"status": "acknowledged", "handler": "Service des réclamations, Casablanca"},
    },
    "ask": {
        "summary": "Wait for the complainant (the promised dates pause)",
        "value": {
            "status": "awaiting-complainant",
            "reason": "Please send the number of your file at the commune.",
        },
    },
    "resume": {
        "summary": "Resume where the case paused",
        "value": {"status": "admissible"},
    },
    "inadmissible": {
        "summary": "Decide it cannot be taken up",
        "value": {
            "status": "inadmissible",
            "reason": "The decision complained of is before a court; we cannot take it up.",
        },
    },
    "resolve": {
        "summary": "Resolve it with an outcome",
        "value": {
            "status": "resolved",
            "outcome": "upheld",
            "reason": "The commune has issued the certificate and apologised for the delay.",
        },
    },
}
TRANSFER_EXAMPLES: dict[str, Any] = {
    "named": {
        "summary": "To the institution believed competent",
        "description": "A part opens at `ma-cndh` at once, in the place of the caller's.",
        "value": {
            "reason": "The complaint concerns a human-rights violation.",
            "to_institution_id": "ma-cndh",
        },
    },
    "routing": {
        "summary": "Back to routing, to decide again",
        "description": (
            "No institution named: the case reads `received` until routing decides again, "
            "never for the caller nor for an institution that declined it before."
        ),
        "value": {"reason": "The body complained about is a Flemish administration."},
    },
}
CHANGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The case after the change, with its new `ETag`", "headers": ETAG_HEADER},
    401: UNAUTHENTICATED,
    403: FORBIDDEN_WRITE,
    404: NOT_FOUND,
    409: ILLEGAL_TRANSITION,
    412: PRECONDITION_FAILED,
    422: INVALID,
    428: PRECONDITION_REQUIRED,
    503: CASES_UNAVAILABLE,
}


def _changed(response: Response, view: CaseView, etag: str) -> CaseView:
    response.headers.update(NO_STORE)
    if etag:
        response.headers["ETag"] = etag
    return view


@router.post(
    "/cases/{reference}/status",
    summary="Move your part of a case one step on",
    description=(
        "Takes the next step on the calling institution's part of the case:\n\n"
        "- `routed` → `acknowledged`\n"
        "- `acknowledged` → `admissible` or `inadmissible`\n"
        "- `admissible` → `investigating` → `resolved`\n"
        "- `inadmissible` or `resolved` → `closed`\n"
        "- from `acknowledged`, `admissible` or `investigating` → `awaiting-complainant` (its "
        "promised dates pause), then back to the status it paused from\n\n"
        "`resolved` needs an `outcome` and a `reason`, `inadmissible` a `reason`: the "
        "complainant reads both. A step not allowed now is 409 naming the allowed ones (each "
        "part's `allowed`, when the case is read, lists them too). Declining competence is a "
        "transfer, on its own route.\n\n"
        "Send the case's `ETag` as `If-Match`: without it the answer is 428; when the case "
        "changed meanwhile, 412 and nothing changes. Needs an institution client with "
        "`cases:write` whose institution has a part in the case; to every other client the "
        "case does not exist."
    ),
    responses=CHANGE_RESPONSES,
    openapi_extra=IF_MATCH_REQUIRED,
)
async def change_status(
    reference: Reference,
    change: Annotated[StatusChange, Body(openapi_examples=STEP_EXAMPLES)],
    caller: CallerDep,
    upstreams: UpstreamsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CaseView:
    require_kind(caller, "institution")
    require_scope(caller, "cases:write")
    tag = precondition_required(if_match)
    with relayed():
        view, etag = await upstreams.cases.change_status(caller, reference, change, if_match=tag)
    return _changed(response, view, etag)


@router.post(
    "/cases/{reference}/transfer",
    summary="Transfer your part of a case: not competent",
    description=(
        "The calling institution declines competence with a reason the complainant reads, in "
        "one of two ways:\n\n"
        "- naming the institution it believes competent in `to_institution_id`: a part opens "
        "there at once, in the caller's place and with the same role;\n"
        "- naming nobody: routing decides again, as a new decision under the same reference, "
        "and never chooses the caller, an institution that declined the case before, or one "
        "already taking part. Until it has, the case reads `received` (or the status of the "
        "other institutions' parts in a joint case). Routing then opens a part at the "
        "institution it finds competent, or sends the case to triage at the door it came "
        "through (or the network's desk for the country, when that door declined it too), "
        "or gives the complainant advice when no participating institution is competent. "
        "The complainant is told, in their language, who transferred the case and where it "
        "went.\n\n"
        "Either way the case keeps its reference, receipt, timeline and messages, and the "
        "caller no longer reads the complaint. A part may be transferred from `routed`, "
        "`acknowledged` or `admissible`; otherwise 409 names the allowed steps. An institution "
        "already taking part in the case cannot be named.\n\n"
        "Send the case's `ETag` as `If-Match`: without it the answer is 428; when the case "
        "changed meanwhile, 412 and nothing changes. Needs an institution client with "
        "`cases:write` whose institution has a part in the case; to every other client the "
        "case does not exist."
    ),
    responses={
        **CHANGE_RESPONSES,
        409: problem_answer(
            "Not a part that may be transferred now (`illegal-transition`, naming the allowed "
            "steps), or the institution named already takes part (`already-taking-part`)"
        ),
        422: problem_answer("No reason, or a malformed institution id; nothing was changed"),
    },
    openapi_extra=IF_MATCH_REQUIRED,
)
async def transfer_case(
    reference: Reference,
    transfer: Annotated[Transfer, Body(openapi_examples=TRANSFER_EXAMPLES)],
    caller: CallerDep,
    upstreams: UpstreamsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CaseView:
    require_kind(caller, "institution")
    require_scope(caller, "cases:write")
    tag = precondition_required(if_match)
    with relayed():
        view, etag = await upstreams.cases.transfer(caller, reference, transfer, if_match=tag)
    return _changed(response, view, etag)


@router.post(
    "/cases/{reference}/withdraw",
    summary="Withdraw your complaint",
    description=(
        "The complainant ends the case: every institution's part still open becomes "
        "`withdrawn`, and the retention period of its personal data starts. A `reason` is "
        "optional; the body may be `{}` or left out. Send the receipt in `X-Receipt`, or the "
        "token of a case session as `Authorization: Bearer`; a wrong receipt, a session of "
        "another case and an unknown reference give the same 404. A case already closed or "
        "withdrawn answers 409."
    ),
    responses={
        200: {"description": "The case, withdrawn"},
        401: TOKEN_REFUSED,
        404: NOT_FOUND,
        409: problem_answer(
            "The case is already closed or withdrawn, or was filed a moment ago and is being "
            "opened (then with `Retry-After`)"
        ),
        422: problem_answer("A field is invalid; nothing was changed"),
        503: SERVICES_UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def withdraw(
    reference: Reference,
    caller: CaseCallerDep,
    upstreams: UpstreamsDep,
    guard: ReceiptGuardDep,
    response: Response,
    withdrawal: Annotated[
        Withdrawal | None,
        Body(
            openapi_examples={
                "silent": {"summary": "No reason given", "value": {}},
                "reason": {
                    "summary": "With a reason",
                    "value": {"reason": "The commune has answered me in the meantime."},
                },
            }
        ),
    ] = None,
    x_receipt: SessionOrReceiptHeader = None,
) -> CaseView:
    response.headers.update(NO_STORE)
    # The receipt or a case session opens the case; an API client's token opens nothing here.
    complainant = await complainant_for(caller, reference, x_receipt, guard, upstreams.intake)
    with relayed(receipt_checked=True):
        return await upstreams.cases.withdraw(complainant, reference, withdrawal or Withdrawal())


class Resubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")

    administration_contacted: Literal[True] = Field(
        description="The administration has now been contacted, as the advice asked"
    )


class Resubmitted(BaseModel):
    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    status: Literal["resubmitted"] = "resubmitted"


@router.post(
    "/cases/{reference}/resubmission",
    summary="Come back with the same reference once the administration has been contacted",
    description=(
        "A complaint held because a prerequisite was missing (`inadmissible`, with the advice "
        "to contact the administration first) is routed again under the same reference once "
        "the complainant confirms the administration was contacted. Follow the case to see "
        "where it goes. Send the receipt in `X-Receipt`, even with a case session: intake "
        "checks it again as it routes the complaint anew."
    ),
    status_code=202,
    responses={
        202: {"description": "Accepted; the complaint is being routed again"},
        404: NOT_FOUND,
        409: problem_answer(
            "The case is not waiting for a missing step, or its routing decision is still "
            "being made (then with `Retry-After`)"
        ),
        503: problem_answer("Intake is not answering; nothing was changed"),
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def resubmit(
    reference: Reference,
    resubmission: Resubmission,
    caller: CallerDep,
    upstreams: UpstreamsDep,
    guard: ReceiptGuardDep,
    response: Response,
    x_receipt: ReceiptHeader = None,
) -> Resubmitted:
    response.headers.update(NO_STORE)
    if not x_receipt or not is_receipt(x_receipt):
        raise case_not_found()
    check = ResubmissionCheck(reference=reference, receipt=x_receipt, administration_contacted=True)

    async def attempt() -> object | None:
        try:
            # The receipt opens it, never a token; `caller` only refuses a token that is invalid.
            return await upstreams.intake.resubmit(Principal.public(), check)
        except ServiceProblem as refusal:
            if refusal.status != 409:
                raise
            return refusal  # the receipt was right; nothing waits for this step

    outcome = await guard.guarded(reference, attempt)
    if isinstance(outcome, ServiceProblem):
        raise outcome
    return Resubmitted(reference=reference)


@router.post(
    "/cases/{reference}/relay/withdrawal",
    status_code=204,
    summary="Withdraw the NGO that relayed an alert from its case",
    description=(
        "An institution taking part in the case, with `cases:write`, withdraws the NGO that "
        "relayed the alert: from then on the NGO reads and writes nothing in the case, "
        "whatever its accreditation. Without this, an NGO whose accreditation ended "
        "(suspended, revoked or expired) keeps reading the cases it relayed until they close, "
        "and writes no more. Recorded in the audit log; withdrawing again changes nothing. "
        "A case of another institution and an unknown reference give the same 404."
    ),
    responses={
        204: {"description": "Withdrawn"},
        401: UNAUTHENTICATED,
        403: FORBIDDEN_WRITE,
        404: NOT_FOUND,
        422: problem_answer("No NGO relayed this case; nothing was changed"),
        503: CASES_UNAVAILABLE,
    },
)
async def withdraw_relay(
    reference: Reference, caller: CallerDep, upstreams: UpstreamsDep
) -> Response:
    require_kind(caller, "institution")
    require_scope(caller, "cases:write")
    with relayed():
        await upstreams.cases.withdraw_relay(caller, reference)
    return Response(status_code=204, headers=NO_STORE)
