"""The institutions' view of their cases."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.clients import UpstreamsDep
from gateway.receipt_guard import ReceiptGuardDep, case_not_found
from gateway.security import ANONYMOUS_ALLOWED, CallerDep, require_kind, require_scope
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import InstitutionCasePage
from nowrongdoor.contracts.intake import ComplaintForStaff
from nowrongdoor.ids import REFERENCE_PATTERN, is_receipt
from nowrongdoor.problems import Problem, ProblemError

router = APIRouter(prefix="/v1", tags=["cases"])

PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}


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
    response.headers["Cache-Control"] = "no-store"
    assert caller.institution_id is not None, "institution clients always name their institution"
    return await upstreams.institution_cases(
        caller, caller.institution_id, limit=limit, cursor=cursor
    )


@router.get(
    "/cases/{reference}/complaint",
    summary="Read the complaint of one of your cases",
    description=(
        "The complaint as filed — the complainant's words, the body complained about and, "
        "unless they chose anonymity, who they are and how to reach them — for an institution "
        "competent for it, or for the triage desk that must decide where it goes until it has "
        "decided. Every read is recorded in the audit log with the client that made "
        "it. Needs an institution client with `cases:read`; a case of another institution and "
        "an unknown reference answer alike."
    ),
    responses={
        401: {**PROBLEM, "description": "No valid access token"},
        403: {**PROBLEM, "description": "Not an institution client, or no `cases:read` scope"},
        404: {**PROBLEM, "description": "No complaint with this reference for your institution"},
    },
)
async def read_complaint(
    reference: Annotated[str, Path(pattern=REFERENCE_PATTERN)],
    caller: CallerDep,
    upstreams: UpstreamsDep,
    response: Response,
) -> ComplaintForStaff:
    require_kind(caller, "institution")
    require_scope(caller, "cases:read")
    response.headers["Cache-Control"] = "no-store"
    complaint = await upstreams.complaint_for_staff(caller, reference)
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
            "decision is still being made",
        },
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def resubmit(
    reference: Annotated[str, Path(pattern=REFERENCE_PATTERN)],
    resubmission: Resubmission,
    upstreams: UpstreamsDep,
    guard: ReceiptGuardDep,
    response: Response,
    x_receipt: Annotated[str | None, Header(alias="X-Receipt")] = None,
) -> Resubmitted:
    response.headers["Cache-Control"] = "no-store"
    if not x_receipt or not is_receipt(x_receipt):
        raise case_not_found()
    await guard.before_check(reference)
    answer = await upstreams.resubmit(Principal.public(), reference, x_receipt)
    if answer == "no-match":
        await guard.record_failure(reference)
        raise case_not_found()
    await guard.record_success(reference)
    if answer == "not-waiting":
        raise ProblemError(
            409,
            "This case is not waiting for a missing step; there is nothing to add to it now.",
            slug="not-waiting-for-prerequisite",
            title="Not waiting for a prerequisite",
        )
    if answer == "decision-pending":
        raise ProblemError(
            409,
            "This complaint is still being routed; follow the case to see the decision.",
            slug="decision-pending",
            title="Decision pending",
            headers={"Retry-After": "5"},
        )
    return Resubmitted(reference=reference)
