"""The directory lives in routing's database as numbered versions; replicas agree on the current."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from nowrongdoor import db, migrations
from nowrongdoor.testing.apps import internal_headers, running
from routing.app import create_app
from routing.domain import Registry, load_seed_registry
from routing.models import CurrentRegistry, RegistryVersion
from routing.registry import RegistryStore, ensure_current
from routing.settings import RoutingSettings

Headers = Callable[..., dict[str, str]]

SEED = load_seed_registry()
GUIDE_ANSWERS = {
    "category": "maladministration",
    "respondent_type": "local-authority",
    "territory": "MA-06",
    "complainant_role": "citizen",
    "administration_contacted": False,
    "court_case_pending": False,
}


async def versions_in(database_url: str) -> list[tuple[Any, ...]]:
    engine = db.create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.text("SELECT number, version, actor FROM registry_versions ORDER BY number")
            )
            return [tuple(row) for row in rows]
    finally:
        await engine.dispose()


async def test_an_empty_database_starts_with_the_seed_as_version_one(
    client: httpx.AsyncClient, database_url: str
) -> None:
    assert await versions_in(database_url) == [(1, SEED.version, "seed")]
    guide = (await client.get("/internal/guide")).json()
    assert guide["registry_version"] == SEED.version


async def test_restarting_loads_nothing_twice(
    app: FastAPI, settings: RoutingSettings, database_url: str
) -> None:
    async with running(app):
        pass
    async with running(create_app(settings)):
        pass

    assert await versions_in(database_url) == [(1, SEED.version, "seed")]


async def test_replicas_starting_together_load_the_seed_once(database_url: str) -> None:
    engine = db.create_engine(database_url)
    await migrations.upgrade(engine, "routing.migrations")
    await engine.dispose()
    engines = [db.create_engine(database_url) for _ in range(4)]
    try:
        loaded = await asyncio.gather(*(ensure_current(db.session_maker(e), SEED) for e in engines))
    finally:
        for engine in engines:
            await engine.dispose()

    assert {registry.version for registry in loaded} == {SEED.version}
    assert await versions_in(database_url) == [(1, SEED.version, "seed")]


async def test_a_stored_document_in_an_older_format_is_recorded_again_in_the_current_one(
    database_url: str,
) -> None:
    engine = db.create_engine(database_url)
    await migrations.upgrade(engine, "routing.migrations")
    older = SEED.to_dict()
    for territory in older["territories"]:
        del territory["names"]  # as a release before territory translations wrote it
    written = datetime(2026, 1, 1, tzinfo=UTC)
    async with db.unit_of_work(db.session_maker(engine)) as session:
        session.add(
            RegistryVersion(
                number=1,
                version="sha256:0000000000000000",
                document=older,
                created_at=written,
                actor="seed",
                summary="Written by an older release",
            )
        )
        await session.flush()
        session.add(
            CurrentRegistry(id=1, number=1, version="sha256:0000000000000000", changed_at=written)
        )

    registry = await ensure_current(db.session_maker(engine), SEED)
    async with db.session_maker(engine)() as session:
        current = await RegistryStore().current(session)
    await engine.dispose()

    assert registry.version == current.version == Registry.from_dict(older).version
    assert [row[0] for row in await versions_in(database_url)] == [1, 2]


async def test_another_replica_decides_with_a_version_made_on_this_one(
    settings: RoutingSettings, headers_for: Headers
) -> None:
    one, other = create_app(settings), create_app(settings)
    public = internal_headers(settings.data_dir)
    async with running(one, public) as first, running(other, public) as second:
        before = (await second.post("/internal/guide/answers", json=GUIDE_ANSWERS)).json()
        mandate = (await first.get("/internal/institutions/ma-mediateur/mandate")).json()
        rules = [rule | {"prerequisites": []} for rule in mandate["rules"]]
        saved = await first.put(
            "/internal/institutions/ma-mediateur/mandate",
            json={"rules": rules, "summary": "No prerequisite any more"},
            headers=headers_for("institution", "ma-mediateur", "mandate:write"),
        )

        after = (await second.post("/internal/guide/answers", json=GUIDE_ANSWERS)).json()

    assert before["outcome"] == "prerequisite-missing"
    assert (after["outcome"], after["registry_version"]) == (
        "competent",
        saved.json()["registry_version"],
    )
