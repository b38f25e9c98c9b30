"""The institutions' view of their cases."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from gateway.clients import UpstreamsDep
from gateway.security import CallerDep, require_kind, require_scope
from nowrongdoor.contracts import ComplaintForStaff
from nowrongdoor.ids import REFERENCE_PATTERN
from nowrongdoor.problems import Problem, ProblemError

router = APIRouter(prefix="/v1", tags=["cases"])

PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}


class InstitutionCase(BaseModel):
    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    status: str = Field(examples=["routed"], description="The status of the whole case")
    part_status: str = Field(examples=["routed"], description="This institution's part of it")
    role: str = Field(examples=["lead"], description="`lead` or `associated`")
    office_id: str | None = Field(None, examples=["ma-mediateur-casablanca-settat"])
    language: str = Field(examples=["fr"])
    opened_at: datetime


class InstitutionCasePage(BaseModel):
    items: list[InstitutionCase]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; absent on the last page"
    )


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
    page = await upstreams.institution_cases(
        caller, caller.institution_id, limit=limit, cursor=cursor
    )
    return InstitutionCasePage.model_validate(page)


@router.get(
    "/cases/{reference}/complaint",
    summary="Read the complaint of one of your cases",
    description=(
        "The complaint as filed — the complainant's words, the body complained about and, "
        "unless they chose anonymity, who they are and how to reach them — for an institution "
        "competent for it. Every read is recorded in the audit log with the client that made "
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
