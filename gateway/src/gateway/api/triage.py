"""Triage: the desk that decides where a complaint goes when the facts alone cannot."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from gateway.api.answers import NO_STORE, PROBLEM, problem_answer
from gateway.api.cases.shared import (
    CASES_UNAVAILABLE,
    FORBIDDEN_READ,
    UNAUTHENTICATED,
    Cursor,
    Limit,
)
from gateway.api.institutions import UNAVAILABLE
from gateway.edge.authentication import CallerDep, require_kind, require_scope
from gateway.upstreams import UpstreamsDep
from nowrongdoor.contracts.cases import InstitutionCasePage
from nowrongdoor.contracts.routing import TriageDecided, TriageDecision, TriageRuleProposal
from nowrongdoor.ids import REFERENCE_PATTERN

router = APIRouter(prefix="/v1", tags=["triage"])

Reference = Annotated[str, Path(pattern=REFERENCE_PATTERN, examples=["NWD-7K3M9QX2VD4H"])]


@router.get(
    "/triage/cases",
    summary="The triage desk's queue",
    description=(
        "The complaints waiting for the calling institution's triage decision — those whose "
        "facts alone could not say who is competent — listed like its own cases, newest first, "
        "a page at a time: pass `next_cursor` as `cursor` for the next page. Decide each with "
        "`POST /v1/triage/{reference}/decision`; a decided one leaves the queue. Needs an "
        "institution client with `cases:read`; an institution that is no triage desk has an "
        "empty queue."
    ),
    responses={
        200: {"description": "One page of the queue"},
        401: UNAUTHENTICATED,
        403: FORBIDDEN_READ,
        422: problem_answer("A parameter is invalid, or a cursor this queue never handed out"),
        503: CASES_UNAVAILABLE,
    },
)
async def triage_queue(
    caller: CallerDep,
    upstreams: UpstreamsDep,
    response: Response,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> InstitutionCasePage:
    require_kind(caller, "institution")
    require_scope(caller, "cases:read")
    response.headers.update(NO_STORE)
    assert caller.institution_id is not None, "institution clients always name their institution"
    return await upstreams.cases.triage_queue(
        caller, caller.institution_id, limit=limit, cursor=cursor
    )


@router.post(
    "/triage/{reference}/decision",
    summary="Decide a complaint waiting for triage",
    description=(
        "When the facts alone cannot say who is competent, the triage institution decides: "
        "the lead, any associated institutions, and why. The complaint is then routed under "
        "the same reference, and the case opens at the chosen institutions. The decision is "
        "also recorded as a proposed rule that an administrator may adopt into a mandate; it "
        "never changes how the engine decides by itself.\n\n"
        "Only the triage institution's client with scope `cases:write` may decide; to every "
        "other client the reference does not exist."
    ),
    responses={
        200: {"description": "Decided and routed"},
        401: {**PROBLEM, "description": "No valid access token"},
        403: {**PROBLEM, "description": "The client lacks the `cases:write` scope"},
        404: {**PROBLEM, "description": "No complaint awaits this client's triage here"},
        409: {**PROBLEM, "description": "The complaint has already been decided"},
        422: {**PROBLEM, "description": "An institution named cannot take the case"},
        503: UNAVAILABLE,
    },
)
async def decide_at_triage(
    reference: Reference, choice: TriageDecision, upstreams: UpstreamsDep, caller: CallerDep
) -> TriageDecided:
    require_kind(caller, "institution")
    return await upstreams.routing.decide_triage(caller, reference, choice)


@router.get(
    "/triage/proposals",
    summary="Rules proposed by triage decisions",
    description=(
        "Each triage decision written as the rule that would have made it, newest first. An "
        "administrator sees all of them, an institution's client with `mandate:write` those "
        "that chose its institution. Adopt one by adding its `suggested_rule` to the mandate "
        "and naming it in `adopted_proposals`."
    ),
    responses={
        401: {**PROBLEM, "description": "No valid access token"},
        403: {**PROBLEM, "description": "Not an institution or administrator client"},
        503: UNAVAILABLE,
    },
)
async def list_triage_proposals(
    upstreams: UpstreamsDep, caller: CallerDep, response: Response
) -> list[TriageRuleProposal]:
    require_kind(caller, "institution", "admin")
    proposals = await upstreams.routing.triage_proposals(caller)
    response.headers.update(NO_STORE)
    return proposals
