"""Who may invite, who may leave a joint case, and who leads once a part has left."""

import pytest

from case_tracking.domain import joining
from case_tracking.domain.joining import CannotLeave, LastPart, PartEnded
from nowrongdoor.contracts.vocabulary import CaseStatus

S = CaseStatus


@pytest.mark.parametrize("status", [S.CLOSED, S.TRANSFERRED, S.WITHDRAWN])
def test_a_part_that_ended_invites_nobody(status: CaseStatus) -> None:
    with pytest.raises(PartEnded, match=str(status)):
        joining.check_inviter(status)


@pytest.mark.parametrize("status", [S.ROUTED, S.AWAITING_COMPLAINANT, S.RESOLVED])
def test_a_part_still_worked_invites(status: CaseStatus) -> None:
    joining.check_inviter(status)


def test_a_part_leaves_while_another_takes_part() -> None:
    joining.check_leaving("a", [("a", S.INVESTIGATING), ("b", S.CLOSED)])
    joining.check_leaving("b", [("a", S.TRANSFERRED), ("b", S.ROUTED), ("c", S.ROUTED)])


@pytest.mark.parametrize(
    "others", [[], [("b", S.TRANSFERRED)], [("b", S.TRANSFERRED), ("c", S.WITHDRAWN)]]
)
def test_the_last_part_taking_part_cannot_leave(others: list[tuple[str, CaseStatus]]) -> None:
    with pytest.raises(LastPart, match="transfer"):
        joining.check_leaving("a", [("a", S.ACKNOWLEDGED), *others])


@pytest.mark.parametrize("status", [S.INADMISSIBLE, S.RESOLVED, S.CLOSED, S.TRANSFERRED])
def test_a_part_that_decided_or_ended_cannot_leave(status: CaseStatus) -> None:
    with pytest.raises(CannotLeave):
        joining.check_leaving("a", [("a", status), ("b", S.ROUTED)])


def test_the_oldest_part_still_taking_part_leads_when_the_lead_leaves() -> None:
    parts = [("a", S.ROUTED), ("b", S.TRANSFERRED), ("c", S.CLOSED), ("d", S.ROUTED)]

    assert joining.lead_after("a", "a", parts) == "c"
    assert joining.lead_after("d", "a", parts) == "a"
    assert joining.lead_after("a", "a", [("a", S.ROUTED)]) is None
