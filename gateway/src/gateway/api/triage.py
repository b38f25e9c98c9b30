"""Triage: the desk that decides where a complaint goes when the facts alone cannot."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from gateway.api.answers import NO_STORE, PROBLEM
from gateway.api.institutions import UNAVAILABLE
from gateway.edge.authentication import CallerDep, require_kind
from gateway.upstreams import UpstreamsDep
from nowrongdoor.contracts.routing import TriageDecided, TriageDecision, TriageRuleProposal
from nowrongdoor.ids import REFERENCE_PATTERN

router = APIRouter(prefix="/v1", tags=["triage"])

Reference = Annotated[str, Path(pattern=REFERENCE_PATTERN, examples=["NWD-7K3M9QX2VD4H"])]


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
