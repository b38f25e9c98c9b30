"""The outbox, the relay, the consumers and the inbox against a real NATS and a real database."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import nats.js.errors
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from nowrongdoor import db
from nowrongdoor.bus import Bus, ConsumerSpec, Handler
from nowrongdoor.contracts.events import CaseOpened
from nowrongdoor.envelope import Envelope
from nowrongdoor.inbox import exactly_once
from nowrongdoor.outbox import OutboxMessage, OutboxRelay, add_event
from nowrongdoor.testing.apps import eventually
from nowrongdoor.testing.statements import statements_sent


def opened(reference: str = "NWD-7K3M9QX2VD4H") -> CaseOpened:
    return CaseOpened(
        reference=reference,
        status="routed",
        institution_ids=["ma-mediateur"],
        lead_institution_id="ma-mediateur",
        language="fr",
        opened_at=datetime.now(UTC),
    )


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[db.SessionMaker]:
    engine = db.create_engine(database_url)
    async with engine.begin() as connection:
        for table in (SQLModel.metadata.tables["outbox"], SQLModel.metadata.tables["inbox"]):
            await connection.run_sync(table.create)
        await connection.execute(sa.text("CREATE TABLE effects (event_id VARCHAR(64) NOT NULL)"))
    yield db.session_maker(engine)
    await engine.dispose()


@pytest.fixture
async def bus(nats_url: str, bus_namespace: str) -> AsyncIterator[Bus]:
    bus = await Bus.connect(nats_url, name="tests", namespace=bus_namespace)
    await bus.ensure_streams()
    yield bus
    await bus.close()


async def stream_messages(bus: Bus, stream: str) -> int:
    info = await bus.js.stream_info(bus.stream_name(stream))
    return int(info.state.messages)


async def test_the_relay_publishes_each_outbox_event_once(
    sessions: db.SessionMaker, bus: Bus
) -> None:
    async with db.unit_of_work(sessions) as session:
        envelope = add_event(session, opened(), source="/tests", subject="NWD-7K3M9QX2VD4H")
    relay = OutboxRelay(sessions, bus)

    assert await relay.publish_pending() == 1
    assert await relay.publish_pending() == 0
    assert await stream_messages(bus, "CASES") == 1
    message = await bus.js.get_last_msg(bus.stream_name("CASES"), bus.subject_for("case.opened"))
    assert message.headers is not None
    assert message.headers["Nats-Msg-Id"] == envelope.id
    assert message.headers["ce-type"] == "org.nowrongdoor.case.opened.v1"


async def test_a_transaction_s_events_are_written_in_one_statement_as_it_commits(
    sessions: db.SessionMaker, bus: Bus
) -> None:
    def inserts(sent: list[tuple[str, Any]]) -> list[str]:
        return [s for s, _ in sent if s.lstrip().upper().startswith("INSERT INTO OUTBOX")]

    with statements_sent(sessions.kw["bind"]) as sent:
        async with db.unit_of_work(sessions) as session:
            added = [
                add_event(session, opened(f"NWD-7K3M9QX2VD4{n}"), source="/tests", subject="-")
                for n in range(3)
            ]
            assert inserts(sent) == []  # nothing written before the commit

    assert len(inserts(sent)) == 1
    assert await OutboxRelay(sessions, bus).publish_pending() == 3
    async with sessions() as session:
        stored = (await session.scalars(sa.select(OutboxMessage))).all()
    assert sorted((m.id, m.payload) for m in stored) == sorted(
        (e.id, e.data.decode()) for e in added
    )


async def test_an_event_of_a_rolled_back_transaction_is_not_written_by_the_next(
    sessions: db.SessionMaker, bus: Bus
) -> None:
    async with sessions() as session:
        add_event(session, opened("NWD-7K3M9QX2VD40"), source="/tests", subject="-")
        await session.rollback()
        kept = add_event(session, opened("NWD-7K3M9QX2VD41"), source="/tests", subject="-")
        await session.commit()

    assert await OutboxRelay(sessions, bus).publish_pending() == 1
    async with sessions() as session:
        assert (await session.scalars(sa.select(col(OutboxMessage.id)))).all() == [kept.id]


async def test_a_relay_that_died_before_marking_sent_republishes_without_duplicate(
    sessions: db.SessionMaker, bus: Bus
) -> None:
    async with db.unit_of_work(sessions) as session:
        add_event(session, opened(), source="/tests", subject="NWD-7K3M9QX2VD4H")
    relay = OutboxRelay(sessions, bus)
    await relay.publish_pending()
    # The crash: the publish was acknowledged but the row never marked.
    async with db.unit_of_work(sessions) as session:
        await session.execute(sa.update(OutboxMessage).values(published_at=None))

    assert await relay.publish_pending() == 1
    assert await stream_messages(bus, "CASES") == 1


async def test_a_batch_is_published_in_order_and_marked_up_to_the_first_failure(
    sessions: db.SessionMaker, bus: Bus
) -> None:
    references = [f"NWD-7K3M9QX2VD4{n}" for n in range(3)]
    async with db.unit_of_work(sessions) as session:
        added = [add_event(session, opened(r), source="/tests", subject=r) for r in references]
    # The second event names a subject no stream holds: JetStream refuses it.
    async with db.unit_of_work(sessions) as session:
        await session.execute(
            sa.update(OutboxMessage)
            .where(col(OutboxMessage.id) == added[1].id)
            .values(subject="nowhere.at-all")
        )
    relay = OutboxRelay(sessions, bus)

    with pytest.raises(nats.js.errors.NoStreamResponseError):
        await relay.publish_pending()

    async with sessions() as session:
        marked = await session.scalars(
            sa.select(col(OutboxMessage.id)).where(col(OutboxMessage.published_at).is_not(None))
        )
        assert marked.all() == [added[0].id]
    # The third was stored although not marked; published again, it is not stored twice.
    assert await stream_messages(bus, "CASES") == 2
    async with db.unit_of_work(sessions) as session:
        await session.execute(sa.update(OutboxMessage).values(subject="case.opened"))
    assert await relay.publish_pending() == 2
    assert await relay.publish_pending() == 0
    assert await stream_messages(bus, "CASES") == 3
    stream = bus.stream_name("CASES")
    first = await bus.js.get_msg(stream, seq=1)
    assert first.headers is not None and first.headers["Nats-Msg-Id"] == added[0].id


async def test_an_event_rolled_back_with_its_transaction_is_never_published(
    sessions: db.SessionMaker, bus: Bus
) -> None:
    async def fail_after_adding_the_event() -> None:
        async with db.unit_of_work(sessions) as session:
            add_event(session, opened(), source="/tests", subject="NWD-7K3M9QX2VD4H")
            raise RuntimeError("the state change failed")

    with pytest.raises(RuntimeError):
        await fail_after_adding_the_event()

    assert await OutboxRelay(sessions, bus).publish_pending() == 0
    assert await stream_messages(bus, "CASES") == 0


async def record_effect(session: AsyncSession, envelope: Envelope) -> None:
    await session.execute(
        sa.text("INSERT INTO effects (event_id) VALUES (:id)"), {"id": envelope.id}
    )


async def count_effects(sessions: db.SessionMaker) -> int:
    async with sessions() as session:
        return int((await session.execute(sa.text("SELECT count(*) FROM effects"))).scalar_one())


async def test_a_redelivered_event_has_its_effect_once(sessions: db.SessionMaker) -> None:
    handle = exactly_once(sessions, "tests-consumer", record_effect)
    envelope = Envelope.wrap(opened(), source="/tests", subject="NWD-7K3M9QX2VD4H")

    await handle(envelope)
    await handle(envelope)
    await asyncio.gather(*(handle(envelope) for _ in range(3)))

    assert await count_effects(sessions) == 1


async def test_a_failing_handler_leaves_neither_effect_nor_inbox_record(
    sessions: db.SessionMaker,
) -> None:
    async def fail_after_effect(session: AsyncSession, envelope: Envelope) -> None:
        await record_effect(session, envelope)
        raise RuntimeError("downstream broke")

    envelope = Envelope.wrap(opened(), source="/tests", subject="NWD-7K3M9QX2VD4H")
    with pytest.raises(RuntimeError):
        await exactly_once(sessions, "tests-consumer", fail_after_effect)(envelope)

    assert await count_effects(sessions) == 0
    await exactly_once(sessions, "tests-consumer", record_effect)(envelope)
    assert await count_effects(sessions) == 1


async def test_a_consumer_handles_published_events_and_acknowledges_them(
    sessions: db.SessionMaker, bus: Bus
) -> None:
    stop = asyncio.Event()
    spec = ConsumerSpec(
        durable="tests-case-opened",
        subject="case.opened",
        handler=exactly_once(sessions, "tests-case-opened", record_effect),
    )
    task = asyncio.create_task(bus.consume(spec, stop))
    async with db.unit_of_work(sessions) as session:
        for _ in range(5):
            add_event(session, opened(), source="/tests", subject="NWD-7K3M9QX2VD4H")
    await OutboxRelay(sessions, bus).publish_pending()

    async def all_handled() -> bool:
        return await count_effects(sessions) == 5

    await eventually(all_handled)
    stop.set()
    await task
    info = await bus.js.consumer_info(bus.stream_name("CASES"), "tests-case-opened")
    assert info.num_ack_pending == 0
    assert info.num_pending == 0


class CountedBatches:
    """An exactly-once handler that notes the size of each batch it handles together."""

    def __init__(self, sessions: db.SessionMaker, consumer: str) -> None:
        self.handler = exactly_once(sessions, consumer, record_effect)
        self.batches: list[int] = []

    async def __call__(self, envelope: Envelope) -> None:
        await self.handler(envelope)

    def together(self, envelopes: Sequence[Envelope]) -> AbstractAsyncContextManager[Handler]:
        self.batches.append(len(envelopes))
        return self.handler.together(envelopes)


async def test_events_arriving_while_a_consumer_lingers_are_handled_as_one_batch(
    sessions: db.SessionMaker, bus: Bus
) -> None:
    handler = CountedBatches(sessions, "tests-linger")
    stop = asyncio.Event()
    spec = ConsumerSpec(durable="tests-linger", subject="case.opened", handler=handler, linger=0.5)
    task = asyncio.create_task(bus.consume(spec, stop))
    await bus.publish(Envelope.wrap(opened(), source="/tests", subject="NWD-1"), "case.opened")

    async def handled(count: int) -> bool:
        return await count_effects(sessions) == count

    await eventually(lambda: handled(1), interval=0.02)
    # The consumer now waits half a second before it fetches again: these three arrive meanwhile.
    for _ in range(3):
        await bus.publish(Envelope.wrap(opened(), source="/tests", subject="NWD-2"), "case.opened")
    await eventually(lambda: handled(4))
    stop.set()
    await task
    assert handler.batches == [3]


async def test_an_event_that_keeps_failing_lands_in_the_dead_letter_stream(
    sessions: db.SessionMaker, bus: Bus
) -> None:
    async def always_fail(envelope: Envelope) -> None:
        raise ValueError("cannot handle")

    stop = asyncio.Event()
    spec = ConsumerSpec(
        durable="tests-poison",
        subject="case.opened",
        handler=always_fail,
        max_deliver=2,
        backoff=(0.05,),
    )
    task = asyncio.create_task(bus.consume(spec, stop))
    envelope = Envelope.wrap(opened(), source="/tests", subject="NWD-7K3M9QX2VD4H")
    await bus.publish(envelope, "case.opened")

    async def dead_lettered() -> bool:
        return await stream_messages(bus, "DEADLETTER") == 1

    await eventually(dead_lettered)
    stop.set()
    await task
    dead = await bus.js.get_last_msg(
        bus.stream_name("DEADLETTER"), bus.subject_for("deadletter.tests-poison.case.opened")
    )
    assert dead.headers is not None
    assert dead.headers["ce-id"] == envelope.id
    assert dead.headers["nwd-dead-letter-reason"] == "ValueError"


async def test_a_replayed_dead_letter_is_handled_once_by_the_consumer_that_failed(
    sessions: db.SessionMaker, bus: Bus
) -> None:
    from nowrongdoor.deadletters import list_dead_letters, replay

    broken = True

    async def flaky(session: AsyncSession, envelope: Envelope) -> None:
        if broken:
            raise ConnectionError("the downstream system is away")
        await record_effect(session, envelope)

    stop = asyncio.Event()
    spec = ConsumerSpec(
        durable="tests-flaky",
        subject="case.opened",
        handler=exactly_once(sessions, "tests-flaky", flaky),
        max_deliver=1,
    )
    task = asyncio.create_task(bus.consume(spec, stop))
    envelope = Envelope.wrap(opened(), source="/tests", subject="NWD-7K3M9QX2VD4H")
    await bus.publish(envelope, "case.opened")

    async def dead_lettered() -> list[Any]:
        return await list_dead_letters(bus)

    [letter] = await eventually(dead_lettered)
    assert (letter.consumer, letter.event_id, letter.reason) == (
        "tests-flaky",
        envelope.id,
        "ConnectionError",
    )
    broken = False
    await replay(bus, letter.sequence)

    async def handled() -> bool:
        return await count_effects(sessions) == 1

    await eventually(handled)
    stop.set()
    await task
    assert await list_dead_letters(bus) == []


async def test_published_events_are_forgotten_after_a_while_and_pending_ones_never(
    sessions: db.SessionMaker, bus: Bus
) -> None:
    async with db.unit_of_work(sessions) as session:
        add_event(session, opened(), source="/tests", subject="NWD-7K3M9QX2VD4H")
    relay = OutboxRelay(sessions, bus, keep_published=timedelta(0))
    await relay.publish_pending()
    async with db.unit_of_work(sessions) as session:
        add_event(session, opened(), source="/tests", subject="NWD-7K3M9QX2VD4H")

    assert await relay.prune() == 1
    assert await relay.publish_pending() == 1


async def test_a_batch_handled_together_commits_each_event_once(
    sessions: db.SessionMaker,
) -> None:
    commits: list[None] = []
    handler = exactly_once(sessions, "tests-consumer", record_effect, lambda: commits.append(None))
    first, second = (
        Envelope.wrap(opened(), source="/tests", subject="NWD-7K3M9QX2VD4H") for _ in range(2)
    )
    await handler(first)

    async with handler.together([first, second, second]) as handle:
        for envelope in (first, second, second):
            await handle(envelope)
    # The batch kept its inbox records: redelivered alone, its event changes nothing.
    await handler(second)

    assert await count_effects(sessions) == 2
    assert len(commits) == 2


async def test_a_batch_that_fails_together_keeps_nothing(sessions: db.SessionMaker) -> None:
    async def fail_on_the_second(session: AsyncSession, envelope: Envelope) -> None:
        await record_effect(session, envelope)
        if envelope.id == second.id:
            raise RuntimeError("downstream broke")

    handler = exactly_once(sessions, "tests-consumer", fail_on_the_second)
    first, second = (
        Envelope.wrap(opened(), source="/tests", subject="NWD-7K3M9QX2VD4H") for _ in range(2)
    )

    async def handle_both() -> None:
        async with handler.together([first, second]) as handle:
            for envelope in (first, second):
                await handle(envelope)

    with pytest.raises(RuntimeError):
        await handle_both()

    assert await count_effects(sessions) == 0
    await handler(first)
    assert await count_effects(sessions) == 1


async def test_a_poison_event_in_a_fetched_batch_spoils_none_of_the_others(
    sessions: db.SessionMaker, bus: Bus
) -> None:
    envelopes = [
        Envelope.wrap(opened(), source="/tests", subject="NWD-7K3M9QX2VD4H") for _ in range(6)
    ]
    poison = envelopes[2].id

    async def fail_on_poison(session: AsyncSession, envelope: Envelope) -> None:
        await record_effect(session, envelope)
        if envelope.id == poison:
            raise ValueError("cannot handle")

    for envelope in envelopes:
        await bus.publish(envelope, "case.opened")
    stop = asyncio.Event()
    spec = ConsumerSpec(
        durable="tests-batch-poison",
        subject="case.opened",
        handler=exactly_once(sessions, "tests-batch-poison", fail_on_poison),
        max_deliver=1,
    )
    task = asyncio.create_task(bus.consume(spec, stop))

    async def dead_lettered() -> bool:
        return await stream_messages(bus, "DEADLETTER") == 1

    await eventually(dead_lettered)
    stop.set()
    await task
    assert await count_effects(sessions) == 5
    info = await bus.js.consumer_info(bus.stream_name("CASES"), "tests-batch-poison")
    assert (info.num_ack_pending, info.num_pending) == (0, 0)
    dead = await bus.js.get_last_msg(
        bus.stream_name("DEADLETTER"), bus.subject_for("deadletter.tests-batch-poison.case.opened")
    )
    assert dead.headers is not None and dead.headers["ce-id"] == poison
