"""The words of the timeline: the facts each step keeps, read in each language."""

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
    assert timeline.received("CNDH").read("en") == "Received by CNDH"
    assert timeline.received(None).read("en") == "Received through the joint portal"


def test_a_joint_case_names_its_lead_and_each_office() -> None:
    assert timeline.decided(routed(INPPLC, MEDIATEUR)).read("en") == (
        "Routed to INPPLC (lead), Médiateur (Casablanca-Settat)"
    )


def test_a_single_institution_is_not_called_the_lead() -> None:
    assert timeline.decided(routed(INPPLC)).read("en") == "Routed to INPPLC"


def test_a_complaint_that_left_its_door_says_it_was_transferred() -> None:
    moved = routed(INPPLC, received_by="ma-cndh", received_by_name="CNDH")
    kept = routed(INPPLC, received_by="ma-inpplc", received_by_name="INPPLC")

    assert timeline.decided(moved).read("en") == "Transferred from CNDH to INPPLC"
    assert timeline.decided(kept).read("en") == "Routed to INPPLC"


def test_no_case_says_why() -> None:
    missing = routed(outcome=RoutingOutcome.PREREQUISITE_MISSING, advice="contact-first")
    nowhere = routed(outcome=RoutingOutcome.NOT_COMPETENT, advice="civil-court")

    assert timeline.decided(missing).read("en").startswith("Not admissible yet")
    assert (
        timeline.decided(nowhere).read("en").startswith("No participating institution is competent")
    )


def test_each_step_names_the_institution_that_took_it() -> None:
    assert (
        timeline.stepped("INPPLC", CaseStatus.ACKNOWLEDGED).read("en") == "Acknowledged by INPPLC"
    )
    assert timeline.stepped("INPPLC", CaseStatus.ACKNOWLEDGED, resumed=True).read("en") == (
        "INPPLC resumed its work on the case"
    )
    assert timeline.resolved("INPPLC", CaseOutcome.PARTLY_UPHELD).read("en") == (
        "Resolved by INPPLC (partly upheld)"
    )


def test_a_transfer_says_from_whom_to_whom_and_the_reason_follows() -> None:
    named = timeline.transferred("CNDH", "INPPLC").read("en")
    unnamed = timeline.transferred("CNDH", None).read("en")

    assert timeline.with_note(named, "corruption") == "Transferred from CNDH to INPPLC: corruption"
    assert unnamed == "Transferred by CNDH: a new decision on competence is awaited"
    assert timeline.with_note(unnamed, None) == unnamed


def test_joint_case_words_name_the_institutions_and_never_the_reason() -> None:
    assert timeline.invited("Médiateur", "CNDH").read("en") == (
        "Médiateur asked CNDH to take part in the case"
    )
    assert timeline.joined("CNDH").read("en") == "CNDH took part in the case"
    assert timeline.declined("INPPLC").read("en") == "INPPLC will not take part in the case"
    assert timeline.left("CNDH").read("en").startswith("CNDH left the case")


def test_a_step_keeps_its_facts_and_reads_in_each_language() -> None:
    decided = timeline.decided(routed(INPPLC, MEDIATEUR))

    assert decided.wording == "routed"
    assert decided.facts == {
        "institutions": [
            {"name": "INPPLC", "office": None, "lead": True},
            {"name": "Médiateur", "office": "Casablanca-Settat", "lead": False},
        ]
    }
    assert decided.read("fr") == (
        "Plainte transmise à INPPLC (chef de file), Médiateur (Casablanca-Settat)"
    )
    assert decided.read("nl") == (
        "Doorgestuurd naar INPPLC (hoofdbehandelaar), Médiateur (Casablanca-Settat)"
    )
    assert decided.read("ar") == (
        "أُحيلت الشكاية إلى INPPLC (الجهة الرئيسية)، Médiateur (Casablanca-Settat)"
    )


def test_status_and_outcome_words_follow_the_language_and_names_pass_through() -> None:
    resolved = timeline.resolved("Médiateur", CaseOutcome.NOT_UPHELD)

    assert resolved.facts["outcome"] == "not-upheld"
    assert resolved.read("fr") == "Résolue par Médiateur (non fondée)"
    assert resolved.read("de") == "Von Médiateur erledigt (unbegründet)"
    assert timeline.stepped("Médiateur", CaseStatus.INADMISSIBLE).read("nl") == (
        "Niet-ontvankelijk verklaard door Médiateur"
    )


def test_what_was_sent_keeps_its_channel_and_whether_it_got_through() -> None:
    failed = timeline.notice("sms", delivered=False, institution_name="CNDH")

    assert failed.facts == {"channel": "sms", "delivered": False, "institution": "CNDH"}
    assert failed.read("en") == "We could not send a text message to CNDH"
    assert failed.read("de") == "Wir konnten keine SMS an CNDH senden"
    assert timeline.notice("email", delivered=True).read("fr") == "Un e-mail vous a été envoyé"


def test_an_entry_kept_before_its_facts_reads_as_it_was_written() -> None:
    written = "Routed to INPPLC, somehow"

    assert timeline.told(None, None, "fr", as_written=written) == written
    assert timeline.told("a-wording-of-a-later-version", {}, "fr", as_written=written) == written
    assert timeline.told("received-by", {}, "fr", as_written=written) == written
    assert timeline.told("received-by", {"door": "CNDH"}, "fr", as_written=written) == (
        "Plainte reçue par CNDH"
    )


def test_the_complainant_reads_the_case_language_and_others_english_unless_asking() -> None:
    assert timeline.reading_language(None, "fr", complainant=True) == "fr"
    assert timeline.reading_language("nl", "fr", complainant=True) == "nl"
    assert timeline.reading_language(None, "fr", complainant=False) == "en"
    assert timeline.reading_language("nl", "fr", complainant=False) == "nl"
    # A case in a language the timeline does not read in is read in English.
    assert timeline.reading_language(None, "es", complainant=True) == "en"
