"""The words of the timeline, as the complainant reads them."""

from datetime import UTC, datetime
from typing import Any

from case_tracking.domain import timeline
from nowrongdoor.contracts.events import CompetentInstitution, ComplaintRouted
from nowrongdoor.contracts.vocabulary import CaseOutcome, CaseStatus, RoutingOutcome

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def routed(*competent: CompetentInstitution, **overrides: Any) -> ComplaintRouted:
    fields: dict[str, Any] = {
        "reference": "NWD-7K3M9QX2VD4H",
        "decision_id": "d-1",
        "registry_version": "v1",
        "outcome": RoutingOutcome.COMPETENT,
        "competent": list(competent),
        "matched_rules": [],
        "excluding_rules": [],
        "language": "fr",
        "received_at": NOW,
        "decided_at": NOW,
    }
    fields.update(overrides)
    return ComplaintRouted(**fields)


INPPLC = CompetentInstitution(institution_id="ma-inpplc", name="INPPLC", role="lead")
MEDIATEUR = CompetentInstitution(
    institution_id="ma-mediateur",
    name="Médiateur",
    office_name="Casablanca-Settat",
    role="associated",
)


def test_the_received_entry_names_the_door_or_the_joint_portal() -> None:
    assert timeline.received("CNDH") == "Received by CNDH"
    assert timeline.received(None) == "Received through the joint portal"


def test_a_joint_case_names_its_lead_and_each_office() -> None:
    assert timeline.decided(routed(INPPLC, MEDIATEUR)) == (
        "Routed to INPPLC (lead), Médiateur (Casablanca-Settat)"
    )


def test_a_single_institution_is_not_called_the_lead() -> None:
    assert timeline.decided(routed(INPPLC)) == "Routed to INPPLC"


def test_a_complaint_that_left_its_door_says_it_was_transferred() -> None:
    moved = routed(INPPLC, received_by="ma-cndh", received_by_name="CNDH")
    kept = routed(INPPLC, received_by="ma-inpplc", received_by_name="INPPLC")

    assert timeline.decided(moved) == "Transferred from CNDH to INPPLC"
    assert timeline.decided(kept) == "Routed to INPPLC"


def test_no_case_says_why() -> None:
    missing = routed(outcome=RoutingOutcome.PREREQUISITE_MISSING, advice="contact-first")
    nowhere = routed(outcome=RoutingOutcome.NOT_COMPETENT, advice="civil-court")

    assert timeline.decided(missing).startswith("Not admissible yet")
    assert timeline.decided(nowhere).startswith("No participating institution is competent")


def test_each_step_names_the_institution_that_took_it() -> None:
    assert timeline.stepped("INPPLC", CaseStatus.ACKNOWLEDGED) == "Acknowledged by INPPLC"
    assert timeline.stepped("INPPLC", CaseStatus.ACKNOWLEDGED, resumed=True) == (
        "INPPLC resumed its work on the case"
    )
    assert timeline.resolved("INPPLC", CaseOutcome.PARTLY_UPHELD) == (
        "Resolved by INPPLC (partly upheld)"
    )


def test_a_transfer_says_from_whom_to_whom_and_the_reason_follows() -> None:
    named = timeline.transferred("CNDH", "INPPLC")
    unnamed = timeline.transferred("CNDH", None)

    assert timeline.with_note(named, "corruption") == "Transferred from CNDH to INPPLC: corruption"
    assert unnamed == "Transferred by CNDH: a new decision on competence is awaited"
    assert timeline.with_note(unnamed, None) == unnamed
