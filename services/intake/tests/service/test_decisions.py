"""What routing's and case-tracking's events teach intake, whatever order they arrive in."""

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from nowrongdoor.bus import Bus
from nowrongdoor.contracts.vocabulary import CaseStatus, RoutingOutcome

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
