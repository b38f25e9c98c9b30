"""Upgrading a database that already holds submissions keeps what intake had learned."""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

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
