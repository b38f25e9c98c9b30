"""The rules over what intake knows of a case, tried alone: no database, no bus."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from intake.domain.decisions import (
    RESUBMITTED,
    DecisionPending,
    NotWaitingForPrerequisite,
    decision_due,
    decision_may_admit,
    learn_decision,
    learn_status,
    learn_transfer,
    learn_triage,
    resubmit,
    staff_may_read,
)
from intake.models import Submission
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.events import CaseTransferred
from nowrongdoor.contracts.vocabulary import CaseStatus, RoutingOutcome

from ..support import held, routed, staff, status_changed, triage_at

REFERENCE = "NWD-7K3M9QX2VD4H"
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def record(**learned: Any) -> Submission:
    return Submission(
        reference=REFERENCE,
        receipt_hash="unused",
        channel="web",
        received_at=NOW,
        category="maladministration",
        respondent_type="local-authority",
        respondent_territory="MA-06",
        complainant_role="citizen",
        anonymous=True,
        administration_contacted=False,
        court_case_pending=False,
        language="fr",
        **learned,
    )


def test_a_complaint_routing_has_not_decided_on_is_due_a_decision() -> None:
    fresh = record()
    assert decision_due(fresh)

    learn_decision(fresh, routed(REFERENCE, "ma-mediateur"))

    assert not decision_due(fresh)
    assert fresh.decision_outcome == RoutingOutcome.COMPETENT
    assert fresh.competent_institution_ids == ["ma-mediateur"]


def test_a_decision_older_than_the_one_known_widens_who_was_involved_only() -> None:
    newer = routed(REFERENCE, "ma-inpplc").model_copy(update={"decided_at": NOW})
    older = routed(REFERENCE, "ma-cndh").model_copy(
        update={"decided_at": NOW - timedelta(minutes=1)}
    )
    known = record()

    learn_decision(known, newer)
    learn_decision(known, older)

    assert known.competent_institution_ids == ["ma-inpplc"]
    assert known.involved_institution_ids == ["ma-cndh", "ma-inpplc"]
    assert known.decided_at == NOW


def test_only_a_case_held_for_the_missing_step_is_resubmitted() -> None:
    waiting = record()
    learn_decision(waiting, held(REFERENCE))

    resubmit(waiting, NOW)

    assert waiting.administration_contacted is True
    assert waiting.case_status == RESUBMITTED
    assert decision_due(waiting)
    with pytest.raises(DecisionPending):
        resubmit(waiting, NOW)
    competent = record()
    learn_decision(competent, routed(REFERENCE, "ma-mediateur"))
    with pytest.raises(NotWaitingForPrerequisite):
        resubmit(competent, NOW)
    closed = record(case_status=CaseStatus.CLOSED)
    with pytest.raises(NotWaitingForPrerequisite):
        resubmit(closed, NOW)


@pytest.mark.parametrize(
    ("reader", "allowed"),
    [
        (staff("ma-mediateur"), True),
        (staff("ma-cndh"), False),
        (Principal(client_id="ngo-1", kind="ngo", scopes=frozenset({"cases:read"})), False),
        (Principal.public(), False),
    ],
)
def test_staff_of_a_competent_institution_read_and_no_one_else(
    reader: Principal, allowed: bool
) -> None:
    known = record()
    learn_decision(known, routed(REFERENCE, "ma-mediateur"))

    assert staff_may_read(reader, known) is allowed
    assert staff_may_read(reader, None) is False


def test_the_triage_desk_reads_until_a_decision_is_made() -> None:
    known = record()
    learn_triage(known, triage_at(REFERENCE, "ma-mediateur"))
    assert staff_may_read(staff("ma-mediateur"), known)

    learn_decision(known, routed(REFERENCE, "ma-cndh"))

    assert not staff_may_read(staff("ma-mediateur"), known)
    assert staff_may_read(staff("ma-cndh"), known)


def test_a_decision_is_worth_waiting_for_only_by_an_institution_it_could_let_in() -> None:
    undecided = record()
    decided = record()
    learn_decision(decided, routed(REFERENCE, "ma-mediateur"))
    ngo = Principal(client_id="ngo-1", kind="ngo", scopes=frozenset({"cases:read"}))

    assert decision_may_admit(staff("ma-mediateur"), undecided)
    assert not decision_may_admit(staff("ma-mediateur"), decided)
    assert not decision_may_admit(staff("ma-cndh"), decided)
    assert not decision_may_admit(ngo, undecided)
    assert not decision_may_admit(staff("ma-mediateur"), None)


@pytest.mark.parametrize("ending", [CaseStatus.CLOSED, CaseStatus.WITHDRAWN])
def test_retention_counts_from_a_case_closed_or_withdrawn_and_stops_if_it_reopens(
    ending: CaseStatus,
) -> None:
    submission = record()

    learn_status(submission, status_changed(REFERENCE, ending, "ma-mediateur", at=NOW))
    ended_at = submission.closed_at
    learn_status(
        submission,
        status_changed(REFERENCE, ending, "ma-mediateur", at=NOW + timedelta(days=1)),
    )
    kept = submission.closed_at
    learn_status(
        submission,
        status_changed(REFERENCE, CaseStatus.ROUTED, "ma-mediateur", at=NOW + timedelta(days=2)),
    )

    assert ended_at == kept == NOW
    assert submission.closed_at is None


def test_a_withdrawn_case_takes_no_resubmission() -> None:
    submission = record(
        decision_outcome=RoutingOutcome.PREREQUISITE_MISSING, case_status=CaseStatus.WITHDRAWN
    )

    with pytest.raises(NotWaitingForPrerequisite):
        resubmit(submission, NOW)


def test_a_transfer_lets_the_institution_named_read_and_the_one_that_declined_no_more() -> None:
    submission = record(competent_institution_ids=["ma-mediateur"])
    transferred = CaseTransferred(
        reference=REFERENCE,
        from_institution_id="ma-mediateur",
        to_institution_id="ma-cndh",
        at=NOW,
    )

    learn_transfer(submission, transferred)

    assert staff_may_read(staff("ma-cndh"), submission)
    assert not staff_may_read(staff("ma-mediateur"), submission)
    assert "ma-cndh" in submission.involved_institution_ids
