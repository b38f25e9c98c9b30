import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError
from sqlmodel import col
from typer.testing import CliRunner

from intake import privacy
from intake.app import create_app
from intake.models import AuditEntry, Submission
from intake.retention import RetentionPolicy, purge
from intake.service import accept_complaint
from intake.settings import IntakeSettings
from nowrongdoor import db, migrations
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus, Envelope
from nowrongdoor.cli import app as cli
from nowrongdoor.contracts.events import (
    CaseStatusChanged,
    CompetentInstitution,
    ComplaintRouted,
    ComplaintTriageRequired,
    Event,
)
from nowrongdoor.contracts.intake import ComplaintSubmission
from nowrongdoor.crypto import Sealer
from nowrongdoor.testing.apps import eventually, internal_headers, running

MARKERS = {
    "description": "Canary-description-4HW the prefecture kept my passport for a year.",
    "name": "Canary-name-8RT",
    "email": "canary-mail-2PL@example.org",
    "phone": "+212 622 334 455",
    "respondent": "Canary-respondent-6QD",
}
CLOSED_AT = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def complaint(*, anonymous: bool = False) -> dict[str, Any]:
    complainant: dict[str, Any] = {"role": "citizen", "anonymous": anonymous}
    if not anonymous:
        complainant |= {"name": MARKERS["name"], "email": MARKERS["email"]}
        complainant |= {"phone": MARKERS["phone"]}
    return {
        "submission": {
            "description": MARKERS["description"],
            "category": "human-rights",
            "respondent": {
                "name": MARKERS["respondent"],
                "type": "national-administration",
                "territory": "MA-06",
            },
            "complainant": complainant,
            "administration_contacted": True,
            "court_case_pending": False,
            "language": "fr",
        },
        "channel": "web",
    }


async def file(client: httpx.AsyncClient, *, anonymous: bool = False) -> dict[str, str]:
    response = await client.post("/internal/complaints", json=complaint(anonymous=anonymous))
    assert response.status_code == 201
    accepted: dict[str, str] = response.json()
    return accepted


async def publish(bus: Bus, event: Event, reference: str) -> None:
    await bus.publish(Envelope.wrap(event, source="/tests", subject=reference), event.subject)


def routed(reference: str, *institution_ids: str) -> ComplaintRouted:
    now = datetime.now(UTC)
    return ComplaintRouted(
        reference=reference,
        decision_id=f"d-{reference}",
        registry_version="v1",
        outcome="competent",
        competent=[
            CompetentInstitution(
                institution_id=institution_id,
                name=institution_id,
                role="lead" if index == 0 else "associated",
            )
            for index, institution_id in enumerate(institution_ids)
        ],
        matched_rules=[],
        excluding_rules=[],
        language="fr",
        received_at=now,
        decided_at=now,
    )


def closed(reference: str, *institution_ids: str, at: datetime = CLOSED_AT) -> CaseStatusChanged:
    return CaseStatusChanged(
        reference=reference,
        status="closed",
        previous_status="resolved",
        institution_ids=list(institution_ids),
        changed_at=at,
    )


async def submission(app: FastAPI, reference: str) -> Submission:
    sessions: db.SessionMaker = app.state.runtime.sessions
    async with sessions() as session:
        record = await session.get(Submission, reference)
    assert record is not None
    return record


async def audit_log(app: FastAPI) -> list[AuditEntry]:
    async with app.state.runtime.sessions() as session:
        return list(
            (await session.scalars(sa.select(AuditEntry).order_by(col(AuditEntry.id)))).all()
        )


def staff(institution_id: str, client_id: str | None = None) -> Principal:
    return Principal(
        client_id=client_id or f"{institution_id}-staff",
        kind="institution",
        institution_id=institution_id,
        scopes=frozenset({"cases:read"}),
    )


# -- export and erasure ----------------------------------------------------------------------


async def test_the_complainant_exports_everything_held_about_the_complaint(
    client: httpx.AsyncClient,
) -> None:
    filed = await file(client)

    response = await client.post("/internal/personal-data/export", json=filed)

    assert response.status_code == 200
    exported = response.json()
    assert exported["reference"] == filed["reference"]
    assert exported["identity"] == {
        "name": MARKERS["name"],
        "email": MARKERS["email"],
        "phone": MARKERS["phone"],
    }
    assert exported["description"] == MARKERS["description"]
    assert exported["respondent_name"] == MARKERS["respondent"]
    assert exported["received_at"]
    assert exported["category"] == "human-rights"
    assert exported["erased"] is False


