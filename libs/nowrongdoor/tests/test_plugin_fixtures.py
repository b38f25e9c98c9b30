from __future__ import annotations

import os
import uuid

import nats
import pytest
import redis.asyncio
from nats.js import api
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from nowrongdoor import db
from nowrongdoor.testing.plugin import (
    EMBEDDED,
    ENVIRONMENT,
    SQLITE,
    TESTCONTAINERS,
    Providers,
    choose_providers,
    create_database,
    delete_namespace_streams,
    delete_prefixed_keys,
    describe_providers,
    drop_database,
    run_isolated,
)

pytest_plugins = ["pytester"]

# Database URLs handed out so far in this module, to show no two tests share one.
seen_database_urls: list[str] = []


async def test_nats_url_gives_jetstream_under_the_namespace(
    nats_url: str, bus_namespace: str
) -> None:
    stream = f"{bus_namespace.upper()}_PROBE"
    connection = await nats.connect(nats_url)
    try:
        jetstream = connection.jetstream()
        await jetstream.add_stream(
            api.StreamConfig(name=stream, subjects=[f"{bus_namespace}.probe.>"])
        )
        await jetstream.publish(f"{bus_namespace}.probe.one", b"hello")
        subscription = await jetstream.pull_subscribe(
            f"{bus_namespace}.probe.>", durable="probe", stream=stream
        )
        [message] = await subscription.fetch(1, timeout=5)
        await message.ack()
    finally:
        await connection.close()
    assert message.data == b"hello"
    assert message.subject == f"{bus_namespace}.probe.one"


def test_namespaces_are_unique_and_valid_bus_namespaces(bus_namespace: str) -> None:
    assert bus_namespace.startswith("t")
    assert bus_namespace.isalnum()
    assert bus_namespace == bus_namespace.lower()


async def test_cleanup_deletes_only_the_namespace_streams(nats_url: str) -> None:
    mine, other = f"t{uuid.uuid4().hex[:8]}", f"t{uuid.uuid4().hex[:8]}"
    connection = await nats.connect(nats_url)
    try:
        jetstream = connection.jetstream()
        for namespace in (mine, other):
            for stream in ("COMPLAINTS", "CASES"):
                await jetstream.add_stream(
                    api.StreamConfig(
                        name=f"{namespace.upper()}_{stream}",
                        subjects=[f"{namespace}.{stream.lower()}.>"],
                    )
                )
        deleted = run_isolated(lambda: delete_namespace_streams(nats_url, mine))
        remaining = {stream.config.name for stream in await jetstream.streams_info()}
    finally:
        await delete_namespace_streams(nats_url, other)
        await connection.close()
    assert sorted(deleted) == [f"{mine.upper()}_CASES", f"{mine.upper()}_COMPLAINTS"]
    assert not any(str(name).startswith(mine.upper()) for name in remaining)
    assert {f"{other.upper()}_CASES", f"{other.upper()}_COMPLAINTS"} <= remaining


async def test_redis_url_gives_a_working_redis(redis_url: str, redis_prefix: str) -> None:
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        await client.set(f"{redis_prefix}greeting", "hello")
        assert await client.get(f"{redis_prefix}greeting") == b"hello"
    finally:
        await client.aclose()


async def test_cleanup_deletes_only_the_prefixed_keys(redis_url: str) -> None:
    mine, other = f"t{uuid.uuid4().hex[:8]}:", f"t{uuid.uuid4().hex[:8]}:"
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        for index in range(1200):
            await client.set(f"{mine}{index}", "x")
        await client.set(f"{other}kept", "y")
        assert delete_prefixed_keys(redis_url, mine) == 1200
        assert [key async for key in client.scan_iter(match=f"{mine}*")] == []
        assert await client.get(f"{other}kept") == b"y"
    finally:
        await client.delete(f"{other}kept")
        await client.aclose()


