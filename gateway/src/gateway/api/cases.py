"""Cases: the complainant follows one with the receipt; an institution lists and reads its own."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.answers import NO_STORE, PROBLEM
from gateway.edge.authentication import ANONYMOUS_ALLOWED, CallerDep, require_kind, require_scope
from gateway.edge.receipt_guard import ReceiptGuardDep, case_not_found
from gateway.upstreams import UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CaseView, InstitutionCasePage
from nowrongdoor.contracts.http import ServiceProblem
from nowrongdoor.contracts.intake import ComplaintForStaff, ReceiptCheck, ResubmissionCheck
from nowrongdoor.ids import REFERENCE_PATTERN, is_receipt, is_reference
from nowrongdoor.problems import ProblemError

router = APIRouter(prefix="/v1", tags=["cases"])

Reference = Annotated[str, Path(pattern=REFERENCE_PATTERN, examples=["NWD-7K3M9QX2VD4H"])]
Receipt = Annotated[
    str | None,
    Header(
        alias="X-Receipt",
        description="The 16-digit receipt given when the complaint was filed",
        examples=["4821093377160254"],
    ),
]


@router.get(
    "/cases",
    summary="List your institution's cases",
    description=(
        "The cases in which the calling institution has a part, newest first, a page at a time. "
        "Needs an institution client with the `cases:read` scope."
    ),
    responses={
        401: {**PROBLEM, "description": "No valid access token"},
        403: {**PROBLEM, "description": "Not an institution client, or no `cases:read` scope"},
        422: {**PROBLEM, "description": "A parameter is invalid"},
    },
)
async def list_own_cases(
    caller: CallerDep,
    upstreams: UpstreamsDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=100, description="Cases per page")] = 20,
    cursor: Annotated[str | None, Query(max_length=200, description="From `next_cursor`")] = None,
) -> InstitutionCasePage:
    require_kind(caller, "institution")
    require_scope(caller, "cases:read")
    response.headers.update(NO_STORE)
    assert caller.institution_id is not None, "institution clients always name their institution"
    return await upstreams.cases.institution_cases(
        caller, caller.institution_id, limit=limit, cursor=cursor
    )


@router.get(
    "/cases/{reference}",
    summary="Follow a case: the complainant with the receipt, an institution with its token",
    description=(
        "Answers the case — its status, the competent institution(s) and the timeline. The "
        "complainant sends the receipt given at submission in `X-Receipt`; an institution "
        "client with `cases:read` sends its access token and sees only cases it has a part in. "
        "A wrong receipt, a case of another institution and an unknown reference all give the "
        "same 404, so none can be probed. In the moment between filing and the case being "
        "opened the answer is 409 with `Retry-After`."
    ),
    responses={
        401: {**PROBLEM, "description": "The access token is not valid"},
        403: {**PROBLEM, "description": "The client lacks the `cases:read` scope"},
        404: {**PROBLEM, "description": "No case matches this reference and receipt"},
        409: {**PROBLEM, "description": "Filed a moment ago; the case is being opened"},
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def follow_case(
    reference: str,
    response: Response,
    caller: CallerDep,
    upstreams: UpstreamsDep,
    guard: ReceiptGuardDep,
    x_receipt: Receipt = None,
) -> CaseView:
    response.headers.update(NO_STORE)
    if caller.kind != "public":
        require_scope(caller, "cases:read")
        seen = await upstreams.cases.case(caller, reference) if is_reference(reference) else None
        if seen is None:
            raise case_not_found()
        return seen
    if not x_receipt or not is_reference(reference) or not is_receipt(x_receipt):
        raise case_not_found()
    check = ReceiptCheck(reference=reference, receipt=x_receipt)
    await guard.guarded(reference, lambda: upstreams.intake.check_receipt(caller, check))
    view = await upstreams.cases.case(caller.holding_receipt_for(reference), reference)
    if view is None:
        # Intake holds the complaint, and case-tracking has not heard of it yet.
        raise ProblemError(
            409,
            "This complaint was filed a moment ago and its case is being opened; "
            "ask again in a second.",
            slug="case-being-opened",
            title="Case being opened",
            headers={"Retry-After": "1", **NO_STORE},
        )
    return view


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
        401: {**PROBLEM, "description": "No valid access token"},
        403: {**PROBLEM, "description": "Not an institution client, or no `cases:read` scope"},
        404: {**PROBLEM, "description": "No complaint with this reference for your institution"},
        409: {**PROBLEM, "description": "The routing decision is on its way; see Retry-After"},
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
        "where it goes. Send the receipt in `X-Receipt`."
    ),
    status_code=202,
    responses={
        202: {"description": "Accepted; the complaint is being routed again"},
        404: {**PROBLEM, "description": "No case matches this reference and receipt"},
        409: {
            **PROBLEM,
            "description": "The case is not waiting for a missing step, or its routing "
            "decision is still being made (then with `Retry-After`)",
        },
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
    x_receipt: Receipt = None,
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
