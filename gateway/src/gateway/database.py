"""The gateway's own database: API clients and their audit trail, nothing about complaints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from nowrongdoor import db, migrations

MIGRATIONS_PACKAGE = "gateway.migrations"


@asynccontextmanager
async def client_database(url: str, *, migrate: bool) -> AsyncIterator[AsyncEngine]:
    """An engine on the gateway database, migrated first when asked; disposed on exit."""
    engine = db.create_engine(url)
    try:
        if migrate:
            await migrations.upgrade(engine, MIGRATIONS_PACKAGE)
        else:
            await migrations.wait_until_current(engine, MIGRATIONS_PACKAGE)
        yield engine
    finally:
        await engine.dispose()
