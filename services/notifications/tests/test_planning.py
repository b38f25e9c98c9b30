"""Who is told what for each event, and when a failed try comes again: the pure rules."""

from datetime import UTC, date, datetime, timedelta

from notifications.domain.planning import complainant_channels, plan
from notifications.domain.schedule import RETRY_DELAYS, retry_at, total_reach
from nowrongdoor.contracts.events import CaseDeadlineBreached, CaseMessagePosted, CaseStatusChanged
from nowrongdoor.contracts.vocabulary import ServiceStandard

REF = "NWD-7K3M9QX2VD4H"
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def told(event: CaseMessagePosted | CaseDeadlineBreached) -> list[tuple[str, str]]:
    return [(o.recipient, o.kind) for o in plan(event)]


def message(
    author: str, audience: str, writer: str | None, relay: str | None = None
) -> CaseMessagePosted:
    return CaseMessagePosted.model_validate(
        {
            "reference": REF,
            "message_id": "m1",
            "author": author,
            "institution_id": writer,
            "audience": audience,
            "institution_ids": ["be-unia", "be-federal"],
            "posted_at": NOW,
            "relay_ngo_id": relay,
        }
    )


def test_the_ngo_that_relayed_an_alert_hears_what_is_written_to_the_person() -> None:
    relay = "be-ligue-des-droits-humains"

    assert told(message("institution", "complainant", "be-unia", relay)) == [
        ("complainant", "message-received"),
        (relay, "message-received"),
        ("be-federal", "message-received"),
    ]
    assert (relay, "message-received") not in told(
        message("complainant", "complainant", None, relay)
    )
    assert (relay, "message-received") not in told(
        message("institution", "institutions", "be-unia", relay)
    )


def test_an_institution_writing_to_the_complainant_tells_them_and_the_other_institution() -> None:
    assert told(message("institution", "complainant", "be-unia")) == [
        ("complainant", "message-received"),
        ("be-federal", "message-received"),
    ]


def test_the_complainant_writing_tells_every_institution() -> None:
    assert told(message("complainant", "complainant", None)) == [
        ("be-unia", "message-received"),
        ("be-federal", "message-received"),
    ]


def test_an_internal_note_tells_nobody() -> None:
    assert told(message("institution", "internal", "be-unia")) == []


def test_a_breached_deadline_tells_the_complainant_and_the_institution_what_and_when() -> None:
    breached = CaseDeadlineBreached(
        reference=REF,
        institution_id="fr-ddd",
        standard=ServiceStandard.ACKNOWLEDGE,
        due=date(2026, 12, 1),
        breached_at=NOW,
    )

    owed = plan(breached)

    assert [(o.recipient, o.kind) for o in owed] == [
        ("complainant", "deadline-breached"),
        ("fr-ddd", "deadline-breached"),
    ]
    assert owed[0].details == {
        "standard": "acknowledge",
        "due": "2026-12-01",
        "institution": "fr-ddd",
    }


def test_the_complainant_is_told_only_where_they_left_an_address() -> None:
    assert complainant_channels("status-changed", email=True, phone=False) == ["email"]
    assert complainant_channels("status-changed", email=True, phone=True) == ["email", "sms"]
    assert complainant_channels("status-changed", email=False, phone=False) == []
    assert complainant_channels("case-opened", email=True, phone=True) == ["tracking-page"]


def test_retries_reach_past_a_day_whatever_the_jitter_and_then_stop() -> None:
    assert total_reach() > timedelta(hours=24)
    assert retry_at(1, NOW, jitter=lambda: 0.0) == NOW + timedelta(seconds=5)
    latest = retry_at(1, NOW, jitter=lambda: 0.999)
    assert latest is not None and latest < NOW + timedelta(seconds=10)
    last = len(RETRY_DELAYS)
    assert retry_at(last, NOW, jitter=lambda: 0.0) == NOW + RETRY_DELAYS[-1] / 2
    assert retry_at(last + 1, NOW) is None


def test_a_status_change_tells_the_complainant_the_next_promised_step_and_institutions_not() -> (
    None
):
    changed = CaseStatusChanged.model_validate(
        {
            "reference": REF,
            "status": "acknowledged",
            "previous_status": "routed",
            "institution_ids": ["ma-cndh"],
            "changed_at": NOW,
            "promised": [
                {"institution_id": "ma-cndh", "standard": "admissibility", "due": "2026-12-17"}
            ],
        }
    )

    complainant, institution = plan(changed)

    assert complainant.details["promised"] == [
        {"standard": "admissibility", "due": "2026-12-17", "institution": "ma-cndh"}
    ]
    assert "promised" not in institution.details
