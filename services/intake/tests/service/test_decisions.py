"""What routing's and case-tracking's events teach intake, whatever order they arrive in."""

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from intake.consumers import subscriptions
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.vocabulary import CaseStatus, RoutingOutcome
from nowrongdoor.envelope import Envelope
from nowrongdoor.inbox import exactly_once
from nowrongdoor.testing.statements import statements_sent

from ..support import (
    complaint,
    file,
    learned,
    read_as,
    routed,
    status_changed,
    submission,
    triage_at,
)

MARKED = complaint()["submission"]["description"]


async def test_a_later_decision_decides_who_may_read(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    reference = (await file(client, complaint()))["reference"]
    await learned(
        app, bus, routed(reference, "ma-cndh"), lambda r: r.competent_institution_ids != []
    )
    await learned(
        app,
        bus,
        routed(reference, "ma-inpplc"),
        lambda r: r.competent_institution_ids == ["ma-inpplc"],
    )

    assert (await read_as(client, app, reference, "ma-inpplc")).status_code == 200
    assert (await read_as(client, app, reference, "ma-cndh")).status_code == 404
    record = await submission(app, reference)
    assert record.involved_institution_ids == ["ma-cndh", "ma-inpplc"]


async def test_an_earlier_decision_arriving_late_changes_nothing(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    reference = (await file(client, complaint()))["reference"]
    earlier = routed(reference, "ma-cndh")
    later = routed(reference, "ma-inpplc")
    await learned(app, bus, later, lambda r: r.competent_institution_ids == ["ma-inpplc"])
    await learned(app, bus, earlier, lambda r: "ma-cndh" in r.involved_institution_ids)

    record = await submission(app, reference)
    assert record.competent_institution_ids == ["ma-inpplc"]
    assert record.decided_at == later.decided_at


async def test_the_triage_desk_reads_the_complaint_until_it_has_decided(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    reference = (await file(client, complaint()))["reference"]
    await learned(
        app,
        bus,
        triage_at(reference, "ma-mediateur"),
        lambda r: r.triage_institution_id == "ma-mediateur",
    )

    desk = await read_as(client, app, reference, "ma-mediateur")
    elsewhere = await read_as(client, app, reference, "ma-cndh")
    assert desk.status_code == 200
    assert desk.json()["description"] == MARKED
    assert elsewhere.status_code == 404
    assert (await submission(app, reference)).decision_outcome == RoutingOutcome.TRIAGE

    await learned(
        app, bus, routed(reference, "ma-cndh"), lambda r: r.competent_institution_ids != []
    )

    assert (await read_as(client, app, reference, "ma-cndh")).status_code == 200
    assert (await read_as(client, app, reference, "ma-mediateur")).status_code == 404


async def test_a_case_closes_and_reopens_and_an_older_status_changes_nothing(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    reference = (await file(client, complaint()))["reference"]
    closed_at = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    await learned(
        app,
        bus,
        status_changed(reference, CaseStatus.CLOSED, "ma-mediateur", at=closed_at),
        lambda r: r.closed_at is not None,
    )
    assert (await submission(app, reference)).closed_at == closed_at

    reopened_at = closed_at + timedelta(days=2)
    await learned(
        app,
        bus,
        status_changed(reference, CaseStatus.INVESTIGATING, "ma-cndh", at=reopened_at),
        lambda r: r.case_status == CaseStatus.INVESTIGATING,
    )
    stale = status_changed(reference, CaseStatus.RESOLVED, "be-unia", at=closed_at)
    await learned(app, bus, stale, lambda r: "be-unia" in r.involved_institution_ids)

    record = await submission(app, reference)
    assert record.case_status == CaseStatus.INVESTIGATING
    assert record.status_changed_at == reopened_at
    assert record.closed_at is None
    assert record.involved_institution_ids == ["be-unia", "ma-cndh", "ma-mediateur"]


async def test_a_batch_of_decisions_reads_its_submissions_once_and_learns_each_in_order(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    first = (await file(client, complaint()))["reference"]
    second = (await file(client, complaint()))["reference"]
    unknown = "NWD-0000000000AA"
    events = [
        routed(first, "ma-cndh"),
        routed(second, "ma-inpplc"),
        routed(unknown, "ma-cndh"),
        routed(first, "ma-mediateur"),
    ]
    batch = [Envelope.wrap(e, source="/tests", subject=e.reference) for e in events]
    handler = next(
        s.handler
        for s in subscriptions(app.state.decision_waiters)
        if s.subject == events[0].subject
    )
    consumer = exactly_once(app.state.runtime.sessions, "test-decisions", handler)

    with statements_sent(app.state.runtime.engine) as sent:
        async with consumer.together(batch) as handle:
            for envelope in batch:
                await handle(envelope)

    assert len([s for s, _ in sent if "FROM submissions" in s]) == 1
    # The later decision on the first complaint, in the same batch, is the one kept.
    assert (await submission(app, first)).competent_institution_ids == ["ma-mediateur"]
    assert (await submission(app, first)).involved_institution_ids == ["ma-cndh", "ma-mediateur"]
    assert (await submission(app, second)).competent_institution_ids == ["ma-inpplc"]
