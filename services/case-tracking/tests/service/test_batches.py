"""A batch of events handled in one transaction leaves every case as handling its events one by
one does, while writing what the batch causes together at the commit."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from case_tracking_support import competent, received, routed
from fastapi import FastAPI
from sqlmodel import col, select

from case_tracking import repository
from case_tracking.consumers import subscriptions
from nowrongdoor.arrivals import Arrivals
from nowrongdoor.contracts.events import (
    ComplaintReceived,
    ComplaintRouted,
    NotificationDelivered,
)
from nowrongdoor.envelope import Envelope
from nowrongdoor.ids import new_reference
from nowrongdoor.inbox import ExactlyOnce, exactly_once
from nowrongdoor.outbox import OutboxMessage
from nowrongdoor.testing.statements import statements_sent


def _consumers(app: FastAPI) -> dict[str, ExactlyOnce]:
    """Case tracking's consumers of the three events a complaint's first hour brings."""
    handlers = {s.subject: s.handler for s in subscriptions(Arrivals(), app.state.store)}
    return {
        subject: exactly_once(app.state.runtime.sessions, f"test-{subject}", handlers[subject])
        for subject in (
            ComplaintReceived.subject,
            ComplaintRouted.subject,
            NotificationDelivered.subject,
        )
    }


Happened = ComplaintReceived | ComplaintRouted | NotificationDelivered


def _story(first: str, second: str) -> list[list[Happened]]:
    """Two complaints received, decided, decided again and told of, as three fetched batches.

    The first case's second decision comes in the same batch as its first, and both cases are
    told of their acknowledgement in one batch."""
    told = {
        "recipient": "complainant",
        "channel": "email",
        "kind": "status-changed",
        "delivered_at": datetime.now(UTC),
    }
    return [
        [received(first), received(second)],
        [
            routed(reference=first, competent=[competent("ma-mediateur")]),
            routed(reference=second, competent=[competent("ma-mediateur")]),
            routed(
                reference=first,
                decision_id="d-2",
                competent=[competent("ma-mediateur"), competent("ma-cndh", "associated")],
            ),
        ],
        [
            NotificationDelivered(
                delivery_id=str(uuid.uuid4()),
                reference=reference,
                cause_event_id=str(uuid.uuid4()),
                **told,
            )
            for reference in (first, second)
        ],
    ]


async def _as_it_stands(app: FastAPI, reference: str) -> dict[str, Any]:
    async with app.state.runtime.sessions() as session:
        group = await repository.case_group(session, reference)
        assert group is not None
        parts = await repository.parts(session, reference)
        entries = await repository.timeline(session, reference)
        events = (
            await session.scalars(
                select(col(OutboxMessage.type))
                .where(col(OutboxMessage.event_subject) == reference)
                .order_by(col(OutboxMessage.created_at))
            )
        ).all()
    return {
        "status": group.status,
        "lead": group.lead_institution_id,
        "parts": [(p.institution_id, p.role, p.status, p.due_on) for p in parts],
        "timeline": [(e.kind, e.summary, e.visible_to) for e in entries],
        "events": list(events),
    }


async def test_a_batch_handled_together_leaves_each_case_as_one_by_one_does(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    consumers = _consumers(app)
    alone, batched = [new_reference(), new_reference()], [new_reference(), new_reference()]
    for batch in _story(*alone):
        for event in batch:
            await consumers[event.subject](Envelope.wrap(event, source="/t", subject="-"))
    with statements_sent(app.state.runtime.engine) as sent:
        for batch in _story(*batched):
            envelopes = [Envelope.wrap(e, source="/t", subject=e.reference) for e in batch]
            async with consumers[batch[0].subject].together(envelopes) as handle:
                for envelope in envelopes:
                    await handle(envelope)
    writes = [" ".join(statement.split()[:3]).upper() for statement, _ in sent]
    reads = [" ".join(statement.split()).upper() for statement, _ in sent]

    for one_by_one, together in zip(alone, batched, strict=True):
        assert await _as_it_stands(app, together) == await _as_it_stands(app, one_by_one)
    first = await _as_it_stands(app, batched[0])
    assert [part[:2] for part in first["parts"]] == [
        ("ma-mediateur", "lead"),
        ("ma-cndh", "associated"),
    ]
    assert first["events"].count("org.nowrongdoor.case.opened.v1") == 2
    # Each batch's new rows (events, timeline entries, parts) in one statement for each table
    # as it commits. The decisions write theirs and change the groups in two: once before the
    # first case's second decision reads what its first wrote, once at the commit; one by one,
    # each read of each decision would have flushed on its own.
    assert writes.count("INSERT INTO OUTBOX") == 3
    assert writes.count("INSERT INTO TIMELINE_ENTRIES") == 4
    assert writes.count("INSERT INTO CASE_PARTS") == 2
    assert writes.count("UPDATE CASE_GROUPS SET") == 2
    # The groups of the received and the decided cases are read in one statement for each batch,
    # and the parts of the decided ones in another; only the first case's second decision reads
    # both again, to find what its first wrote. (The notices still read each group alone.)
    assert len([r for r in reads if r.startswith("SELECT") and "FROM CASE_GROUPS" in r]) == 5
    assert len([r for r in reads if r.startswith("SELECT") and "FROM CASE_PARTS" in r]) == 2


async def test_a_complaint_and_its_decision_opening_the_case_at_once_both_commit(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    consumers = _consumers(app)
    alone, together = new_reference(), new_reference()
    for event in _complaint_and_decision(alone):
        await consumers[event.subject](Envelope.wrap(event, source="/t", subject=alone))
    complaint, decision = (
        Envelope.wrap(event, source="/t", subject=together)
        for event in _complaint_and_decision(together)
    )

    async def decide() -> None:
        async with consumers[ComplaintRouted.subject].together([decision]) as handle:
            await handle(decision)

    # The complaint's consumer has found no group and holds its new one for its commit while
    # the decision's consumer looks for the group too.
    async with consumers[ComplaintReceived.subject].together([complaint]) as handle:
        await handle(complaint)
        deciding = asyncio.create_task(decide())
        await _until_waiting(app, deciding)
    await deciding

    assert await _as_it_stands(app, together) == await _as_it_stands(app, alone)


def _complaint_and_decision(reference: str) -> list[Happened]:
    return [received(reference), routed(reference=reference, competent=[competent("ma-mediateur")])]


async def _until_waiting(app: FastAPI, task: asyncio.Task[None]) -> None:
    """Until `task` waits for a lock another transaction holds, or ends.

    On SQLite the task's transaction waits for the write lock from its start; on PostgreSQL the
    wait shows in `pg_locks`."""
    engine = app.state.runtime.engine
    if engine.dialect.name != "postgresql":
        await asyncio.sleep(0.2)
        return
    waiting = sa.text(
        "SELECT count(*) FROM pg_locks AS l JOIN pg_database AS d ON d.oid = l.database "
        "WHERE NOT l.granted AND d.datname = current_database()"
    )
    deadline = asyncio.get_running_loop().time() + 30
    while not task.done():
        async with engine.connect() as connection:
            if await connection.scalar(waiting):
                return
        assert asyncio.get_running_loop().time() < deadline, "the decision neither waited nor ended"
        await asyncio.sleep(0.01)
