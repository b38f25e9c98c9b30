"""The requests an institution filed: its cases as the gateway's Open311 facade describes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, StringConstraints

from case_tracking.api.dependencies import InstitutionId, NowDep, answer
from case_tracking.service.filed_requests import filed_requests_for
from nowrongdoor.auth import CallerDep, internal_principal
from nowrongdoor.contracts.cases import FiledRequest, FiledRequestFilters
from nowrongdoor.contracts.vocabulary import Category
from nowrongdoor.runtime import RuntimeDep

router = APIRouter(
    prefix="/internal", tags=["filed-requests"], dependencies=[Depends(internal_principal)]
)

MOST = 1000
"""The most requests one answer lists, and the most references one asks for."""


def _aware(moment: datetime) -> datetime:
    """A time given without a zone is read as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


Received = Annotated[datetime, AfterValidator(_aware)]
AskedReference = Annotated[str, StringConstraints(max_length=40)]


@router.get("/filed-requests", responses={422: answer("A filter or the limit is not valid")})
async def filed_requests(
    runtime: RuntimeDep,
    now: NowDep,
    caller: CallerDep,
    institution_id: InstitutionId,
    limit: Annotated[int, Query(ge=1, le=MOST)],
    references: Annotated[
        list[AskedReference] | None, Query(max_length=MOST, description="Only these cases")
    ] = None,
    categories: Annotated[list[Category] | None, Query()] = None,
    received_from: Annotated[Received | None, Query(description="Inclusive")] = None,
    received_until: Annotated[Received | None, Query(description="Inclusive")] = None,
    concluded: Annotated[
        bool | None,
        Query(description="Inadmissible, resolved, closed or withdrawn; false for the others"),
    ] = None,
) -> list[FiledRequest]:
    """The cases the institution filed through Open311 or has a part in, newest received first;
    for anyone but the institution's own client reading cases, an empty list."""
    filters = FiledRequestFilters(
        references=references,
        categories=categories,
        received_from=received_from,
        received_until=received_until,
        concluded=concluded,
    )
    return await filed_requests_for(
        runtime, caller, institution_id, filters=filters, now=now, limit=limit
    )
