"""A service started with migrations off waits for its schema instead of failing on it."""

import asyncio
from typing import Any

import pytest

from notifications.app import create_app
from notifications.settings import NotificationsSettings
from nowrongdoor import db, migrations
from nowrongdoor.testing.apps import running


async def test_it_starts_only_once_someone_has_migrated_its_database(
    service_environment: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrations, "SCHEMA_POLL_SECONDS", 0.1)
    settings = NotificationsSettings(**service_environment, migrate_on_start=False)
    app = create_app(settings)
    started = asyncio.Event()

    async def serve() -> None:
        async with running(app) as client:
            started.set()
            assert (await client.get("/readyz")).status_code == 200

    service = asyncio.create_task(serve())
    await asyncio.sleep(1.0)
    assert not started.is_set()

    engine = db.create_engine(settings.resolved_database_url())
    try:
        await migrations.upgrade(engine, "notifications.migrations")
    finally:
        await engine.dispose()
    await asyncio.wait_for(service, timeout=30)

    assert started.is_set()
