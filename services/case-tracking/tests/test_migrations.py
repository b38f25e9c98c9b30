"""Case tracking's migrations: upgrades keep every case and what its timeline says, and so do
their ways back."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from case_tracking.domain import timeline
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


@pytest.fixture(params=["test database", "sqlite"])
def each_database(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'timeline.db'}"
    return database_url


WRITTEN = [
    ("received", "Received by Conseil National des Droits de l'Homme"),
    ("routed", "Routed to INPPLC (lead), Médiateur (Délégation Casablanca-Settat)"),
    ("routed", "Transferred from CNDH to Médiateur"),
    ("acknowledged", "Acknowledged by Médiateur"),
    ("resolved", "Resolved by Médiateur (partly upheld)"),
    ("notice-failed", "We could not send you a text message"),
    ("transferred", "Transferred from A to B to C"),
    ("routed", "Routed by carrier pigeon"),
]


async def test_entries_kept_before_keep_their_facts_where_their_english_says_them_plainly(
    each_database: str,
) -> None:
    engine = db.create_engine(each_database)
    reference = "NWD-7K3M9QX2VD4H"
    try:
        await migrations.upgrade(engine, PACKAGE, "2026_12_02_0006")
        async with engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "INSERT INTO case_groups (reference, status, language, received_at, "
                    "opened_at, updated_at) VALUES (:reference, 'routed', 'fr', :at, :at, :at)"
                ),
                {"reference": reference, "at": OPENED_AT},
            )
            await connection.execute(
                sa.text(
                    "INSERT INTO timeline_entries (reference, at, kind, actor, summary) "
                    "VALUES (:reference, :at, :kind, 'platform', :summary)"
                ),
                [
                    {"reference": reference, "at": OPENED_AT, "kind": kind, "summary": summary}
                    for kind, summary in WRITTEN
                ],
            )

        await migrations.upgrade(engine, PACKAGE)
        async with engine.connect() as connection:
            rows: sa.CursorResult[Any] = await connection.execute(
                sa.select(sa.column("summary"), sa.column("wording"), sa.column("facts", sa.JSON()))
                .select_from(sa.table("timeline_entries"))
                .order_by(sa.column("id"))
            )
            kept: list[tuple[str, str | None, dict[str, Any] | None]] = [
                (row.summary, row.wording, row.facts) for row in rows
            ]
        await downgrade(engine, "2026_12_02_0006")
        downgraded = await columns(engine, "timeline_entries")
        async with engine.connect() as connection:
            summaries = (
                await connection.execute(sa.text("SELECT summary FROM timeline_entries"))
            ).all()
        await migrations.upgrade(engine, PACKAGE)
    finally:
        await engine.dispose()

    read = [
        timeline.told(wording, facts, "fr", as_written=summary) for summary, wording, facts in kept
    ]
    assert read == [
        "Plainte reçue par Conseil National des Droits de l'Homme",
        "Plainte transmise à INPPLC (chef de file), Médiateur (Délégation Casablanca-Settat)",
        "Plainte transférée par CNDH à Médiateur",
        "Réception confirmée par Médiateur",
        "Résolue par Médiateur (partiellement fondée)",
        "Nous n'avons pas pu vous envoyer de SMS",
        # Which institutions the first names is unclear; the second says nothing known.
        "Transferred from A to B to C",
        "Routed by carrier pigeon",
    ]
    # Read in English, each entry given its facts reads exactly as it was written.
    assert [
        timeline.told(wording, facts, "en", as_written="") for _, wording, facts in kept[:6]
    ] == [summary for _, summary in WRITTEN[:6]]
    assert kept[4][2] == {
        "institution": "Médiateur",
        "outcome": "partly-upheld",
        "status": "resolved",
    }
    assert kept[5][2] == {"channel": "sms", "delivered": False}
    assert [wording for _, wording, _ in kept[6:]] == [None, None]
    assert not {"wording", "facts"} & downgraded
    assert sorted(row[0] for row in summaries) == sorted(summary for _, summary in WRITTEN)


async def test_the_territory_path_comes_with_its_migration_and_goes_with_its_way_back(
    database_url: str,
) -> None:
    engine = db.create_engine(database_url)
    try:
        await migrations.upgrade(engine, PACKAGE)
        assert "territory_path" in await columns(engine, "case_groups")
        await downgrade(engine, "2026_12_03_0002")
        assert "territory_path" not in await columns(engine, "case_groups")
        await migrations.upgrade(engine, PACKAGE)
        assert "territory_path" in await columns(engine, "case_groups")
    finally:
        await engine.dispose()
