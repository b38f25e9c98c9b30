"""Where routing's outcome leaves a case, and which news may still move it."""

from __future__ import annotations

from collections.abc import Mapping

from nowrongdoor.contracts.vocabulary import CaseStatus, RoutingOutcome

STATUS_AFTER: Mapping[RoutingOutcome, CaseStatus] = {
    RoutingOutcome.COMPETENT: CaseStatus.ROUTED,
    RoutingOutcome.PREREQUISITE_MISSING: CaseStatus.INADMISSIBLE,
    RoutingOutcome.NOT_COMPETENT: CaseStatus.CLOSED,
    RoutingOutcome.TRIAGE: CaseStatus.TRIAGE,
}


def status_after(outcome: RoutingOutcome) -> CaseStatus:
    """The status a case takes when routing reaches `outcome`."""
    return STATUS_AFTER[outcome]


def awaits_first_decision(status: CaseStatus) -> bool:
    """Only a case still merely received takes its door and its status from a first decision.

    Events of different subjects arrive in any order, so a triage request that comes in after
    the decision taken on it must not move the case back.
    """
    return status == CaseStatus.RECEIVED