async def test_database_url_gives_an_empty_database(database_url: str) -> None:
    seen_database_urls.append(database_url)
    engine = db.create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            await connection.execute(text("CREATE TABLE probe (id INTEGER PRIMARY KEY)"))
            await connection.commit()
    finally:
        await engine.dispose()
    assert tables == []


async def test_each_test_gets_its_own_database(database_url: str) -> None:
    # Runs after the test above created a table: a shared database would still hold it.
    assert database_url not in seen_database_urls
    engine = db.create_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    assert tables == []


@pytest.mark.skipif(not os.environ.get("NWD_TEST_DATABASE_URL"), reason="needs a PostgreSQL server")
async def test_a_postgres_test_database_is_dropped_even_with_open_connections() -> None:
    server = os.environ["NWD_TEST_DATABASE_URL"]
    name = f"nwd_test_{uuid.uuid4().hex[:16]}"
    await create_database(server, name)
    engine = db.create_engine(make_url(server).set(database=name).render_as_string(False))
    connection = await engine.connect()
    await connection.execute(text("SELECT 1"))
    await drop_database(server, name)
    # Its server process was terminated: the connection can only be thrown away.
    await connection.invalidate()
    await engine.dispose()
    admin = db.create_engine(server)
    try:
        async with admin.connect() as connection:
            found = await connection.execute(
                text("SELECT count(*) FROM pg_database WHERE datname = :name"), {"name": name}
            )
            assert found.scalar_one() == 0
    finally:
        await admin.dispose()


def test_a_url_in_the_environment_wins_and_docker_is_not_even_asked() -> None:
    def docker() -> bool:
        raise AssertionError("docker was asked")

    environ = {
        "NWD_TEST_NATS_URL": "nats://ci:4222",
        "NWD_TEST_REDIS_URL": "redis://ci:6379/0",
        "NWD_TEST_DATABASE_URL": "postgresql://postgres@ci/test",
    }
    assert choose_providers(environ, docker) == Providers(ENVIRONMENT, ENVIRONMENT, ENVIRONMENT)


def test_docker_serves_nats_and_redis_but_postgres_only_when_asked_for() -> None:
    assert choose_providers({}, lambda: True) == Providers(TESTCONTAINERS, TESTCONTAINERS, SQLITE)
    assert choose_providers({"NWD_TEST_CONTAINERS": "1"}, lambda: True) == Providers(
        TESTCONTAINERS, TESTCONTAINERS, TESTCONTAINERS
    )


def test_without_docker_the_embedded_binaries_and_sqlite() -> None:
    assert choose_providers({"NWD_TEST_CONTAINERS": "1"}, lambda: False) == Providers(
        EMBEDDED, EMBEDDED, SQLITE
    )


def test_containers_can_be_switched_off() -> None:
    def docker() -> bool:
        raise AssertionError("docker was asked")

    assert choose_providers({"NWD_TEST_CONTAINERS": "0"}, docker) == Providers(
        EMBEDDED, EMBEDDED, SQLITE
    )


def test_the_header_names_each_provider_without_passwords() -> None:
    environ = {"NWD_TEST_DATABASE_URL": "postgresql://app:s3cret@db/test"}
    line = describe_providers(Providers(EMBEDDED, TESTCONTAINERS, ENVIRONMENT), environ)
    assert "NATS from embedded nats-server" in line
    assert "Redis from testcontainers" in line
    assert "database from NWD_TEST_DATABASE_URL (postgresql://app:***@db/test)" in line
    assert "s3cret" not in line


def test_the_plugin_is_installed_and_serves_sync_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import redis

        def test_uses_fixtures(redis_url, redis_prefix):
            client = redis.Redis.from_url(redis_url)
            client.set(redis_prefix + "k", "v")
            assert client.get(redis_prefix + "k") == b"v"
            client.close()
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["nowrongdoor fixtures: NATS from *, Redis from *, database from *"]
    )
