"""The lifecycle: where routing leaves a case, each part's steps, and the case's own status."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from case_tracking.domain import lifecycle
from case_tracking.domain.lifecycle import (
    IllegalStep,
    PartState,
    awaits_first_decision,
    status_after,
)
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


# -- one part's state machine ----------------------------------------------------------------

S = CaseStatus
LEGAL = [
    (S.ROUTED, S.ACKNOWLEDGED),
    (S.ROUTED, S.TRANSFERRED),
    (S.ACKNOWLEDGED, S.ADMISSIBLE),
    (S.ACKNOWLEDGED, S.INADMISSIBLE),
    (S.ACKNOWLEDGED, S.AWAITING_COMPLAINANT),
    (S.ACKNOWLEDGED, S.TRANSFERRED),
    (S.ADMISSIBLE, S.INVESTIGATING),
    (S.ADMISSIBLE, S.AWAITING_COMPLAINANT),
    (S.ADMISSIBLE, S.TRANSFERRED),
    (S.INVESTIGATING, S.RESOLVED),
    (S.INVESTIGATING, S.AWAITING_COMPLAINANT),
    (S.INADMISSIBLE, S.CLOSED),
    (S.RESOLVED, S.CLOSED),
]
ILLEGAL = [
    (current, requested)
    for current in sorted(lifecycle.PART_STATUSES - {S.AWAITING_COMPLAINANT})
    for requested in CaseStatus
    if (current, requested) not in LEGAL
]


def test_the_table_is_the_one_the_design_gives() -> None:
    assert {
        (current, requested) for current, steps in lifecycle.STEPS.items() for requested in steps
    } == set(LEGAL)


@pytest.mark.parametrize(("current", "requested"), LEGAL)
def test_a_legal_step_moves_the_part_there(current: CaseStatus, requested: CaseStatus) -> None:
    after = lifecycle.step(PartState(current), requested)

    assert after.status is requested
    assert requested in lifecycle.allowed_steps(PartState(current))


@pytest.mark.parametrize(("current", "requested"), ILLEGAL)
def test_an_illegal_step_is_refused_naming_the_allowed_ones(
    current: CaseStatus, requested: CaseStatus
) -> None:
    with pytest.raises(IllegalStep) as refused:
        lifecycle.step(PartState(current), requested)

    assert refused.value.current is current
    assert refused.value.allowed == lifecycle.allowed_steps(PartState(current))
    assert requested not in refused.value.allowed


@pytest.mark.parametrize("paused_from", [S.ACKNOWLEDGED, S.ADMISSIBLE, S.INVESTIGATING])
def test_awaiting_the_complainant_resumes_to_where_it_paused_and_nowhere_else(
    paused_from: CaseStatus,
) -> None:
    waiting = lifecycle.step(PartState(paused_from), S.AWAITING_COMPLAINANT)

    assert waiting == PartState(S.AWAITING_COMPLAINANT, paused_from=paused_from)
    assert lifecycle.allowed_steps(waiting) == [paused_from]
    resumed = lifecycle.step(waiting, paused_from)
    assert resumed == PartState(paused_from)
    assert lifecycle.is_resumption(waiting, resumed)
    for other in set(CaseStatus) - {paused_from}:
        with pytest.raises(IllegalStep):
            lifecycle.step(waiting, other)


@pytest.mark.parametrize("status", sorted(lifecycle.PART_STATUSES))
def test_a_withdrawal_ends_every_part_not_final_already(status: CaseStatus) -> None:
    state = PartState(
        status, paused_from=S.ACKNOWLEDGED if status is S.AWAITING_COMPLAINANT else None
    )

    after = lifecycle.withdraw(state)

    if status in (S.CLOSED, S.TRANSFERRED, S.WITHDRAWN):
        assert after == state
    else:
        assert after == PartState(S.WITHDRAWN)
        assert lifecycle.allowed_steps(after) == []


@pytest.mark.parametrize(
    ("parts", "summary"),
    [
        ([S.ROUTED], S.ROUTED),
        ([S.INVESTIGATING, S.ACKNOWLEDGED], S.ACKNOWLEDGED),
        ([S.ADMISSIBLE, S.AWAITING_COMPLAINANT], S.AWAITING_COMPLAINANT),
        ([S.INADMISSIBLE, S.INVESTIGATING], S.INADMISSIBLE),
        ([S.CLOSED, S.RESOLVED], S.RESOLVED),
        ([S.CLOSED, S.CLOSED], S.CLOSED),
        ([S.TRANSFERRED, S.ACKNOWLEDGED], S.ACKNOWLEDGED),
        ([S.CLOSED, S.WITHDRAWN], S.WITHDRAWN),
        ([S.TRANSFERRED], None),
        ([], None),
    ],
)
def test_the_whole_case_stands_where_its_least_advanced_active_part_does(
    parts: list[CaseStatus], summary: CaseStatus | None
) -> None:
    assert lifecycle.summary_status(parts) == summary


def test_every_status_of_a_part_can_be_reached_from_routed() -> None:
    assert {state.status for state in lifecycle.reachable()} == lifecycle.PART_STATUSES


def test_the_complainant_may_withdraw_until_the_case_is_closed_or_withdrawn() -> None:
    assert {s for s in CaseStatus if not lifecycle.case_withdrawable(s)} == {S.CLOSED, S.WITHDRAWN}


# -- any sequence of commands ----------------------------------------------------------------

Command = tuple[str, int, CaseStatus]
commands = st.tuples(
    st.sampled_from(["step", "step", "step", "withdraw", "transfer"]),
    st.integers(min_value=0, max_value=3),
    st.sampled_from(list(CaseStatus)),
)


@given(st.lists(commands, max_size=60), st.integers(min_value=1, max_value=3))
def test_any_sequence_of_commands_leaves_every_part_reachable_and_loses_no_step(
    sequence: list[Command], joint: int
) -> None:
    reachable = lifecycle.reachable()
    parts = [PartState() for _ in range(joint)]
    taken: list[list[CaseStatus]] = [[] for _ in parts]  # each part's accepted steps, in order

    for kind, index, requested in sequence:
        if kind == "withdraw":
            summary = lifecycle.summary_status(part.status for part in parts)
            if summary is not None and lifecycle.case_withdrawable(summary):
                for i, part in enumerate(parts):
                    if lifecycle.withdrawable(part):
                        parts[i] = lifecycle.withdraw(part)
                        taken[i].append(S.WITHDRAWN)
            continue
        index %= len(parts)
        target = S.TRANSFERRED if kind == "transfer" else requested
        if target not in lifecycle.allowed_steps(parts[index]):
            with pytest.raises(IllegalStep):
                lifecycle.step(parts[index], target)
            continue
        parts[index] = lifecycle.step(parts[index], target)
        taken[index].append(target)
        if target is S.TRANSFERRED:  # the named institution's part opens in its place
            parts.append(PartState())
            taken.append([])

    for part, steps in zip(parts, taken, strict=True):
        assert part in reachable
        replayed = PartState()
        for status in steps:
            replayed = (
                lifecycle.withdraw(replayed)
                if status is S.WITHDRAWN
                else lifecycle.step(replayed, status)
            )
        assert replayed == part
    summary = lifecycle.summary_status(part.status for part in parts)
    assert summary in {part.status for part in parts}
