"""Personal data is purged once its time after closure has run out; the facts stay."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from intake.app import create_app
from intake.domain.retention import RetentionPolicy
from intake.service.retention import purge
from intake.settings import IntakeSettings
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import CaseStatusChanged
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.testing.apps import eventually, internal_headers, running

from ..support import MARKERS, audit_log, complaint, file, learned, publish, status_changed
from ..support import submission as stored

CLOSED_AT = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def closed(reference: str, *institution_ids: str) -> CaseStatusChanged:
    return status_changed(
        reference, CaseStatus.CLOSED, *institution_ids, at=CLOSED_AT, previous=CaseStatus.RESOLVED
    )


async def closure_known(app: FastAPI, reference: str) -> bool:
    return (await stored(app, reference)).closed_at is not None


async def test_personal_data_is_purged_once_retention_has_run_out(
    settings: IntakeSettings,
) -> None:
    now = CLOSED_AT + timedelta(days=30)

    def clock() -> datetime:
        return now

    settings = settings.model_copy(update={"retention_days": 60, "purge_interval_seconds": 0.05})
    app = create_app(settings, clock=clock)
    async with running(app, internal_headers(app.state.data_dir)) as client:
        filed = await file(client, complaint())
        reference = filed["reference"]
        await publish(app.state.runtime.bus, closed(reference, "ma-mediateur"), reference)
        await eventually(lambda: closure_known(app, reference))
        before = (await client.post("/internal/personal-data/export", json=filed)).json()
        assert before["erased"] is False

        now = CLOSED_AT + timedelta(days=61)

        async def purged() -> dict[str, Any] | None:
            exported = (await client.post("/internal/personal-data/export", json=filed)).json()
            return exported if exported["erased"] else None

        exported = await eventually(purged)

    assert exported["erasure_reason"] == "retention"
    assert exported["description"] is None
    assert exported["identity"] is None
    assert exported["category"] == "maladministration"
    entries = [e for e in await audit_log(app) if e.action == "purge"]
    assert [(e.actor_client_id, e.actor_kind, e.reference) for e in entries] == [
        ("intake-retention", "system", reference)
    ]
    assert entries[0].detail == "closed 2026-01-15, kept 60 days"
    assert MARKERS["description"] not in str(exported)


async def test_each_institution_keeps_data_as_long_as_it_says_and_joint_cases_the_longest(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    policy = RetentionPolicy(default_days=365, days_by_institution={"ma-cndh": 730, "be-unia": 90})
    cases = {
        "mediateur": ("ma-mediateur",),
        "joint": ("ma-mediateur", "ma-cndh"),
        "unia": ("be-unia",),
        "advice": (),
    }
    references = {}
    for name, institutions in cases.items():
        reference = (await file(client, complaint()))["reference"]
        references[name] = reference
        await publish(bus, closed(reference, *institutions), reference)

    async def all_closed() -> bool:
        return all([await closure_known(app, reference) for reference in references.values()])

    await eventually(all_closed)
    sessions = app.state.runtime.sessions

    async def purged_after(days: int) -> set[str]:
        done = await purge(sessions, policy, CLOSED_AT + timedelta(days=days))
        by_reference = {reference: name for name, reference in references.items()}
        return {by_reference[item.reference] for item in done}

    assert await purged_after(89) == set()
    assert await purged_after(91) == {"unia"}
    assert await purged_after(366) == {"mediateur", "advice"}
    assert await purged_after(729) == set()
    assert await purged_after(731) == {"joint"}


async def test_a_dry_run_purges_nothing_and_pages_cover_everything_due(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    references = [(await file(client, complaint()))["reference"] for _ in range(5)]
    for reference in references:
        await publish(bus, closed(reference), reference)

    async def all_closed() -> bool:
        return all([await closure_known(app, reference) for reference in references])

    await eventually(all_closed)
    sessions = app.state.runtime.sessions
    policy = RetentionPolicy(default_days=30)
    later = CLOSED_AT + timedelta(days=31)

    listed = await purge(sessions, policy, later, dry_run=True, page_size=2)
    purged = await purge(sessions, policy, later, page_size=2)
    again = await purge(sessions, policy, later, page_size=2)

    assert sorted(item.reference for item in listed) == sorted(references)
    assert sorted(item.reference for item in purged) == sorted(references)
    assert again == []
    assert len([e for e in await audit_log(app) if e.action == "purge"]) == 5


async def test_a_reopened_case_is_not_purged(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    reference = (await file(client, complaint()))["reference"]
    await publish(bus, closed(reference), reference)
    await eventually(lambda: closure_known(app, reference))
    reopened = status_changed(
        reference,
        CaseStatus.INVESTIGATING,
        "ma-mediateur",
        at=CLOSED_AT + timedelta(days=2),
        previous=CaseStatus.CLOSED,
    )
    await learned(app, bus, reopened, lambda r: r.case_status == CaseStatus.INVESTIGATING)

    due = await purge(
        app.state.runtime.sessions, RetentionPolicy(default_days=1), CLOSED_AT + timedelta(days=900)
    )

    assert due == []
    assert (await stored(app, reference)).closed_at is None
