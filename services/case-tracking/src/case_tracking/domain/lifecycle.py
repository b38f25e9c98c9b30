"""The lifecycle: where routing's outcome leaves a case, each part's steps, the case's status.

A case group holds a part per institution. Each part moves through its own state machine; the
status the complainant reads for the whole case is derived from its active parts (those not
transferred away), the least advanced of them. Without parts the status is routing's alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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


# -- one institution's part ------------------------------------------------------------------

S = CaseStatus

STEPS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    S.ROUTED: frozenset({S.ACKNOWLEDGED, S.TRANSFERRED}),
    S.ACKNOWLEDGED: frozenset(
        {S.ADMISSIBLE, S.INADMISSIBLE, S.AWAITING_COMPLAINANT, S.TRANSFERRED}
    ),
    S.ADMISSIBLE: frozenset({S.INVESTIGATING, S.AWAITING_COMPLAINANT, S.TRANSFERRED}),
    S.INVESTIGATING: frozenset({S.RESOLVED, S.AWAITING_COMPLAINANT}),
    S.INADMISSIBLE: frozenset({S.CLOSED}),
    S.RESOLVED: frozenset({S.CLOSED}),
    # Awaiting the complainant goes back to where it paused: see `allowed_steps`.
    S.AWAITING_COMPLAINANT: frozenset(),
    S.CLOSED: frozenset(),
    S.TRANSFERRED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
"""The steps an institution may take on its part from each status."""

PART_STATUSES = frozenset(STEPS)
"""The statuses a part can be in; received and triage belong to a case before it has parts."""

FINAL = frozenset({S.CLOSED, S.TRANSFERRED, S.WITHDRAWN})
"""A part in one of these takes no further step, the complainant's withdrawal included."""

PROGRESS: tuple[CaseStatus, ...] = (
    S.ROUTED,
    S.ACKNOWLEDGED,
    S.AWAITING_COMPLAINANT,
    S.ADMISSIBLE,
    S.INADMISSIBLE,
    S.INVESTIGATING,
    S.RESOLVED,
    S.CLOSED,
)
"""How far a part has come, least advanced first: a joint case stands where its slowest part is."""

NEEDS_REASON = frozenset({S.INADMISSIBLE, S.RESOLVED})
NEEDS_OUTCOME = frozenset({S.RESOLVED})


@dataclass(frozen=True)
class PartState:
    """Where one part stands; `paused_from` is the status a wait for the complainant resumes to."""

    status: CaseStatus = S.ROUTED
    paused_from: CaseStatus | None = None

    @property
    def active(self) -> bool:
        """Still the institution's to work or to have worked: not handed on to another."""
        return self.status != S.TRANSFERRED


class IllegalStep(Exception):
    """A step the part may not take from where it stands; `allowed` are the ones it may."""

    def __init__(self, current: CaseStatus, requested: CaseStatus, allowed: list[CaseStatus]):
        self.current = current
        self.requested = requested
        self.allowed = allowed
        steps = ", ".join(allowed) if allowed else "no further step"
        super().__init__(f"A part that is {current} cannot become {requested}; allowed: {steps}")


def allowed_steps(state: PartState) -> list[CaseStatus]:
    """The steps an institution may take next on this part, in lifecycle order."""
    if state.status == S.AWAITING_COMPLAINANT:
        return [state.paused_from] if state.paused_from is not None else []
    steps = STEPS[state.status]
    return [status for status in CaseStatus if status in steps]


def step(state: PartState, to: CaseStatus) -> PartState:
    """The part after the institution moves it to `to`; `IllegalStep` when it may not."""
    allowed = allowed_steps(state)
    if to not in allowed:
        raise IllegalStep(state.status, to, allowed)
    if to == S.AWAITING_COMPLAINANT:
        return PartState(S.AWAITING_COMPLAINANT, paused_from=state.status)
    return PartState(to)


def is_resumption(before: PartState, after: PartState) -> bool:
    """True when the step ended a wait for the complainant."""
    return before.status == S.AWAITING_COMPLAINANT and after.status != S.AWAITING_COMPLAINANT


def withdrawable(state: PartState) -> bool:
    return state.status not in FINAL


def withdraw(state: PartState) -> PartState:
    """The part once the complainant withdrew; a part already final stays as it is."""
    return PartState(S.WITHDRAWN) if withdrawable(state) else state


def case_withdrawable(status: CaseStatus) -> bool:
    """The complainant may withdraw a case that is neither closed nor withdrawn already."""
    return status not in {S.CLOSED, S.WITHDRAWN}


def summary_status(parts: Iterable[CaseStatus]) -> CaseStatus | None:
    """The whole case's status from its parts' statuses; None when no part is active.

    Withdrawn when the complainant withdrew; otherwise the least advanced active part.
    """
    active = [status for status in parts if status != S.TRANSFERRED]
    if not active:
        return None
    if S.WITHDRAWN in active:
        return S.WITHDRAWN
    return min(active, key=PROGRESS.index)


def reachable(start: PartState = PartState()) -> frozenset[PartState]:
    """Every state a part opened at `start` can reach, by any steps or a withdrawal."""
    seen = {start}
    frontier = [start]
    while frontier:
        state = frontier.pop()
        following = [step(state, to) for to in allowed_steps(state)]
        if withdrawable(state):
            following.append(withdraw(state))
        for after in following:
            if after not in seen:
                seen.add(after)
                frontier.append(after)
    return frozenset(seen)
