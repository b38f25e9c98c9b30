"""The cases: read one, list an institution's, and the steps that change one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from case_tracking.api.dependencies import (
    CHANGE_ANSWERS,
    NOT_FOUND,
    NOT_FOUND_ANSWER,
    Cursor,
    InstitutionId,
    Limit,
    NowDep,
    ReadingLanguage,
    Reference,
    SealerDep,
    VersionDep,
    answer,
    refusals,
    tag,
)
from case_tracking.repository.listing import ListFilters
from case_tracking.service import lifecycle, reading, relays
from nowrongdoor.arrivals import Arrivals
from nowrongdoor.auth import CallerDep, internal_principal
from nowrongdoor.contracts.cases import (
    CaseView,
    InstitutionCasePage,
    StatusChange,
    Transfer,
    Withdrawal,
)
from nowrongdoor.contracts.vocabulary import TERRITORY_PATTERN, CaseStatus
from nowrongdoor.problems import ProblemError
from nowrongdoor.runtime import RuntimeDep

router = APIRouter(prefix="/internal", tags=["cases"], dependencies=[Depends(internal_principal)])


@router.get("/cases/{reference}", responses={404: NOT_FOUND_ANSWER})
async def get_case(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    sealer: SealerDep,
    now: NowDep,
    caller: CallerDep,
    reference: Reference,
    language: ReadingLanguage = None,
) -> CaseView:
    """The complainant (receipt verified by the gateway), an institution with a part, or the
    triage desk the case waits for. `ETag` is the version a change names in `If-Match`.
    `Cache-Control` says how long the answer may be reused: until a promised date's day ends
    for one of the case's institutions, or `no-store` for an audited read or a reader always
    asked afresh."""

    async def look() -> reading.SeenCase | None:
        return await reading.case_for(runtime, sealer, caller, reference, now, language=language)

    if caller.may_open_as_complainant(reference):
        # The receipt was right, so the complaint exists: its case may be a moment away.
        arrivals: Arrivals = request.app.state.arrivals
        seen = await arrivals.until(reference, look, within=request.app.state.received_wait)
    else:
        seen = await look()
    if seen is None:
        raise ProblemError(404, NOT_FOUND)
    tag(response, seen.version)
    response.headers["Cache-Control"] = _cache_control(seen.reusable_until, now)
    return seen.view


@router.get("/cases", responses={422: answer("A filter or the cursor is not valid")})
async def list_cases(
    response: Response,
    runtime: RuntimeDep,
    now: NowDep,
    caller: CallerDep,
    institution_id: InstitutionId,
    limit: Limit = 20,
    cursor: Cursor = None,
    status: Annotated[CaseStatus | None, Query(description="The institution's part's")] = None,
    category: Annotated[str | None, Query(pattern=r"^[a-z-]{1,40}$")] = None,
    territory: Annotated[
        str | None, Query(pattern=TERRITORY_PATTERN, description="MA holds MA-06")
    ] = None,
    overdue: Annotated[
        bool | None, Query(description="A promised day passed with its step not taken")
    ] = None,
    received_from: Annotated[datetime | None, Query(description="Inclusive")] = None,
    received_until: Annotated[datetime | None, Query(description="Inclusive")] = None,
) -> InstitutionCasePage:
    """An institution's own cases, newest first; another institution's list looks empty.
    `Cache-Control` says how long the page may be reused: for the institution's own list, until
    the day ends on its calendar when `overdue` is asked, else a day; `no-store` for an NGO's
    list and the operator's."""
    filters = ListFilters(
        status=status,
        category=category,
        territory=territory,
        overdue=overdue,
        received_from=_aware(received_from),
        received_until=_aware(received_until),
    )
    with refusals():
        seen = await reading.institution_cases(
            runtime, caller, institution_id, filters=filters, now=now, limit=limit, after=cursor
        )
    response.headers["Cache-Control"] = _cache_control(seen.reusable_until, now)
    return seen.page


@router.post("/cases/{reference}/status", responses=CHANGE_ANSWERS)
async def change_status(
    response: Response,
    runtime: RuntimeDep,
    sealer: SealerDep,
    now: NowDep,
    caller: CallerDep,
    reference: Reference,
    change: StatusChange,
    version: VersionDep,
) -> CaseView:
    """An institution moves its part one step on, naming the version it read in `If-Match`."""
    with refusals():
        view, new_version = await lifecycle.change_status(
            runtime, sealer, caller, reference, change, version=version, now=now
        )
    tag(response, new_version)
    return view


@router.post(
    "/cases/{reference}/transfer",
    responses={
        **CHANGE_ANSWERS,
        409: answer(
            "Not a part that may be transferred, or the institution named already has a part"
        ),
    },
)
async def transfer(
    response: Response,
    runtime: RuntimeDep,
    sealer: SealerDep,
    now: NowDep,
    caller: CallerDep,
    reference: Reference,
    handover: Transfer,
    version: VersionDep,
) -> CaseView:
    """An institution declines competence: to the institution it names, or routing decides."""
    with refusals():
        view, new_version = await lifecycle.transfer(
            runtime, sealer, caller, reference, handover, version=version, now=now
        )
    tag(response, new_version)
    return view


@router.post(
    "/cases/{reference}/withdrawal",
    responses={404: NOT_FOUND_ANSWER, 409: answer("`illegal-transition`: closed or withdrawn")},
)
async def withdraw(
    runtime: RuntimeDep,
    sealer: SealerDep,
    now: NowDep,
    caller: CallerDep,
    reference: Reference,
    withdrawal: Withdrawal,
) -> CaseView:
    """The complainant withdraws the complaint; no `If-Match`, the receipt is the authority."""
    with refusals():
        return await lifecycle.withdraw(runtime, sealer, caller, reference, withdrawal, now=now)


def _cache_control(reusable_until: datetime | None, now: datetime) -> str:
    """Whether, and for how many whole seconds from `now`, a read's answer may be reused."""
    if reusable_until is None:
        return "no-store"
    seconds = max(0, (reusable_until - now) // timedelta(seconds=1))
    return f"private, max-age={seconds}"


def _aware(moment: datetime | None) -> datetime | None:
    """A time given without a zone is read as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@router.post(
    "/cases/{reference}/relay/withdrawal",
    status_code=204,
    responses={404: NOT_FOUND_ANSWER, 422: answer("No NGO relayed this case")},
)
async def withdraw_relay(
    runtime: RuntimeDep, now: NowDep, caller: CallerDep, reference: Reference
) -> Response:
    """An institution of the case withdraws the NGO that relayed the alert from it."""
    with refusals():
        await relays.withdraw(runtime, caller, reference, now)
    return Response(status_code=204)
