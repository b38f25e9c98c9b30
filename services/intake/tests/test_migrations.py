"""Intake's migrations: upgrading keeps what intake had learned; the audit log stays append-only."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from intake.models import AuditEntry
from nowrongdoor import db, migrations

PACKAGE = "intake.migrations"


def held_row(reference: str, **learned: Any) -> dict[str, Any]:
    return {
        "reference": reference,
        "receipt_hash": "argon2-hash",
        "channel": "web",
        "received_at": datetime(2026, 11, 1, tzinfo=UTC),
        "category": "maladministration",
        "respondent_type": "local-authority",
        "respondent_territory": "MA-06",
        "complainant_role": "citizen",
        "anonymous": True,
        "administration_contacted": False,
        "court_case_pending": False,
        "language": "fr",
        "sealed_description": "sealed",
        "sealed_respondent_name": "sealed",
    } | learned


async def test_routing_outcomes_are_recovered_from_what_intake_had_learned(
    database_url: str,
) -> None:
    engine = db.create_engine(database_url)
    decided_at = datetime(2026, 11, 2, tzinfo=UTC)
    try:
        await migrations.upgrade(engine, PACKAGE, "2026_11_28_0002")
        submissions = sa.table(
            "submissions",
            *(sa.column(name) for name in held_row("x")),
            sa.column("decided_at", sa.DateTime(timezone=True)),
            sa.column("case_status", sa.String),
            sa.column("competent_institution_ids", sa.JSON),
        )
        async with engine.begin() as connection:
            await connection.execute(
                submissions.insert(),
                [
                    held_row(
                        "NWD-HELD00000000",
                        decided_at=decided_at,
                        case_status="inadmissible",
                        competent_institution_ids=[],
                    ),
                    held_row(
                        "NWD-R0UTED000000",
                        decided_at=decided_at,
                        case_status="routed",
                        competent_institution_ids=["ma-mediateur"],
                    ),
                    held_row(
                        "NWD-N0BODY000000",
                        decided_at=decided_at,
                        case_status="closed",
                        competent_institution_ids=[],
                    ),
                    held_row(
                        "NWD-PEND1NG00000",
                        decided_at=None,
                        case_status=None,
                        competent_institution_ids=[],
                    ),
                ],
            )

        await migrations.upgrade(engine, PACKAGE)

        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    sa.text("SELECT reference, decision_outcome FROM submissions")
                )
            ).all()
    finally:
        await engine.dispose()
    assert dict(rows) == {
        "NWD-HELD00000000": "prerequisite-missing",
        "NWD-R0UTED000000": "competent",
        "NWD-N0BODY000000": "not-competent",
        "NWD-PEND1NG00000": None,
    }


@pytest.fixture(params=["test database", "sqlite"])
def audited_database(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
    return database_url


async def test_the_database_refuses_to_change_or_delete_audit_rows(audited_database: str) -> None:
    engine = db.create_engine(audited_database)
    try:
        await migrations.upgrade(engine, PACKAGE)
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