async def test_erasure_empties_the_personal_data_and_keeps_the_facts(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    filed = await file(client)

    erased = await client.post("/internal/personal-data/erase", json=filed)
    exported = await client.post("/internal/personal-data/export", json=filed)
    still_tracked = await client.post("/internal/receipts/check", json=filed)

    assert erased.status_code == 200
    assert erased.json()["erased"] is True
    assert exported.status_code == 200
    after = exported.json()
    assert after["erased"] is True
    assert after["erasure_reason"] == "request"
    assert after["erased_at"]
    assert after["identity"] is None
    assert after["description"] is None
    assert after["respondent_name"] is None
    assert (after["category"], after["respondent_territory"]) == ("human-rights", "MA-06")
    assert still_tracked.status_code == 200
    async with app.state.runtime.sessions() as session:
        row = (
            (
                await session.execute(
                    sa.text("SELECT * FROM submissions WHERE reference = :reference"),
                    {"reference": filed["reference"]},
                )
            )
            .mappings()
            .one()
        )
    assert row["sealed_description"] is None
    assert row["sealed_respondent_name"] is None
    assert row["sealed_identity"] is None
    assert row["category"] == "human-rights"
    assert row["respondent_type"] == "national-administration"


async def test_erasing_twice_is_harmless(client: httpx.AsyncClient) -> None:
    filed = await file(client)

    first = await client.post("/internal/personal-data/erase", json=filed)
    second = await client.post("/internal/personal-data/erase", json=filed)

    assert first.status_code == second.status_code == 200
    assert first.json()["erased_at"] == second.json()["erased_at"]


@pytest.mark.parametrize("action", ["export", "erase"])
async def test_a_wrong_receipt_and_an_unknown_reference_give_the_same_404(
    client: httpx.AsyncClient, action: str
) -> None:
    mine = await file(client)
    theirs = await file(client)

    crossed = await client.post(
        f"/internal/personal-data/{action}",
        json={"reference": mine["reference"], "receipt": theirs["receipt"]},
    )
    unknown = await client.post(
        f"/internal/personal-data/{action}",
        json={"reference": "NWD-0000000000AA", "receipt": mine["receipt"]},
    )

    assert crossed.status_code == unknown.status_code == 404
    assert crossed.json() == unknown.json()
    assert crossed.headers["content-type"] == "application/problem+json"
    exported = await client.post("/internal/personal-data/export", json=mine)
    assert exported.json()["description"] == MARKERS["description"]


async def test_export_and_erasure_are_audited_without_personal_data(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    filed = await file(client)

    await client.post("/internal/personal-data/export", json=filed)
    await client.post("/internal/personal-data/erase", json=filed)

    entries = await audit_log(app)
    assert [(e.action, e.reference) for e in entries] == [
        ("export", filed["reference"]),
        ("erase", filed["reference"]),
    ]
    assert {(e.actor_client_id, e.actor_kind) for e in entries} == {("public", "public")}
    async with app.state.runtime.sessions() as session:
        rows = (await session.execute(sa.text("SELECT * FROM audit_log"))).mappings().all()
    stored = json.dumps([dict(row) for row in rows], default=str)
    for marker in [*MARKERS.values(), filed["receipt"]]:
        assert marker not in stored


# -- the audit log is append-only --------------------------------------------------------------


@pytest.fixture(params=["test database", "sqlite"])
def audited_database(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
    return database_url


async def test_the_database_refuses_to_change_or_delete_audit_rows(audited_database: str) -> None:
    engine = db.create_engine(audited_database)
    try:
        await migrations.upgrade(engine, "intake.migrations")
        async with db.unit_of_work(db.session_maker(engine)) as session:
            session.add(
                AuditEntry(
                    at=datetime.now(UTC),
                    actor_client_id="ma-mediateur-staff",
                    actor_kind="institution",
                    action="read-personal-data",
                    reference="NWD-7K3M9QX2VD4H",
                )
            )
        attempts = [
            "UPDATE audit_log SET actor_client_id = 'someone-else'",
            "DELETE FROM audit_log",
        ]
        if engine.dialect.name == "postgresql":
            attempts.append("TRUNCATE audit_log")
        for statement in attempts:
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as connection:
                    await connection.execute(sa.text(statement))
        async with engine.connect() as connection:
            rows = (
                await connection.execute(sa.text("SELECT actor_client_id FROM audit_log"))
            ).all()
        assert [row[0] for row in rows] == ["ma-mediateur-staff"]
    finally:
        await engine.dispose()


# -- staff reads -----------------------------------------------------------------------------


async def competent_known(app: FastAPI, reference: str) -> bool:
    return bool((await submission(app, reference)).competent_institution_ids)


async def test_staff_of_the_competent_institution_read_the_complaint_and_are_audited(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    filed = await file(client)
    reference = filed["reference"]
    await publish(bus, routed(reference, "ma-cndh", "ma-mediateur"), reference)
    await eventually(lambda: competent_known(app, reference))

    read = await client.get(
        f"/internal/complaints/{reference}",
        headers=internal_headers(app.state.data_dir, staff("ma-mediateur", "mediateur-agent-7")),
    )

    assert read.status_code == 200
    complaint_read = read.json()
    assert complaint_read["description"] == MARKERS["description"]
    assert complaint_read["identity"]["email"] == MARKERS["email"]
    assert complaint_read["competent_institution_ids"] == ["ma-cndh", "ma-mediateur"]
    entries = await audit_log(app)
    assert [(e.action, e.actor_client_id, e.actor_institution_id, e.detail) for e in entries] == [
        ("read-personal-data", "mediateur-agent-7", "ma-mediateur", None)
    ]


async def test_no_one_else_reads_the_complaint_and_every_attempt_is_audited(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    filed = await file(client)
    reference = filed["reference"]
    await publish(bus, routed(reference, "ma-mediateur"), reference)
    await eventually(lambda: competent_known(app, reference))
    ngo = Principal(client_id="ngo-1", kind="ngo", scopes=frozenset({"cases:read"}))

    other = await client.get(
        f"/internal/complaints/{reference}",
        headers=internal_headers(app.state.data_dir, staff("ma-cndh")),
    )
    unknown = await client.get(
        "/internal/complaints/NWD-0000000000AA",
        headers=internal_headers(app.state.data_dir, staff("ma-mediateur")),
    )
    not_an_institution = await client.get(
        f"/internal/complaints/{reference}", headers=internal_headers(app.state.data_dir, ngo)
    )
    public = await client.get(f"/internal/complaints/{reference}")

    assert other.status_code == unknown.status_code == not_an_institution.status_code == 404
    assert other.json() == unknown.json() == not_an_institution.json()
    assert MARKERS["description"] not in other.text
    assert public.status_code == 403
    entries = await audit_log(app)
    assert [(e.actor_client_id, e.reference, e.detail) for e in entries] == [
        ("ma-cndh-staff", reference, "refused: not competent for this complaint"),
        ("ma-mediateur-staff", "NWD-0000000000AA", "refused: not competent for this complaint"),
        ("ngo-1", reference, "refused: not competent for this complaint"),
    ]


async def test_a_later_decision_decides_who_may_read(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    filed = await file(client)
    reference = filed["reference"]
    await publish(bus, routed(reference, "ma-cndh"), reference)
    await eventually(lambda: competent_known(app, reference))
    await publish(bus, routed(reference, "ma-inpplc"), reference)

    async def moved() -> bool:
        return (await submission(app, reference)).competent_institution_ids == ["ma-inpplc"]

    await eventually(moved)

    assert (await read_as(client, app, reference, "ma-inpplc")).status_code == 200
    assert (await read_as(client, app, reference, "ma-cndh")).status_code == 404


def read_as(client: httpx.AsyncClient, app: FastAPI, reference: str, institution_id: str) -> Any:
    return client.get(
        f"/internal/complaints/{reference}",
        headers=internal_headers(app.state.data_dir, staff(institution_id)),
    )


async def test_the_triage_desk_reads_the_complaint_until_it_has_decided(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    reference = (await file(client))["reference"]
    triage = ComplaintTriageRequired(
        reference=reference,
        decision_id="decision-triage",
        registry_version="test",
        triage_institution_id="ma-mediateur",
        triage_institution_name="Médiateur du Royaume",
        reason="uncategorised",
        candidates=[],
        language="fr",
        received_at=datetime.now(UTC),
        decided_at=datetime.now(UTC),
    )
    await publish(bus, triage, reference)

    async def at_the_desk() -> bool:
        return (await submission(app, reference)).triage_institution_id == "ma-mediateur"

    await eventually(at_the_desk)

    desk = await read_as(client, app, reference, "ma-mediateur")
    elsewhere = await read_as(client, app, reference, "ma-cndh")
    assert desk.status_code == 200
    assert desk.json()["description"] == MARKERS["description"]
    assert elsewhere.status_code == 404

    await publish(bus, routed(reference, "ma-cndh"), reference)
    await eventually(lambda: competent_known(app, reference))

    assert (await read_as(client, app, reference, "ma-cndh")).status_code == 200
    assert (await read_as(client, app, reference, "ma-mediateur")).status_code == 404


async def test_a_read_waits_for_a_decision_on_its_way(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    reference = (await file(client))["reference"]

    async def decision_arrives_late() -> None:
        await asyncio.sleep(0.5)
        await publish(bus, routed(reference, "ma-mediateur"), reference)

    late = asyncio.create_task(decision_arrives_late())
    read = await read_as(client, app, reference, "ma-mediateur")
    await late

    assert read.status_code == 200, read.text


# -- retention -------------------------------------------------------------------------------


async def closure_known(app: FastAPI, reference: str) -> bool:
    return (await submission(app, reference)).closed_at is not None


async def test_personal_data_is_purged_once_retention_has_run_out(
    settings: IntakeSettings, bus_namespace: str
) -> None:
    now = CLOSED_AT + timedelta(days=30)

    def clock() -> datetime:
        return now

    settings = settings.model_copy(update={"retention_days": 60, "purge_interval_seconds": 0.05})
    app = create_app(settings, clock=clock)
    async with running(app, internal_headers(app.state.data_dir)) as client:
        filed = await file(client)
        reference = filed["reference"]
        await publish(app.state.runtime.bus, closed(reference, "ma-mediateur"), reference)
        await eventually(lambda: closure_known(app, reference))
        assert (await client.post("/internal/personal-data/export", json=filed)).json()[
            "erased"
        ] is False

        now = CLOSED_AT + timedelta(days=61)

        async def purged() -> dict[str, Any] | None:
            exported = (await client.post("/internal/personal-data/export", json=filed)).json()
            return exported if exported["erased"] else None

        exported = await eventually(purged)

    assert exported["erasure_reason"] == "retention"
    assert exported["description"] is None
    assert exported["identity"] is None
    assert exported["category"] == "human-rights"
    entries = [e for e in await audit_log(app) if e.action == "purge"]
    assert [(e.actor_client_id, e.actor_kind, e.reference) for e in entries] == [
        ("intake-retention", "system", reference)
    ]
    assert entries[0].detail == "closed 2026-01-15, kept 60 days"


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
        reference = (await file(client))["reference"]
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


async def test_a_reopened_case_is_not_purged(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    reference = (await file(client))["reference"]
    await publish(bus, closed(reference), reference)
    await eventually(lambda: closure_known(app, reference))
    reopened = CaseStatusChanged(
        reference=reference,
        status="investigating",
        previous_status="closed",
        institution_ids=["ma-mediateur"],
        changed_at=CLOSED_AT + timedelta(days=2),
    )
    await publish(bus, reopened, reference)

    async def open_again() -> bool:
        return (await submission(app, reference)).case_status == "investigating"

    await eventually(open_again)

    due = await purge(
        app.state.runtime.sessions, RetentionPolicy(default_days=1), CLOSED_AT + timedelta(days=900)
    )

    assert due == []
    assert (await submission(app, reference)).closed_at is None


def test_retention_purge_command_lists_then_purges(database_url: str, tmp_path: Path) -> None:
    async def prepare() -> str:
        settings = IntakeSettings(environment="test", database_url=database_url, data_dir=tmp_path)
        engine = db.create_engine(database_url)
        try:
            await migrations.upgrade(engine, "intake.migrations")
            sessions = db.session_maker(engine)
            async with db.unit_of_work(sessions) as session:
                accept_complaint(
                    session,
                    Sealer(settings.keys()),
                    ComplaintSubmission.model_validate(complaint()["submission"]),
                    "web",
                    reference="NWD-7K3M9QX2VD4H",
                    receipt_hash="unused",
                )
            async with db.unit_of_work(sessions) as session:
                await privacy.record_status(session, closed("NWD-7K3M9QX2VD4H", "ma-mediateur"))
        finally:
            await engine.dispose()
        return "NWD-7K3M9QX2VD4H"

    reference = asyncio.run(prepare())
    runner = CliRunner()
    environ = {
        "NWD_DATA_DIR": str(tmp_path),
        "NWD_INTAKE_DATABASE_URL": database_url,
        "NWD_INTAKE_RETENTION_DAYS": "30",
    }

    dry = runner.invoke(cli, ["retention", "purge", "--dry-run"], env=environ)
    real = runner.invoke(cli, ["retention", "purge"], env=environ)
    again = runner.invoke(cli, ["retention", "purge"], env=environ)

    assert dry.exit_code == real.exit_code == again.exit_code == 0, dry.output + real.output
    assert f"due: {reference} (closed 2026-01-15, kept 30 days)" in dry.output
    assert "nothing was purged (dry run)" in dry.output
    assert f"purged: {reference}" in real.output
    assert "purged the personal data of 1 submission" in real.output
    assert "purged the personal data of 0 submissions" in again.output
