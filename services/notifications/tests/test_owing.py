"""Each event owes the right people the right deliveries, once, and the complainant only where
they left an address that is still there."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlmodel import col

from notifications.channels import Rendered
from notifications.models import ComplainantContact, Delivery, InstitutionContact
from notifications.repository.deliveries import DeliveryRow, delivery_row
from notifications.service import owing
from notifications.service.dispatch import Channels
from notifications.settings import NotificationsSettings
from nowrongdoor.bus import Bus
from nowrongdoor.contacts import ContactDetails, seal_contact
from nowrongdoor.contracts.events import (
    CaseDeadlineBreached,
    CaseInvitationSent,
    CaseMessagePosted,
    CaseStatusChanged,
    CaseTransferred,
    ComplaintContactChanged,
    ComplaintPersonalDataRemoved,
    ComplaintTriageRequired,
    Event,
)
from nowrongdoor.contracts.vocabulary import CaseStatus, ServiceStandard
from nowrongdoor.envelope import Envelope
from nowrongdoor.inbox import exactly_once
from nowrongdoor.testing.apps import eventually
from nowrongdoor.testing.statements import statements_sent

REF = "NWD-7K3M9QX2VD4H"
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
ADDRESS = "amina@example.org"


def render(notices: Any, language: str, audience: str, public_url: str) -> Rendered:
    text = " ".join(n.kind for n in notices)
    return Rendered(language, "update", text, text, text)


@pytest.fixture
def channels() -> Channels:
    return Channels(render=render)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"dispatch_interval_seconds": 3600}


Owed = list[tuple[str, str, str]]


async def publish(bus: Bus, event: Event, reference: str = REF) -> Envelope:
    envelope = Envelope.wrap(event, source="/t", subject=reference)
    await bus.publish(envelope, event.subject)
    return envelope


async def owed(client: httpx.AsyncClient, reference: str = REF) -> list[dict[str, Any]]:
    response = await client.get("/internal/deliveries", params={"reference": reference})
    assert response.status_code == 200
    found: list[dict[str, Any]] = response.json()
    return found


def told(found: list[dict[str, Any]], kind: str | None = None) -> Owed:
    return sorted(
        (d["recipient"], d["channel"], d["status"])
        for d in found
        if kind is None or d["kind"] == kind
    )


async def when(client: httpx.AsyncClient, enough: Callable[[list[dict[str, Any]]], bool]) -> Any:
    async def probe() -> list[dict[str, Any]] | None:
        found = await owed(client)
        return found if enough(found) else None

    return await eventually(probe)


async def handled(bus: Bus, subject: str, count: int = 1) -> None:
    """Wait until notifications' consumer of `subject` has handled `count` messages."""
    durable = f"notifications-{subject.replace('.', '-')}"
    stream = "COMPLAINTS" if subject.startswith("complaint.") else "CASES"

    async def settled() -> bool:
        info = await bus.js.consumer_info(bus.stream_name(stream), durable)
        return bool(
            info.num_pending == 0
            and info.num_ack_pending == 0
            and info.delivered.stream_seq >= count
        )

    await eventually(settled)


def contact_changed(app: FastAPI, change: str, **given: str) -> ComplaintContactChanged:
    settings: NotificationsSettings = app.state.settings_for_tests
    sealed = (
        seal_contact(settings.transport_keys(), REF, ContactDetails(**given)) if given else None
    )
    return ComplaintContactChanged(
        reference=REF, change=change, sealed_contact=sealed, language="ar", at=NOW
    )


@pytest.fixture
def app(app: FastAPI, service_environment: dict[str, Any]) -> FastAPI:
    app.state.settings_for_tests = NotificationsSettings(**service_environment)
    return app


def status_changed(status: CaseStatus = CaseStatus.INVESTIGATING) -> CaseStatusChanged:
    return CaseStatusChanged(
        reference=REF,
        status=status,
        previous_status=CaseStatus.ROUTED,
        institution_ids=["be-unia"],
        changed_at=NOW,
    )


