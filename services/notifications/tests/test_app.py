"""A service started with migrations off waits for its schema instead of failing on it."""

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from notifications.app import create_app
from notifications.settings import NotificationsSettings
from nowrongdoor import db, migrations
from nowrongdoor.testing.apps import eventually, running


async def test_it_starts_only_once_someone_has_migrated_its_database(
    service_environment: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrations, "SCHEMA_POLL_SECONDS", 0.1)
    found_behind: list[tuple[str | None, str]] = []
    behind = migrations.behind

    async def watched(engine: AsyncEngine, package: str) -> tuple[str | None, str] | None:
        lag = await behind(engine, package)
        if lag is not None:
            found_behind.append(lag)
        return lag

    monkeypatch.setattr(migrations, "behind", watched)
    settings = NotificationsSettings(**service_environment, migrate_on_start=False)
    app = create_app(settings)
    started = asyncio.Event()

    async def serve() -> None:
        async with running(app) as client:
            started.set()
            assert (await client.get("/readyz")).status_code == 200

    service = asyncio.create_task(serve())

    async def looked_again_and_again() -> bool:
        return len(found_behind) >= 3

    await eventually(looked_again_and_again)
    assert not started.is_set()

    engine = db.create_engine(settings.resolved_database_url())
    try:
        await migrations.upgrade(engine, "notifications.migrations")
    finally:
        await engine.dispose()
    await asyncio.wait_for(service, timeout=30)

    assert started.is_set()


async def test_a_schema_from_a_newer_release_does_not_hold_it_back(
    service_environment: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrations, "SCHEMA_POLL_SECONDS", 0.1)
    settings = NotificationsSettings(**service_environment, migrate_on_start=False)
    engine = db.create_engine(settings.resolved_database_url())
    try:
        await migrations.upgrade(engine, "notifications.migrations")
        async with engine.begin() as connection:
            await connection.execute(
                sa.text("UPDATE alembic_version SET version_num = '2099_01_01_0001'")
            )
    finally:
        await engine.dispose()

    async with asyncio.timeout(30), running(create_app(settings)) as client:
        assert (await client.get("/readyz")).status_code == 200
