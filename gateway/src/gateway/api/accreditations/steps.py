"""The granting institution's steps: grant, refuse, suspend, reinstate, renew, revoke."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from gateway.api.accreditations.shared import (
    DECIDING,
    FORBIDDEN_DECIDE,
    ILLEGAL_TRANSITION,
    INVALID,
    LIFECYCLE,
    NO_ACCREDITATION,
    UNAUTHENTICATED,
    UNAVAILABLE,
    AccreditationId,
    changed,
    require_decider,
)
from gateway.edge.authentication import CallerDep
from gateway.upstreams import UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.accreditations import (
    AccreditationAction,
    AccreditationView,
    Grant,
    Refusal,
    Reinstatement,
    Renewal,
    Revocation,
    Suspension,
)

router = APIRouter(prefix="/v1", tags=["accreditations"])

STEP_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The accreditation after the step, with its history"},
    401: UNAUTHENTICATED,
    403: FORBIDDEN_DECIDE,
    404: NO_ACCREDITATION,
    409: ILLEGAL_TRANSITION,
    422: INVALID,
    503: UNAVAILABLE,
}


async def _decide(
    upstreams: UpstreamsDep,
    caller: Principal,
    accreditation_id: str,
    action: AccreditationAction,
    decision: Grant | Refusal | Suspension | Reinstatement | Renewal | Revocation,
    response: Response,
) -> AccreditationView:
    require_decider(caller)
    view = await upstreams.routing.decide_accreditation(caller, accreditation_id, action, decision)
    return changed(response, view)


@router.post(
    "/accreditations/{accreditation_id}/grant",
    summary="Grant an accreditation",
    description=(
        "Grants an application with a scope — the categories and the territories (codes of the "
        "directory; each covers what lies inside it) the NGO may bring alerts about — and the "
        "last day it holds. It is counted from today.\n\n" + LIFECYCLE + DECIDING
    ),
    responses=STEP_RESPONSES,
)
async def grant(
    accreditation_id: AccreditationId,
    decision: Annotated[
        Grant,
        Body(
            openapi_examples={
                "hatvp": {
                    "summary": "Integrity and corruption in France, for three years",
                    "value": {
                        "scope": {
                            "categories": ["integrity", "corruption"],
                            "territories": ["FR"],
                        },
                        "expires_on": "2029-12-31",
                    },
                }
            }
        ),
    ],
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
) -> AccreditationView:
    return await _decide(upstreams, caller, accreditation_id, "grant", decision, response)


@router.post(
    "/accreditations/{accreditation_id}/refuse",
    summary="Refuse an application for accreditation",
    description=(
        "Refuses the application, giving each reason the NGO will read. The NGO may apply "
        "again.\n\n" + LIFECYCLE + DECIDING
    ),
    responses=STEP_RESPONSES,
)
async def refuse(
    accreditation_id: AccreditationId,
    decision: Annotated[
        Refusal,
        Body(
            openapi_examples={
                "recent": {
                    "summary": "Not registered long enough",
                    "value": {"reasons": ["The association has been registered for two years."]},
                }
            }
        ),
    ],
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
) -> AccreditationView:
    return await _decide(upstreams, caller, accreditation_id, "refuse", decision, response)


@router.post(
    "/accreditations/{accreditation_id}/suspend",
    summary="Suspend an accreditation",
    description=(
        "Suspends a granted accreditation with a reason the NGO reads; the NGO is not listed "
        "as accredited until the institution reinstates it.\n\n" + LIFECYCLE + DECIDING
    ),
    responses=STEP_RESPONSES,
)
async def suspend(
    accreditation_id: AccreditationId,
    decision: Annotated[
        Suspension,
        Body(
            openapi_examples={
                "report": {
                    "summary": "An overdue report",
                    "value": {"reason": "The annual report is three months overdue."},
                }
            }
        ),
    ],
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
) -> AccreditationView:
    return await _decide(upstreams, caller, accreditation_id, "suspend", decision, response)


@router.post(
    "/accreditations/{accreditation_id}/reinstate",
    summary="Reinstate a suspended accreditation",
    description=(
        "Ends a suspension; the accreditation holds again until its expiry. A reason is "
        "optional.\n\n" + LIFECYCLE + DECIDING
    ),
    responses=STEP_RESPONSES,
)
async def reinstate(
    accreditation_id: AccreditationId,
    decision: Annotated[
        Reinstatement,
        Body(
            openapi_examples={
                "received": {
                    "summary": "The report arrived",
                    "value": {"reason": "The annual report has been received."},
                },
                "silent": {"summary": "No reason given", "value": {}},
            }
        ),
    ],
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
) -> AccreditationView:
    return await _decide(upstreams, caller, accreditation_id, "reinstate", decision, response)


@router.post(
    "/accreditations/{accreditation_id}/renew",
    summary="Renew an accreditation",
    description=(
        "Sets a new last day for a granted or expired accreditation; an expired one holds "
        "again. The new day must not have passed.\n\n" + LIFECYCLE + DECIDING
    ),
    responses=STEP_RESPONSES,
)
async def renew(
    accreditation_id: AccreditationId,
    decision: Annotated[
        Renewal,
        Body(
            openapi_examples={
                "three-years": {
                    "summary": "Three more years",
                    "value": {"expires_on": "2032-12-31"},
                }
            }
        ),
    ],
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
) -> AccreditationView:
    return await _decide(upstreams, caller, accreditation_id, "renew", decision, response)


@router.post(
    "/accreditations/{accreditation_id}/revoke",
    summary="Revoke an accreditation",
    description=(
        "Ends a granted or suspended accreditation for good, with a reason the NGO reads. "
        "The NGO may apply again later.\n\n" + LIFECYCLE + DECIDING
    ),
    responses=STEP_RESPONSES,
)
async def revoke(
    accreditation_id: AccreditationId,
    decision: Annotated[
        Revocation,
        Body(
            openapi_examples={
                "independence": {
                    "summary": "No longer independent",
                    "value": {
                        "reason": "The association no longer meets the independence criterion."
                    },
                }
            }
        ),
    ],
    upstreams: UpstreamsDep,
    caller: CallerDep,
    response: Response,
) -> AccreditationView:
    return await _decide(upstreams, caller, accreditation_id, "revoke", decision, response)
