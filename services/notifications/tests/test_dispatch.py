"""The sender loop: what is due goes out once, a burst as one message, failures retried on the
schedule and then dead-lettered, replayable by operators, whatever the number of replicas."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from typer.testing import CliRunner

from notifications.channels import CannotDeliver, Notice, Rendered, TryLater
from notifications.cli import notifications_app
from notifications.domain.schedule import RETRY_DELAYS
from notifications.models import ComplainantContact, Delivery, InstitutionContact, OutboxMessage
from notifications.service.dispatch import Channels, Dispatcher
from notifications.settings import NotificationsSettings
from nowrongdoor import db
from nowrongdoor.bus import Bus
from nowrongdoor.contacts import ContactDetails, seal_contact
from nowrongdoor.contracts.events import (
    CaseOpened,
    CaseStatusChanged,
    ComplaintContactChanged,
    Event,
)
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.envelope import Envelope
from nowrongdoor.testing.apps import eventually

REF = "NWD-7K3M9QX2VD4H"
ADDRESS = "amina@example.org"
WINDOW = timedelta(seconds=60)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)  # the operator's commands read the wall clock

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@dataclass
class Mailbox:
    """An EmailSender that keeps what it was given, or fails as told."""

    sent: list[tuple[list[str], Rendered, str]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)

    async def send(self, to: Sequence[str], message: Rendered, message_id: str) -> None:
        await asyncio.sleep(0.005)  # a real server takes a while: replicas interleave
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((list(to), message, message_id))


def render(notices: Sequence[Notice], language: str, audience: str, public_url: str) -> Rendered:
    lines = [f"{n.kind} {n.reference} {n.details.get('status', '')}".strip() for n in notices]
    return Rendered(language, f"{len(notices)} updates", "\n".join(lines), "", lines[0])


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@dataclass
class Phones:
    """An SmsSender that keeps what it was given, or fails as told."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)

    async def send(self, to: str, text: str, message_id: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((to, text, message_id))


@pytest.fixture
def phones() -> Phones:
    return Phones()


@pytest.fixture
def channels(mailbox: Mailbox, phones: Phones) -> Channels:
    return Channels(render=render, email=mailbox, sms=phones)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"dispatch_interval_seconds": 3600, "merge_window_seconds": WINDOW.total_seconds()}


@pytest.fixture
def dispatcher(app: FastAPI, client: httpx.AsyncClient) -> Dispatcher:
    found: Dispatcher = app.state.dispatcher
    found.jitter = lambda: 0.0
    return found


async def publish(bus: Bus, event: Event, reference: str = REF) -> None:
    await bus.publish(Envelope.wrap(event, source="/t", subject=reference), event.subject)


def with_address(service_environment: dict[str, Any], reference: str = REF) -> Event:
    keys = NotificationsSettings(**service_environment).transport_keys()
    return ComplaintContactChanged(
        reference=reference,
        change="added",
        sealed_contact=seal_contact(keys, reference, ContactDetails(email=ADDRESS)),
        language="fr",
        at=datetime.now(UTC),
    )


def status(status: CaseStatus, reference: str = REF) -> CaseStatusChanged:
    return CaseStatusChanged(
        reference=reference,
        status=status,
        institution_ids=["be-unia"],
        changed_at=datetime.now(UTC),
    )


async def deliveries(app: FastAPI, reference: str = REF) -> list[Delivery]:
    async with app.state.runtime.sessions() as session:
        found = await session.scalars(
            sa.select(Delivery)
            .where(col(Delivery.reference) == reference, col(Delivery.channel) == "email")
            .order_by(col(Delivery.created_at), col(Delivery.kind))
        )
        return list(found.all())


async def owed(app: FastAPI, count: int, reference: str = REF) -> list[Delivery]:
    async def probe() -> list[Delivery] | None:
        found = await deliveries(app, reference)
        return found if len(found) >= count else None

    return await eventually(probe)


async def stored(app: FastAPI, reference: str = REF) -> None:
    """Wait until the complainant's address for `reference` is kept."""

    async def probe() -> bool:
        async with app.state.runtime.sessions() as session:
            return await session.get(ComplainantContact, reference) is not None

    await eventually(probe)


async def announced(app: FastAPI) -> list[tuple[str, str]]:
    async with app.state.runtime.sessions() as session:
        rows = (await session.scalars(sa.select(OutboxMessage))).all()
    return sorted((row.type.split(".")[3], row.payload) for row in rows)


