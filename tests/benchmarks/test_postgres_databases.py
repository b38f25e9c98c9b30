"""`--database-url`: the benchmark's databases on a PostgreSQL server, there only for its run."""

from __future__ import annotations

import os

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bench.running import SERVICES, postgres_databases

SERVER = os.environ.get("NWD_TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not SERVER.startswith("postgresql"), reason="needs NWD_TEST_DATABASE_URL (PostgreSQL)"
)


def plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def existing(prefix: str) -> set[str]:
    connection = await asyncpg.connect(plain(SERVER))
    try:
        rows = await connection.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", f"{prefix}%"
        )
    finally:
        await connection.close()
    return {row["datname"] for row in rows}


async def test_each_service_gets_a_database_of_its_own_dropped_after_the_run() -> None:
    with postgres_databases(SERVER) as urls:
        assert sorted(urls) == sorted(f"NWD_{s.upper()}_DATABASE_URL" for s in SERVICES)
        names = {make_url(url).database or "" for url in urls.values()}
        assert len(names) == len(SERVICES)
        run = str(make_url(urls["NWD_GATEWAY_DATABASE_URL"]).database).removesuffix("gateway")
        assert all(name.startswith(run) for name in names)
        assert await existing(run) == names
        # Each is a database a service can connect to and write in.
        connection = await asyncpg.connect(plain(urls["NWD_CASE_TRACKING_DATABASE_URL"]))
        try:
            await connection.execute("CREATE TABLE kept (id integer)")
        finally:
            await connection.close()

    assert await existing(run) == set()
