"""Alembic migrations per service, run from code so the service, the CLI and the tests share them.

Each service keeps `migrations/` inside its package with an `env.py` that calls `run_env`.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import AsyncEngine


def alembic_config(migrations_package: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files(migrations_package)))
    return config


async def upgrade(engine: AsyncEngine, migrations_package: str, revision: str = "head") -> None:
    config = alembic_config(migrations_package)

    def _upgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


def run_env(target_metadata: MetaData, version_table: str = "alembic_version") -> None:
    """Body of every service's `env.py`: migrate on the connection the caller handed over."""
    connection: Any = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "migrations run through `nowrongdoor migrate` or the service itself, "
            "which hand Alembic a connection"
        )
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=version_table,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