async def test_a_burst_within_the_window_goes_out_as_one_message(
    app: FastAPI,
    bus: Bus,
    service_environment: dict[str, Any],
    clock: Clock,
    mailbox: Mailbox,
    dispatcher: Dispatcher,
) -> None:
    await publish(bus, with_address(service_environment))
    await stored(app)
    await publish(bus, status(CaseStatus.ACKNOWLEDGED))
    await owed(app, 1)
    clock.advance(timedelta(seconds=5))
    await publish(bus, status(CaseStatus.INVESTIGATING))
    first, second = await owed(app, 2)

    assert await dispatcher.dispatch_due() == 0
    clock.advance(WINDOW)
    await dispatcher.dispatch_due()

    assert len(mailbox.sent) == 1
    to, message, message_id = mailbox.sent[0]
    assert to == [ADDRESS]
    assert message.text.splitlines() == [
        f"status-changed {REF} acknowledged",
        f"status-changed {REF} investigating",
    ]
    first, second = await deliveries(app)
    assert (first.status, second.status) == ("delivered", "merged")
    assert second.merged_into == first.id == message_id
    events = await announced(app)
    assert [kind for kind, _ in events] == ["delivered", "delivered"]
    assert all(ADDRESS not in payload for _, payload in events)


async def test_retries_follow_the_schedule_then_the_delivery_fails_for_good(
    app: FastAPI,
    bus: Bus,
    service_environment: dict[str, Any],
    clock: Clock,
    mailbox: Mailbox,
    dispatcher: Dispatcher,
) -> None:
    mailbox.failures = [TryLater("the server said 421") for _ in range(len(RETRY_DELAYS) + 1)]
    await publish(bus, with_address(service_environment))
    await stored(app)
    await publish(bus, status(CaseStatus.INVESTIGATING))
    (delivery,) = await owed(app, 1)
    clock.advance(WINDOW)

    waits = []
    for _ in RETRY_DELAYS:
        await dispatcher.dispatch_due()
        (delivery,) = await deliveries(app)
        assert delivery.status == "pending" and delivery.next_attempt_at is not None
        waits.append(delivery.next_attempt_at - clock.now)
        clock.now = delivery.next_attempt_at
    await dispatcher.dispatch_due()

    assert waits == [step / 2 for step in RETRY_DELAYS]
    (delivery,) = await deliveries(app)
    assert delivery.status == "failed"
    assert delivery.attempts == len(RETRY_DELAYS) + 1
    assert delivery.last_error == "gave up after 11 tries: the server said 421"
    assert mailbox.sent == []
    assert [kind for kind, _ in await announced(app)] == ["failed"]


