"""Where routing's outcomes leave a case, and which status a first decision may still move."""

import pytest

from case_tracking.domain.lifecycle import awaits_first_decision, status_after
from nowrongdoor.contracts.vocabulary import CaseStatus, RoutingOutcome


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (RoutingOutcome.COMPETENT, CaseStatus.ROUTED),
        (RoutingOutcome.PREREQUISITE_MISSING, CaseStatus.INADMISSIBLE),
        (RoutingOutcome.NOT_COMPETENT, CaseStatus.CLOSED),
        (RoutingOutcome.TRIAGE, CaseStatus.TRIAGE),
    ],
)
def test_each_outcome_leads_to_its_status(outcome: RoutingOutcome, status: CaseStatus) -> None:
    assert status_after(outcome) is status


def test_every_outcome_has_a_status() -> None:
    assert {status_after(outcome) for outcome in RoutingOutcome} <= set(CaseStatus)


def test_only_a_merely_received_case_awaits_its_first_decision() -> None:
    assert awaits_first_decision(CaseStatus.RECEIVED)
    assert not any(
        awaits_first_decision(status) for status in CaseStatus if status is not CaseStatus.RECEIVED
    )
