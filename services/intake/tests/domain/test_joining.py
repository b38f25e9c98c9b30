"""What joining and leaving a joint case mean for who reads the complaint, tried alone."""

from datetime import UTC, datetime

from intake.domain.decisions import learn_joining, learn_leaving, staff_may_read
from intake.models import Submission
from nowrongdoor.contracts.events import CaseInvitationAnswered, CasePartLeft

from ..support import staff

REFERENCE = "NWD-7K3M9QX2VD4H"
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def record() -> Submission:
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
        administration_contacted=True,
        court_case_pending=False,
        language="fr",
        competent_institution_ids=["ma-mediateur"],
        involved_institution_ids=["ma-mediateur"],
    )


def answer(institution_id: str, *, accepted: bool) -> CaseInvitationAnswered:
    return CaseInvitationAnswered(
        reference=REFERENCE,
        invitation_id="i-1",
        from_institution_id="ma-mediateur",
        institution_id=institution_id,
        accepted=accepted,
        at=NOW,
    )


def test_an_institution_that_accepts_reads_and_one_that_declines_does_not() -> None:
    submission = record()

    learn_joining(submission, answer("ma-cndh", accepted=True))
    learn_joining(submission, answer("ma-cndh", accepted=True))  # heard twice
    learn_joining(submission, answer("ma-inpplc", accepted=False))

    assert submission.competent_institution_ids == ["ma-mediateur", "ma-cndh"]
    assert staff_may_read(staff("ma-cndh"), submission)
    assert not staff_may_read(staff("ma-inpplc"), submission)
    assert submission.involved_institution_ids == ["ma-cndh", "ma-mediateur"]


def test_an_institution_that_left_reads_no_more_but_stays_involved() -> None:
    submission = record()
    learn_joining(submission, answer("ma-cndh", accepted=True))
    left = CasePartLeft(
        reference=REFERENCE, institution_id="ma-mediateur", lead_institution_id="ma-cndh", at=NOW
    )

    learn_leaving(submission, left)
    learn_leaving(submission, left)

    assert submission.competent_institution_ids == ["ma-cndh"]
    assert not staff_may_read(staff("ma-mediateur"), submission)
    assert "ma-mediateur" in submission.involved_institution_ids
