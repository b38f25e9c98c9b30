from datetime import UTC, datetime

import pytest

from nowrongdoor.contracts.events import ComplaintFacts, ComplaintReceived
from nowrongdoor.envelope import Envelope, UndecodableEvent

FACTS = ComplaintFacts(
    category="maladministration",
    respondent_type="local-authority",
    respondent_territory="MA-06",
    complainant_role="citizen",
    anonymous=True,
    administration_contacted=True,
    court_case_pending=False,
    language="fr",
    channel="web",
)


def received() -> ComplaintReceived:
    return ComplaintReceived(
        reference="NWD-7K3M9QX2VD4H", received_at=datetime.now(UTC), facts=FACTS
    )


def test_binary_mode_headers_carry_every_required_attribute() -> None:
    envelope = Envelope.wrap(received(), source="/services/intake", subject="NWD-7K3M9QX2VD4H")
    headers = envelope.headers()

    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-type"] == "org.nowrongdoor.complaint.received.v1"
    assert headers["ce-source"] == "/services/intake"
    assert headers["ce-subject"] == "NWD-7K3M9QX2VD4H"
    assert headers["Nats-Msg-Id"] == headers["ce-id"] == envelope.id
    assert datetime.fromisoformat(headers["ce-time"]).tzinfo is not None


def test_an_envelope_read_back_from_the_wire_gives_the_same_event() -> None:
    event = received()
    envelope = Envelope.wrap(event, source="/services/intake", subject=event.reference)

    decoded = Envelope.from_wire(envelope.headers(), envelope.data)

    assert decoded.id == envelope.id
    assert decoded.event() == event


def test_a_message_without_cloudevents_headers_is_refused() -> None:
    with pytest.raises(UndecodableEvent, match="ce-id"):
        Envelope.from_wire({"ce-specversion": "1.0"}, b"{}")


def test_an_unknown_type_is_refused() -> None:
    envelope = Envelope.wrap(received(), source="/x", subject="s")
    headers = envelope.headers() | {"ce-type": "org.nowrongdoor.complaint.eaten.v1"}
    with pytest.raises(UndecodableEvent, match="unknown event type"):
        Envelope.from_wire(headers, envelope.data).event()


def test_fields_added_within_a_version_are_ignored_by_older_readers() -> None:
    envelope = Envelope.wrap(received(), source="/x", subject="s")
    richer = envelope.data.replace(b'{"reference"', b'{"added_later": 1, "reference"')

    assert Envelope.from_wire(envelope.headers(), richer).event() == envelope.event()


def test_the_received_event_schema_has_no_field_for_identity_or_free_text() -> None:
    properties = set(ComplaintReceived.model_json_schema()["properties"])
    facts = set(ComplaintFacts.model_json_schema()["properties"])

    assert not (properties | facts) & {"description", "name", "email", "phone", "respondent"}