async def test_an_operator_sees_a_failed_delivery_and_replays_it(
    app: FastAPI,
    bus: Bus,
    service_environment: dict[str, Any],
    clock: Clock,
    mailbox: Mailbox,
    dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mailbox.failures = [CannotDeliver("the server refused the sender")]
    await publish(bus, with_address(service_environment))
    await stored(app)
    await publish(bus, status(CaseStatus.CLOSED))
    (delivery,) = await owed(app, 1)
    clock.advance(WINDOW)
    await dispatcher.dispatch_due()
    monkeypatch.setenv("NWD_NOTIFICATIONS_DATABASE_URL", service_environment["database_url"])
    data_dir = str(service_environment["data_dir"])

    def operator(*args: str) -> str:
        result = CliRunner().invoke(notifications_app, [*args, "--data-dir", data_dir])
        assert result.exit_code == 0, result.output
        return result.output

    listed = await asyncio.to_thread(operator, "failed", "--reference", REF)
    assert f"{delivery.id}  {REF}  complainant  email  status-changed  1 tries" in listed
    assert "the server refused the sender" in listed
    assert ADDRESS not in listed

    replayed = await asyncio.to_thread(operator, "replay", delivery.id)
    assert f"replayed: {delivery.id}" in replayed
    clock.now = max(clock.now, datetime.now(UTC)) + timedelta(seconds=1)
    await dispatcher.dispatch_due()

    assert [message_id for _, _, message_id in mailbox.sent] == [delivery.id]
    assert "0 failed deliveries" in await asyncio.to_thread(operator, "failed")


async def test_without_smtp_an_email_fails_naming_the_setting(
    app: FastAPI,
    bus: Bus,
    service_environment: dict[str, Any],
    clock: Clock,
    dispatcher: Dispatcher,
) -> None:
    dispatcher.channels = Channels(render=render)
    await publish(bus, with_address(service_environment))
    await stored(app)
    await publish(bus, status(CaseStatus.CLOSED))
    await owed(app, 1)
    clock.advance(WINDOW)
    await dispatcher.dispatch_due()

    (delivery,) = await deliveries(app)
    assert delivery.status == "failed"
    assert delivery.last_error == "email is not configured: set NWD_SMTP_URL"


@dataclass
class Replica:
    """Another process's view of the same database."""

    sessions: db.SessionMaker

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with db.unit_of_work(self.sessions) as session:
            yield session


async def test_two_dispatchers_on_one_database_send_each_delivery_once(
    app: FastAPI,
    bus: Bus,
    service_environment: dict[str, Any],
    clock: Clock,
    mailbox: Mailbox,
    dispatcher: Dispatcher,
) -> None:
    references = [f"NWD-7K3M9QX2VD{c}{d}" for c in "AB" for d in "0123456789"]
    for reference in references:
        await publish(bus, with_address(service_environment, reference), reference)
    for reference in references:
        await stored(app, reference)
    for reference in references:
        await publish(bus, status(CaseStatus.INVESTIGATING, reference), reference)
    for reference in references:
        await owed(app, 1, reference)
    engine = db.create_engine(service_environment["database_url"])
    other_mailbox = Mailbox()
    other = Dispatcher(
        db=Replica(db.session_maker(engine)),
        channels=Channels(render=render, email=other_mailbox),
        sealer=app.state.sealer,
        clock=clock,
        public_url="http://test",
        batch_size=5,
    )
    clock.advance(WINDOW)
    try:
        await asyncio.gather(dispatcher.dispatch_due(), other.dispatch_due())
    finally:
        await engine.dispose()

    sent = [message_id for _, _, message_id in mailbox.sent + other_mailbox.sent]
    assert len(sent) == len(set(sent)) == len(references)


async def test_a_claim_whose_sender_died_is_taken_again(
    app: FastAPI,
    bus: Bus,
    service_environment: dict[str, Any],
    clock: Clock,
    mailbox: Mailbox,
    dispatcher: Dispatcher,
) -> None:
    await publish(bus, with_address(service_environment))
    await stored(app)
    await publish(bus, status(CaseStatus.CLOSED))
    (delivery,) = await owed(app, 1)
    async with app.state.runtime.transaction() as session:
        await session.execute(
            sa.update(Delivery)
            .where(col(Delivery.id) == delivery.id)
            .values(status="sending", claimed_until=clock.now + timedelta(minutes=5))
        )

    clock.advance(timedelta(minutes=4))
    await dispatcher.dispatch_due()
    assert mailbox.sent == []
    clock.advance(timedelta(minutes=1))
    await dispatcher.dispatch_due()

    assert [message_id for _, _, message_id in mailbox.sent] == [delivery.id]


async def test_an_institution_is_texted_at_each_of_its_phones_under_ids_that_survive_a_retry(
    app: FastAPI, bus: Bus, clock: Clock, phones: Phones, dispatcher: Dispatcher
) -> None:
    async with app.state.runtime.transaction() as session:
        for n, kinds in enumerate((["case-opened"], [], ["triage-waiting"])):
            session.add(
                InstitutionContact(
                    id=f"contact-{n}",
                    institution_id="be-unia",
                    email=None,
                    phone=f"+32 2 212 30 0{n}",
                    language="nl",
                    kinds=kinds,
                    created_at=clock.now + timedelta(seconds=n),
                )
            )
    opened = CaseOpened(
        reference=REF,
        status=CaseStatus.ROUTED,
        institution_ids=["be-unia"],
        lead_institution_id="be-unia",
        language="fr",
        opened_at=clock.now,
    )
    await publish(bus, opened)

    async def texted() -> list[Delivery] | None:
        async with app.state.runtime.sessions() as session:
            found = (
                await session.scalars(sa.select(Delivery).where(col(Delivery.channel) == "sms"))
            ).all()
        return list(found) or None

    (delivery,) = await eventually(texted)
    phones.failures.append(TryLater("the SMS provider answered 503"))
    clock.advance(WINDOW)
    await dispatcher.dispatch_due()
    clock.advance(RETRY_DELAYS[0] * 2)
    await dispatcher.dispatch_due()

    # The third phone wants triage only; the first try failed before any SMS left.
    assert [(to, message_id) for to, _, message_id in phones.sent] == [
        ("+32 2 212 30 00", f"{delivery.id}:contact-0"),
        ("+32 2 212 30 01", f"{delivery.id}:contact-1"),
    ]
    assert delivery.language == "nl"


async def test_a_mailbox_s_backlog_goes_out_in_messages_of_at_most_the_merge_limit(
    app: FastAPI, bus: Bus, clock: Clock, mailbox: Mailbox, dispatcher: Dispatcher
) -> None:
    async with app.state.runtime.transaction() as session:
        session.add(
            InstitutionContact(
                id="contact-mailbox",
                institution_id="be-unia",
                email="intake@unia.example",
                phone=None,
                language="nl",
                kinds=["case-opened"],
                created_at=clock.now,
            )
        )
    references = [f"NWD-7K3M9QX2VD{n:02d}" for n in range(5)]
    for reference in references:
        opened = CaseOpened(
            reference=reference,
            status=CaseStatus.ROUTED,
            institution_ids=["be-unia"],
            lead_institution_id="be-unia",
            language="fr",
            opened_at=clock.now,
        )
        await publish(bus, opened, reference)
        await owed(app, 1, reference)
        clock.advance(timedelta(seconds=1))
    dispatcher.merge_limit = 2
    clock.advance(WINDOW)

    await dispatcher.dispatch_due()

    told = [[line.split()[1] for line in text.text.splitlines()] for _, text, _ in mailbox.sent]
    assert told == [references[0:2], references[2:4], references[4:]]
    assert all(to == ["intake@unia.example"] for to, _, _ in mailbox.sent)
    statuses = [delivery.status for r in references for delivery in await deliveries(app, r)]
    assert statuses == ["delivered", "merged", "delivered", "merged", "delivered"]
