"""Real NATS, Redis and databases for integration tests, from wherever they can be had.

Each fixture takes, in this order: a URL from the environment (CI's services), a testcontainers
container where a Docker engine answers, otherwise the embedded binaries `nowrongdoor up` uses
(the library's `local` extra; without it only those fixtures fail, saying what to install).
`declared_services` gives the services installed here, as their packages declare them.

    NWD_TEST_NATS_URL       nats://127.0.0.1:4222
    NWD_TEST_REDIS_URL      redis://127.0.0.1:6379/0
    NWD_TEST_DATABASE_URL   postgresql://postgres@127.0.0.1:5432/test  (a database per test in it)
    NWD_TEST_CONTAINERS     1: PostgreSQL from testcontainers too; 0: never use Docker

Fixtures are synchronous, so they serve sync tests and async tests on any event loop alike;
their few network calls run on a private loop in a worker thread.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import os
import re
import uuid
from collections.abc import Callable, Coroutine, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from nowrongdoor.embedded import EmbeddedNats, EmbeddedRedis
from nowrongdoor.plugins import ServiceDeclaration, declared_names, discover_services

if TYPE_CHECKING:
    from sqlalchemy import TextClause

ENV_NATS = "NWD_TEST_NATS_URL"
ENV_REDIS = "NWD_TEST_REDIS_URL"
ENV_DATABASE = "NWD_TEST_DATABASE_URL"
ENV_CONTAINERS = "NWD_TEST_CONTAINERS"

ENVIRONMENT = "environment"
TESTCONTAINERS = "testcontainers"
EMBEDDED = "embedded"
SQLITE = "sqlite"

NATS_IMAGE = "nats:2.10-alpine"
REDIS_IMAGE = "redis:7-alpine"
POSTGRES_IMAGE = "postgres:16-alpine"

T = TypeVar("T")


# -- where each server comes from ------------------------------------------------------------


@dataclass(frozen=True)
class Providers:
    nats: str
    redis: str
    database: str


def choose_providers(environ: Mapping[str, str], docker_answers: Callable[[], bool]) -> Providers:
    """Environment first, then Docker, then the embedded binaries (SQLite for the database)."""
    containers = environ.get(ENV_CONTAINERS, "")
    docker_allowed = containers != "0"

    def fallback(name: str, local: str, *, opt_in: bool = False) -> str:
        if environ.get(name):
            return ENVIRONMENT
        wanted = containers == "1" if opt_in else docker_allowed
        if wanted and docker_answers():
            return TESTCONTAINERS
        return local

    return Providers(
        nats=fallback(ENV_NATS, EMBEDDED),
        redis=fallback(ENV_REDIS, EMBEDDED),
        database=fallback(ENV_DATABASE, SQLITE, opt_in=True),
    )


@functools.cache
def docker_answers() -> bool:
    """True when a Docker engine answers a ping within a second."""
    try:
        # Imported by name: the docker package ships no type information.
        docker = importlib.import_module("docker")
        client = docker.from_env(timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


@functools.cache
def session_providers() -> Providers:
    return choose_providers(os.environ, docker_answers)


def describe_providers(providers: Providers, environ: Mapping[str, str]) -> str:
    def origin(kind: str, env_name: str, local: str) -> str:
        if kind == ENVIRONMENT:
            return f"{env_name} ({_redact(environ[env_name])})"
        if kind == TESTCONTAINERS:
            return "testcontainers"
        return local

    return (
        "nowrongdoor fixtures: "
        f"NATS from {origin(providers.nats, ENV_NATS, 'embedded nats-server')}, "
        f"Redis from {origin(providers.redis, ENV_REDIS, 'embedded redis-server')}, "
        f"database from {origin(providers.database, ENV_DATABASE, 'a SQLite file per test')}"
    )


def pytest_configure(config: pytest.Config) -> None:
    """Services started inside the test process migrate there too: a child process per service
    start would cost each test a second. A platform started as `nowrongdoor up` does not see
    this and migrates apart, as it does for an operator."""
    os.environ.setdefault("NWD_MIGRATIONS_APART", "false")


def pytest_report_header(config: pytest.Config) -> list[str]:
    # Names only: reading them imports no service, so a broken one cannot break the session.
    services = ", ".join(declared_names()) or "none"
    return [
        describe_providers(session_providers(), os.environ),
        f"nowrongdoor services declared: {services}",
    ]


# -- session servers -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A NATS server with JetStream, shared by the session; isolate tests with `bus_namespace`."""
    provider = session_providers().nats
    if provider == ENVIRONMENT:
        yield os.environ[ENV_NATS]
    elif provider == TESTCONTAINERS:
        container = _container_class("nats", "NatsContainer")(NATS_IMAGE, jetstream=True)
        with container:
            yield str(container.nats_uri())
    else:
        with EmbeddedNats(tmp_path_factory.mktemp("nats")) as server:
            yield server.url


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis server shared by the session; isolate tests with `redis_prefix`."""
    provider = session_providers().redis
    if provider == ENVIRONMENT:
        yield os.environ[ENV_REDIS]
    elif provider == TESTCONTAINERS:
        container = _container_class("redis", "RedisContainer")(REDIS_IMAGE)
        with container:
            host = container.get_container_host_ip()
            port = container.get_exposed_port(6379)
            yield f"redis://{host}:{port}/0"
    else:
        with EmbeddedRedis(tmp_path_factory.mktemp("redis")) as server:
            yield server.url


@pytest.fixture(scope="session")
def nwd_postgres_server_url() -> Iterator[str | None]:
    """The PostgreSQL server test databases are created in; None when tests use SQLite."""
    provider = session_providers().database
    if provider == ENVIRONMENT:
        yield os.environ[ENV_DATABASE]
    elif provider == TESTCONTAINERS:
        container = _container_class("postgres", "PostgresContainer")(POSTGRES_IMAGE, driver=None)
        with container:
            yield str(container.get_connection_url())
    else:
        yield None


def _container_class(module: str, name: str) -> Any:
    """Import testcontainers only when Docker is used; newer releases keep it in `community`."""
    try:
        found = importlib.import_module(f"testcontainers.community.{module}")
    except ImportError:
        found = importlib.import_module(f"testcontainers.{module}")
    return getattr(found, name)


# -- per-test isolation ----------------------------------------------------------------------


@pytest.fixture
def database_url(nwd_postgres_server_url: str | None, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for this test, as an async SQLAlchemy URL; dropped afterwards."""
    if nwd_postgres_server_url is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    name = f"nwd_test_{uuid.uuid4().hex[:16]}"
    run_isolated(lambda: create_database(nwd_postgres_server_url, name))
    try:
        yield _with_database(nwd_postgres_server_url, name, driver="postgresql+asyncpg")
    finally:
        run_isolated(lambda: drop_database(nwd_postgres_server_url, name))