async def test_a_complaint_with_an_address_is_acknowledged_then_kept_informed(
    app: FastAPI, client: httpx.AsyncClient, bus: Bus
) -> None:
    await publish(bus, contact_changed(app, "submitted", email=ADDRESS, phone="+32 470 00 00 00"))
    found = await when(client, lambda f: len(f) == 2)
    assert sorted((d["recipient"], d["channel"], d["kind"]) for d in found) == [
        ("complainant", "email", "acknowledgement"),
        ("complainant", "sms", "acknowledgement"),
    ]

    await publish(bus, status_changed())
    found = await when(client, lambda f: len(f) == 4)

    assert told(found, "status-changed") == [
        ("complainant", "email", "pending"),
        ("complainant", "sms", "pending"),
    ]
    async with app.state.runtime.sessions() as session:
        stored = await session.get(ComplainantContact, REF)
        dumped = (await session.execute(sa.text("SELECT * FROM complainant_contacts"))).all()
    assert stored is not None and stored.language == "ar"
    assert ADDRESS not in repr(dumped) and "470" not in repr(dumped)


async def test_a_complainant_who_left_no_address_is_never_contacted(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    await publish(bus, status_changed())
    await handled(bus, CaseStatusChanged.subject)

    assert await owed(client) == []


async def test_a_redelivered_event_owes_nothing_twice(
    app: FastAPI, client: httpx.AsyncClient, bus: Bus
) -> None:
    envelope = await publish(bus, contact_changed(app, "submitted", email=ADDRESS))
    headers = envelope.headers() | {"Nats-Msg-Id": "again"}
    await bus.js.publish(
        bus.subject_for(ComplaintContactChanged.subject), envelope.data, headers=headers
    )
    await handled(bus, ComplaintContactChanged.subject, count=2)

    assert [(d["recipient"], d["channel"]) for d in await owed(client)] == [
        ("complainant", "email")
    ]


async def test_the_triage_desk_is_told_in_its_inbox_and_its_mailbox(
    app: FastAPI, client: httpx.AsyncClient, bus: Bus
) -> None:
    async with app.state.runtime.transaction() as session:
        session.add(
            InstitutionContact(
                id="c1",
                institution_id="ma-mediateur",
                email="desk@ma-mediateur.example",
                phone=None,
                language="fr",
                kinds=["triage-waiting"],
                created_at=NOW,
            )
        )
    await publish(
        bus,
        ComplaintTriageRequired(
            reference=REF,
            decision_id="d1",
            registry_version="1",
            triage_institution_id="ma-mediateur",
            triage_institution_name="Médiateur du Royaume",
            reason="ambiguous",
            candidates=["ma-cndh", "ma-inpplc"],
            language="fr",
            received_at=NOW,
            decided_at=NOW,
        ),
    )
    found = await when(client, lambda f: len(f) == 2)

    assert told(found) == [
        ("ma-mediateur", "email", "pending"),
        ("ma-mediateur", "institution-inbox", "delivered"),
    ]
    assert {d["kind"] for d in found} == {"triage-waiting"}


async def test_a_transfer_tells_the_institution_it_left_and_the_one_it_reached(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    await publish(
        bus,
        CaseTransferred(
            reference=REF, from_institution_id="be-federal", to_institution_id="be-unia", at=NOW
        ),
    )
    found = await when(client, lambda f: len(f) == 2)

    assert sorted((d["recipient"], d["kind"]) for d in found) == [
        ("be-federal", "transferred-out"),
        ("be-unia", "transferred-in"),
    ]


async def test_a_message_to_the_complainant_tells_them_and_the_other_institution(
    app: FastAPI, client: httpx.AsyncClient, bus: Bus
) -> None:
    await publish(bus, contact_changed(app, "added", email=ADDRESS))
    await handled(bus, ComplaintContactChanged.subject)
    await publish(
        bus,
        CaseMessagePosted(
            reference=REF,
            message_id="m1",
            author="institution",
            institution_id="be-unia",
            audience="complainant",
            institution_ids=["be-unia", "be-federal"],
            posted_at=NOW,
        ),
    )
    found = await when(client, lambda f: len(f) == 2)

    assert sorted((d["recipient"], d["channel"], d["kind"]) for d in found) == [
        ("be-federal", "institution-inbox", "message-received"),
        ("complainant", "email", "message-received"),
    ]


async def test_a_breached_deadline_and_an_invitation_reach_their_institutions(
    app: FastAPI, client: httpx.AsyncClient, bus: Bus
) -> None:
    await publish(bus, contact_changed(app, "added", phone="+32 470 00 00 00"))
    await handled(bus, ComplaintContactChanged.subject)
    await publish(
        bus,
        CaseDeadlineBreached(
            reference=REF,
            institution_id="fr-ddd",
            standard=ServiceStandard.RESOLUTION,
            due=date(2026, 12, 1),
            breached_at=NOW,
        ),
    )
    await publish(
        bus,
        CaseInvitationSent(
            reference=REF,
            invitation_id="i1",
            from_institution_id="fr-ddd",
            institution_id="fr-hatvp",
            at=NOW,
        ),
    )
    found = await when(client, lambda f: len(f) == 3)

    assert sorted((d["recipient"], d["channel"], d["kind"]) for d in found) == [
        ("complainant", "sms", "deadline-breached"),
        ("fr-ddd", "institution-inbox", "deadline-breached"),
        ("fr-hatvp", "institution-inbox", "invitation-received"),
    ]
    async with app.state.runtime.sessions() as session:
        rows = (
            await session.scalars(sa.select(Delivery).where(col(Delivery.recipient) == "fr-ddd"))
        ).all()
    assert rows[0].details == {
        "standard": "resolution",
        "due": "2026-12-01",
        "institution": "fr-ddd",
    }


@pytest.mark.parametrize(
    ("forgetting", "reason"),
    [
        ("removed", "the complainant removed their contact details"),
        ("personal-data-removed", "the complainant's data was removed"),
    ],
)
async def test_forgetting_the_address_stops_what_waited_and_what_comes(
    app: FastAPI, client: httpx.AsyncClient, bus: Bus, forgetting: str, reason: str
) -> None:
    await publish(bus, contact_changed(app, "added", email=ADDRESS))
    await handled(bus, ComplaintContactChanged.subject)
    await publish(bus, status_changed())
    await when(client, lambda f: len(f) == 1)

    if forgetting == "removed":
        await publish(bus, contact_changed(app, "removed"))
        await handled(bus, ComplaintContactChanged.subject, count=2)
    else:
        await publish(
            bus, ComplaintPersonalDataRemoved(reference=REF, reason="erasure", removed_at=NOW)
        )
        await handled(bus, ComplaintPersonalDataRemoved.subject)
    await publish(bus, status_changed(CaseStatus.CLOSED))
    await handled(bus, CaseStatusChanged.subject, count=2)

    found = await owed(client)
    assert told(found) == [("complainant", "email", "failed")]
    async with app.state.runtime.sessions() as session:
        assert await session.get(ComplainantContact, REF) is None
        failed = await session.get(Delivery, found[0]["id"])
    assert failed is not None and failed.last_error == reason


def _mailbox(contact_id: str, address: str) -> InstitutionContact:
    return InstitutionContact(
        id=contact_id,
        institution_id="be-unia",
        email=address,
        phone=None,
        language="nl",
        kinds=["transferred-in"],
        created_at=NOW,
    )


def _transfer(reference: str) -> CaseTransferred:
    return CaseTransferred(
        reference=reference, from_institution_id="be-federal", to_institution_id="be-unia", at=NOW
    )


async def test_a_batch_reads_an_institution_s_contacts_once_and_the_next_sees_a_new_one(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Events handled in one transaction share one reading of the contacts they are owed to;
    a mailbox added after that transaction is owed what the next event brings."""
    async with app.state.runtime.transaction() as session:
        session.add(_mailbox("c1", "unia@example.be"))
    with statements_sent(app.state.runtime.engine) as sent:
        async with app.state.runtime.transaction() as session:
            for number, reference in enumerate(("NWD-7K3M9QX2VD4A", "NWD-7K3M9QX2VD4B")):
                await owing.owe(
                    session,
                    _transfer(reference),
                    event_id=f"batch-{number}",
                    reference=reference,
                    language="fr",
                    now=NOW,
                    merge_window=timedelta(seconds=60),
                )
        async with app.state.runtime.transaction() as session:
            session.add(_mailbox("c2", "unia-second@example.be"))
        async with app.state.runtime.transaction() as session:
            await owing.owe(
                session,
                _transfer("NWD-7K3M9QX2VD4C"),
                event_id="after",
                reference="NWD-7K3M9QX2VD4C",
                language="fr",
                now=NOW,
                merge_window=timedelta(seconds=60),
            )
    reads = [parameters[0] for s, parameters in sent if "FROM institution_contacts" in s]

    # Each transfer is owed to the institution left and the one reached: in the batch each is
    # read once for both events, and again in the next transaction.
    assert sorted(reads) == ["be-federal", "be-federal", "be-unia", "be-unia"]
    async with app.state.runtime.sessions() as session:
        rows = (
            await session.execute(
                sa.select(
                    col(Delivery.reference), col(Delivery.recipient), col(Delivery.channel)
                ).where(col(Delivery.channel) == "email")
            )
        ).all()
    assert sorted(rows) == [
        ("NWD-7K3M9QX2VD4A", "be-unia", "email"),
        ("NWD-7K3M9QX2VD4B", "be-unia", "email"),
        ("NWD-7K3M9QX2VD4C", "be-unia", "email"),
    ]


async def test_a_batch_reads_the_complainants_contacts_and_what_is_owed_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """A fetched batch of events reads every complainant's contact and what each event owes
    already in one statement each, and still owes each complainant only by their own contact."""
    with_address, without = "NWD-7K3M9QX2VD4E", "NWD-7K3M9QX2VD4F"
    async with app.state.runtime.transaction() as session:
        session.add(
            ComplainantContact(
                reference=with_address, email_sealed="sealed", language="ar", updated_at=NOW
            )
        )

    async def on_owing(session: Any, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, CaseStatusChanged)
        await owing.owe(
            session,
            event,
            event_id=envelope.id,
            reference=event.reference,
            language="fr",
            now=NOW,
            merge_window=timedelta(seconds=60),
            read_for_batch=True,
        )

    batch = [
        Envelope.wrap(
            status_changed().model_copy(update={"reference": reference}),
            source="/t",
            subject=reference,
        )
        for reference in (with_address, without, with_address)
    ]
    handler = exactly_once(app.state.runtime.sessions, "test-owing", on_owing)
    with statements_sent(app.state.runtime.engine) as sent:
        async with handler.together(batch) as handle:
            for envelope in batch:
                await handle(envelope)
    assert len([s for s, _ in sent if "FROM complainant_contacts" in s]) == 1
    assert len([s for s, _ in sent if "FROM deliveries" in s]) == 1

    def told_by_mail(found: list[dict[str, Any]]) -> Owed:
        return told([d for d in found if d["channel"] in ("email", "sms")])

    # The complainant with an address is owed an email for each of their two events.
    assert told_by_mail(await owed(client, with_address)) == [
        ("complainant", "email", "pending"),
        ("complainant", "email", "pending"),
    ]
    assert told_by_mail(await owed(client, without)) == []


def _owed(status: str, next_attempt_at: datetime | None) -> DeliveryRow:
    return delivery_row(
        id=f"d-{status}-{next_attempt_at}",
        cause_event_id="e-1",
        reference=REF,
        recipient="complainant",
        channel="email",
        status=status,
        next_attempt_at=next_attempt_at,
        created_at=NOW,
    )


def test_the_sender_is_woken_only_for_a_delivery_it_may_send_now() -> None:
    merging = _owed("pending", NOW + timedelta(minutes=5))
    shown = _owed("delivered", None)
    due = _owed("pending", NOW)

    assert not owing.any_due([], NOW)
    assert not owing.any_due([merging, shown], NOW)
    assert owing.any_due([merging, shown, due], NOW)
    assert owing.any_due([merging], NOW + timedelta(minutes=5))
