"""Alembic migrations per service, run from code so the service, the CLI and the tests share them.

Each service keeps `migrations/` inside its package with an `env.py` that calls `run_env`.
"""

from __future__ import annotations

import asyncio
import logging
from importlib import resources
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, MetaData
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

SCHEMA_POLL_SECONDS = 5.0
"""How often a service started with migrations off looks again at its database's schema."""


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


async def behind(engine: AsyncEngine, migrations_package: str) -> tuple[str | None, str] | None:
    """The database's revision and the latest one when the database lags; None when it does not.

    A revision this code does not know was written by a newer release: not behind.
    """
    script = ScriptDirectory.from_config(alembic_config(migrations_package))
    head = script.get_current_head() or "none"

    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        current = await connection.run_sync(_current)
    if current == head:
        return None
    if current is not None:
        try:
            script.get_revision(current)
        except CommandError:
            log.warning(
                "database schema is newer than this release",
                extra={"schema_revision": current, "expected_revision": head},
            )
            return None
    return current, head


async def wait_until_current(engine: AsyncEngine, migrations_package: str) -> None:
    """Wait for someone else (`nowrongdoor migrate`, a Kubernetes Job) to bring the schema up.

    A service started with migrations off must not handle a request or an event against an older
    schema: an event handled there would fail until it was dead-lettered.
    """
    while True:
        try:
            lag = await behind(engine, migrations_package)
        except (SQLAlchemyError, OSError) as error:
            log.warning("database not answering yet", extra={"error": type(error).__name__})
        else:
            if lag is None:
                return
            current, head = lag
            log.warning(
                "waiting for the database schema; run `nowrongdoor migrate`",
                extra={"schema_revision": current or "none", "expected_revision": head},
            )
        await asyncio.sleep(SCHEMA_POLL_SECONDS)


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


def create_outbox_and_inbox() -> None:
    """The outbox and inbox tables every service's first migration creates."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "outbox",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("event_subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("traceparent", sa.String(100), nullable=True),
        sa.Column("tracestate", sa.String(512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_outbox_created_at", "outbox", ["created_at"])
    op.create_index("ix_outbox_unpublished", "outbox", ["published_at", "created_at"])
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def create_audit_log(table: str) -> None:
    """An audit table the database itself keeps append-only: no UPDATE, DELETE or TRUNCATE."""
    import sqlalchemy as sa
    from alembic import op

    refused = f"{table} is append-only"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_client_id", sa.String(100), nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_institution_id", sa.String(64), nullable=True),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("reference", sa.String(16), nullable=True),
        sa.Column("detail", sa.String(500), nullable=True),
    )
    op.create_index(f"ix_{table}_at", table, ["at"])
    op.create_index(f"ix_{table}_reference", table, ["reference"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {table}_refuse_change() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{refused}' USING ERRCODE = 'insufficient_privilege';
            END;
            $$
            """
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse_change()"
        )
    else:
        for statement in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{statement.lower()} BEFORE {statement} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{refused}'); END"
            )


def drop_audit_log(table: str) -> None:
    """Undo `create_audit_log`."""
    from alembic import op

    op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {table}_refuse_change()")