@pytest.fixture
def bus_namespace(nats_url: str) -> Iterator[str]:
    """A namespace no other test uses; its streams are deleted after the test."""
    namespace = f"t{uuid.uuid4().hex[:12]}"
    yield namespace
    run_isolated(lambda: delete_namespace_streams(nats_url, namespace))


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix no other test uses; its keys are deleted after the test."""
    prefix = f"t{uuid.uuid4().hex[:12]}:"
    yield prefix
    delete_prefixed_keys(redis_url, prefix)


def run_isolated(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on its own loop in a worker thread, whatever loop the test runs on."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="nwd-fixture") as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


async def create_database(server_url: str, name: str) -> None:
    from sqlalchemy import text

    await administer(server_url, text(f'CREATE DATABASE "{_identifier(name)}"'))


async def drop_database(server_url: str, name: str) -> None:
    from sqlalchemy import text

    await administer(
        server_url,
        # An engine the test did not dispose of would otherwise keep the database busy.
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :name AND pid <> pg_backend_pid()"
        ).bindparams(name=name),
        text(f'DROP DATABASE IF EXISTS "{_identifier(name)}"'),
    )


def _identifier(name: str) -> str:
    # CREATE and DROP DATABASE take no bound parameters: allow only names this plugin makes.
    if not re.fullmatch(r"[a-z0-9_]{1,63}", name):
        raise ValueError(f"not a test database name: {name!r}")
    return name


async def administer(server_url: str, *statements: TextClause) -> None:
    """Run statements outside a transaction, as CREATE and DROP DATABASE require, over asyncpg."""
    from sqlalchemy import NullPool
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(
        _with_database(server_url, None, driver="postgresql+asyncpg"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(statement)
    finally:
        await engine.dispose()


def _with_database(server_url: str, name: str | None, *, driver: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(server_url).set(drivername=driver)
    if name is not None:
        url = url.set(database=name)
    return url.render_as_string(hide_password=False)


async def delete_namespace_streams(nats_url: str, namespace: str) -> list[str]:
    """Delete the streams `nowrongdoor.bus.Bus` made for `namespace`; their names."""
    import nats

    prefix = f"{namespace.upper()}_"
    connection = await nats.connect(nats_url, connect_timeout=5, allow_reconnect=False)
    try:
        jetstream = connection.jetstream()
        deleted = []
        for stream in await jetstream.streams_info():
            name = stream.config.name
            if name and name.startswith(prefix):
                await jetstream.delete_stream(name)
                deleted.append(name)
        return deleted
    finally:
        await connection.close()


def delete_prefixed_keys(redis_url: str, prefix: str) -> int:
    """Delete every key starting with `prefix`; how many there were."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        deleted = 0
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{prefix}*", count=500):
            batch.append(key)
            if len(batch) >= 500:
                deleted += int(client.delete(*batch))
                batch.clear()
        if batch:
            deleted += int(client.delete(*batch))
        return deleted
    finally:
        client.close()


def _redact(url: str) -> str:
    from nowrongdoor.planning import redact_url

    return redact_url(url)


@pytest.fixture(scope="session")
def declared_services() -> tuple[ServiceDeclaration, ...]:
    """Every service installed here, as its package declares it, in port order."""
    return discover_services()


@pytest.fixture
def service_environment(
    database_url: str, nats_url: str, bus_namespace: str, tmp_path: Path
) -> dict[str, Any]:
    """What every service under test is given: its own database, its own bus, a data folder."""
    return {
        "environment": "test",
        "database_url": database_url,
        "nats_url": nats_url,
        "bus_namespace": bus_namespace,
        "data_dir": tmp_path,
    }
