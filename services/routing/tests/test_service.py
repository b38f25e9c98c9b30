"""The directory's use cases: numbered versions replicas agree on, changes that race and retry."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import stamina
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError

from nowrongdoor import db, migrations
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.events import ComplaintReceived, ComplaintResubmitted
from nowrongdoor.testing.apps import internal_headers, running
from routing import repository
from routing.app import create_app
from routing.domain import Registry, load_seed_registry, mandate_of
from routing.models import CurrentRegistry, RegistryVersion
from routing.service import (
    DatabaseUnavailable,
    RegistryBusy,
    RegistryStore,
    change_mandate,
    load_directory,
    reroute_complaint,
    route_complaint,
)
from routing.service.transactions import ATTEMPTS
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
        loaded = await asyncio.gather(*(load_directory(db.session_maker(e), SEED) for e in engines))
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

    registry = await load_directory(db.session_maker(engine), SEED)
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


# --- Changes that race ---------------------------------------------------------------------------

ADMIN = Principal(client_id="nwdc_admin", kind="admin", institution_id=None, scopes=frozenset())


@pytest.fixture
async def directory(database_url: str) -> AsyncIterator[tuple[db.SessionMaker, RegistryStore]]:
    """A migrated database holding the seed as version one, and a store to read it through."""
    engine = db.create_engine(database_url)
    await migrations.upgrade(engine, "routing.migrations")
    sessions = db.session_maker(engine)
    await load_directory(sessions, SEED)
    try:
        yield sessions, RegistryStore()
    finally:
        await engine.dispose()


def raised_priority(institution_id: str, priority: int = 21) -> list[dict[str, Any]]:
    return [rule | {"priority": priority} for rule in mandate_of(SEED, institution_id)]


async def test_a_change_that_meets_a_taken_version_number_is_tried_again(
    directory: tuple[db.SessionMaker, RegistryStore],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sessions, store = directory
    append = repository.append_version
    attempts: list[int | None] = []

    async def taken_once(session: Any, previous: int | None, *args: Any, **kwargs: Any) -> int:
        attempts.append(previous)
        if len(attempts) == 1:
            raise IntegrityError("INSERT INTO registry_versions", {}, Exception("duplicate key"))
        return await append(session, previous, *args, **kwargs)

    monkeypatch.setattr(repository, "append_version", taken_once)

    saved = await change_mandate(
        sessions, store, ADMIN, "ma-cndp", rules=raised_priority("ma-cndp"), summary="Raised"
    )

    assert attempts == [1, 1]
    assert saved.changed is True
    assert [row[0] for row in await versions_in(database_url)] == [1, 2]


async def test_a_change_that_loses_the_race_is_replayed_on_top_of_the_winner(
    directory: tuple[db.SessionMaker, RegistryStore],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sessions, store = directory
    append = repository.append_version
    attempts: list[int | None] = []

    async def overtaken_once(session: Any, previous: int | None, *args: Any, **kwargs: Any) -> int:
        attempts.append(previous)
        if len(attempts) == 1:
            # Another institution's change commits between this one's read and its write.
            monkeypatch.setattr(repository, "append_version", append)
            await change_mandate(
                sessions, store, ADMIN, "ma-cndh", rules=raised_priority("ma-cndh"), summary="CNDH"
            )
            monkeypatch.setattr(repository, "append_version", overtaken_once)
        return await append(session, previous, *args, **kwargs)

    monkeypatch.setattr(repository, "append_version", overtaken_once)

    saved = await change_mandate(
        sessions, store, ADMIN, "ma-cndp", rules=raised_priority("ma-cndp"), summary="CNDP"
    )

    assert attempts == [1, 2]
    assert saved.changed is True
    async with sessions() as session:
        current = await store.current(session)
    assert mandate_of(current, "ma-cndh") == raised_priority("ma-cndh")
    assert mandate_of(current, "ma-cndp") == raised_priority("ma-cndp")
    assert [(row[0], row[2]) for row in await versions_in(database_url)] == [
        (1, "seed"),
        (2, "nwdc_admin"),
        (3, "nwdc_admin"),
    ]


async def test_a_race_lost_every_time_saves_nothing_and_says_the_directory_is_busy(
    directory: tuple[db.SessionMaker, RegistryStore],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sessions, store = directory
    attempts: list[int | None] = []

    async def always_taken(session: Any, previous: int | None, *args: Any, **kwargs: Any) -> int:
        attempts.append(previous)
        raise repository.VersionTaken

    monkeypatch.setattr(repository, "append_version", always_taken)

    with stamina.set_testing(True, attempts=ATTEMPTS), pytest.raises(RegistryBusy):
        await change_mandate(
            sessions, store, ADMIN, "ma-cndp", rules=raised_priority("ma-cndp"), summary="Never"
        )

    assert len(attempts) == ATTEMPTS
    assert await versions_in(database_url) == [(1, SEED.version, "seed")]


async def test_an_outage_is_not_taken_for_a_race(
    directory: tuple[db.SessionMaker, RegistryStore],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sessions, store = directory
    attempts: list[int | None] = []

    async def unreachable(session: Any, previous: int | None, *args: Any, **kwargs: Any) -> int:
        attempts.append(previous)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(repository, "append_version", unreachable)

    with pytest.raises(DatabaseUnavailable):
        await change_mandate(
            sessions, store, ADMIN, "ma-cndp", rules=raised_priority("ma-cndp"), summary="Down"
        )

    assert attempts == [1]
    assert await versions_in(database_url) == [(1, SEED.version, "seed")]


async def test_decisions_of_one_transaction_take_the_revisions_after_each_other(
    directory: tuple[db.SessionMaker, RegistryStore],
    received: Callable[..., ComplaintReceived],
) -> None:
    """A batch decides a complaint and then its resubmission twice: the decisions it writes at
    its commit are counted already, so each resubmission is the next revision."""
    sessions, store = directory
    first = received(administration_contacted=False)
    again = ComplaintResubmitted(
        reference=first.reference,
        received_at=first.received_at,
        resubmitted_at=datetime.now(UTC),
        facts=first.facts.model_copy(update={"administration_contacted": True}),
    )
    async with db.unit_of_work(sessions) as session:
        await route_complaint(session, store, first)
        await reroute_complaint(session, store, again)
        await reroute_complaint(session, store, again)

    async with sessions() as session:
        history = await repository.decision_history(session, first.reference)
    assert [(d.revision, d.outcome) for d in history] == [
        (1, "prerequisite-missing"),
        (2, "competent"),
        (3, "competent"),
    ]
