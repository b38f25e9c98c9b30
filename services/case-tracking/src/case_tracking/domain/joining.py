"""Joint cases: who may ask whom to take part, who may leave, who leads after.

An institution still working its part asks another to take part; the one asked accepts (a part
of its own opens, associated, at `routed`) or declines with a reason. An institution that finds
it is not competent after all leaves a case that others still take part in: its part ends as
`transferred` with no institution named, handed on to the parts that stay. Like any part handed
on, it then reads no more messages, writes none and no longer counts in the case's status, while
its institution still sees where the case went. The last part taking part cannot leave: it
transfers the case instead, so a case is never left with nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from case_tracking.domain.lifecycle import FINAL
from nowrongdoor.contracts.vocabulary import CaseStatus, PartRole

S = CaseStatus
InvitationStatus = Literal["pending", "accepted", "declined"]
PENDING: InvitationStatus = "pending"
ACCEPTED: InvitationStatus = "accepted"
DECLINED: InvitationStatus = "declined"

JOINED_ROLE: PartRole = "associated"
"""The role of a part opened by an invitation: the institution inviting keeps its own."""

LEAVABLE = frozenset(
    {S.ROUTED, S.ACKNOWLEDGED, S.AWAITING_COMPLAINANT, S.ADMISSIBLE, S.INVESTIGATING}
)
"""A part may leave until it has decided: found inadmissible or resolved, it closes instead."""


class PartEnded(Exception):
    """The part the institution would act from has ended: it asks nobody to take part."""

    def __init__(self, status: CaseStatus) -> None:
        super().__init__(f"Your part of this case is {status}; it asks no one to take part.")
        self.status = status


class AlreadyInvited(Exception):
    """The institution named has an invitation to this case it has not answered yet."""

    def __init__(self, institution_id: str) -> None:
        super().__init__(f"{institution_id} has already been asked to take part in this case.")
        self.institution_id = institution_id


class CannotLeave(Exception):
    """The part has decided already (inadmissible, resolved) or ended: it closes, not leaves."""

    def __init__(self, status: CaseStatus) -> None:
        super().__init__(f"A part that is {status} cannot leave the case; close it instead.")
        self.status = status


class LastPart(Exception):
    """No other institution takes part in the case: leaving would leave it with nobody."""

    def __init__(self) -> None:
        super().__init__(
            "No other institution takes part in this case, so yours cannot leave it: "
            "transfer it to the institution you believe competent instead."
        )


def taking_part(status: CaseStatus) -> bool:
    """A part that still counts in the case: not handed on, not withdrawn."""
    return status not in {S.TRANSFERRED, S.WITHDRAWN}


def check_inviter(status: CaseStatus) -> None:
    """An institution invites from a part it still works; `PartEnded` otherwise."""
    if status in FINAL:
        raise PartEnded(status)


def check_leaving(leaving: str, parts: Sequence[tuple[str, CaseStatus]]) -> None:
    """`leaving` may leave a case of these (institution, status) parts, opened in this order.

    `CannotLeave` once its part decided or ended; `LastPart` when no other part takes part.
    """
    status = dict(parts)[leaving]
    if status not in LEAVABLE:
        raise CannotLeave(status)
    if not any(taking_part(other) for institution, other in parts if institution != leaving):
        raise LastPart()


def lead_after(
    leaving: str, lead: str | None, parts: Sequence[tuple[str, CaseStatus]]
) -> str | None:
    """Who leads once `leaving` has left: the same lead, or the oldest other part taking part."""
    if lead != leaving:
        return lead
    return next(
        (
            institution
            for institution, status in parts
            if institution != leaving and taking_part(status)
        ),
        None,
    )
