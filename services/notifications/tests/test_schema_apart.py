"""A service's schema is migrated, or awaited, in a child process, so Alembic never loads into
the service."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from nowrongdoor import db, migrations, schema

PACKAGE = "notifications.migrations"


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


async def test_the_child_brings_the_schema_up_to_date(tmp_path: Path) -> None:
    url = url_of(tmp_path / "notifications.db")
    await schema.make_current(url, PACKAGE, service="notifications", upgrade=True, apart=True)

    engine = db.create_engine(url)
    try:
        assert await migrations.behind(engine, PACKAGE) is None
    finally:
        await engine.dispose()


async def test_a_failed_migration_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    unwritable = tmp_path / "file"
    unwritable.write_text("not a folder")
    with pytest.raises(RuntimeError, match="notifications: the database schema could not"):
        await schema.make_current(
            url_of(unwritable / "notifications.db"),
            PACKAGE,
            service="notifications",
            upgrade=True,
            apart=True,
        )


async def test_a_service_stopped_while_waiting_for_its_schema_leaves_no_child(
    tmp_path: Path,
) -> None:
    url = url_of(tmp_path / "notifications.db")
    waiting = asyncio.create_task(
        schema.make_current(url, PACKAGE, service="notifications", upgrade=False, apart=True)
    )
    await asyncio.sleep(3)
    assert not waiting.done()
    children = _children()
    assert any("nowrongdoor.schema" in line for line in children)

    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.sleep(0.5)
    assert not any("nowrongdoor.schema" in line for line in _children())


async def test_in_process_when_asked(tmp_path: Path) -> None:
    url = url_of(tmp_path / "notifications.db")
    await schema.make_current(url, PACKAGE, service="notifications", upgrade=True, apart=False)
    engine = db.create_engine(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        assert "alembic_version" in tables
    finally:
        await engine.dispose()


def test_a_service_imports_no_alembic() -> None:
    probe = "import sys, notifications.app; print(sorted(m for m in sys.modules if 'alembic' in m))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def _children() -> list[str]:
    listed = subprocess.run(
        ["ps", "-o", "args=", "--ppid", str(os.getpid())],
        capture_output=True,
        text=True,
    )
    return listed.stdout.splitlines()
