"""Case tracking's migrations: the lifecycle's upgrade keeps every case, and its way back."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from case_tracking.models import AuditEntry
from nowrongdoor import db, migrations

PACKAGE = "case_tracking.migrations"
BEFORE = "2026_12_02_0001"
OPENED_AT = datetime(2026, 11, 30, 9, tzinfo=UTC)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    config = migrations.alembic_config(PACKAGE)

    def _downgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(_downgrade)


async def columns(engine: AsyncEngine, table: str) -> set[str]:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: {column["name"] for column in sa.inspect(sync).get_columns(table)}
        )


async def tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: set(sa.inspect(sync).get_table_names()))


async def test_the_lifecycle_upgrade_keeps_every_case_and_so_does_its_way_back(
    database_url: str,
) -> None:
    engine = db.create_engine(database_url)
    try:
        await migrations.upgrade(engine, PACKAGE, BEFORE)
        async with engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "INSERT INTO case_groups (reference, status, language, registry_version, "
                    "received_at, opened_at, updated_at) VALUES "
                    "('NWD-7K3M9QX2VD4H', 'routed', 'fr', 'v1', :at, :at, :at)"
                ),
                {"at": OPENED_AT},
            )
            await connection.execute(
                sa.text(
                    "INSERT INTO case_parts (reference, institution_id, institution_name, role, "
                    "status) VALUES ('NWD-7K3M9QX2VD4H', 'ma-mediateur', 'Médiateur', 'lead', "
                    "'routed')"
                )
            )

        await migrations.upgrade(engine, PACKAGE)
        async with engine.connect() as connection:
            part = (
                await connection.execute(
                    sa.select(
                        sa.column("opened_at", db.UTCDateTime()), sa.column("due_on", sa.Date())
                    ).select_from(sa.table("case_parts"))
                )
            ).one()
            version = (await connection.execute(sa.text("SELECT version FROM case_groups"))).one()
        upgraded = await tables(engine)

        await downgrade(engine, BEFORE)
        downgraded_parts = await columns(engine, "case_parts")
        downgraded = await tables(engine)
        async with engine.connect() as connection:
            kept = (
                await connection.execute(sa.text("SELECT reference, status FROM case_parts"))
            ).all()
        await migrations.upgrade(engine, PACKAGE)
        again = await tables(engine)
    finally:
        await engine.dispose()

    # A part opened before its clocks were kept counts from the day its case opened.
    assert part[0] == OPENED_AT
    assert part[1] is None  # no standards were known: nothing promised
    assert version[0] == 1
    new_tables = {
        "part_pauses",
        "case_messages",
        "deadline_breaches",
        "known_institutions",
        "case_audit_log",
    }
    assert new_tables <= upgraded
    assert not new_tables & downgraded
    assert not {"opened_at", "due_on", "handler", "paused_from", "closing_days"} & downgraded_parts
    assert kept == [("NWD-7K3M9QX2VD4H", "routed")]
    assert new_tables <= again


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
                    action="read-messages",
                    reference="NWD-7K3M9QX2VD4H",
                )
            )
        attempts = [
            "UPDATE case_audit_log SET actor_client_id = 'someone-else'",
            "DELETE FROM case_audit_log",
        ]
        if engine.dialect.name == "postgresql":
            attempts.append("TRUNCATE case_audit_log")
        for statement in attempts:
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as connection:
                    await connection.execute(sa.text(statement))
        async with engine.connect() as connection:
            rows = (
                await connection.execute(sa.text("SELECT actor_client_id FROM case_audit_log"))
            ).all()
        assert [row[0] for row in rows] == ["ma-mediateur-staff"]
    finally:
        await engine.dispose()
