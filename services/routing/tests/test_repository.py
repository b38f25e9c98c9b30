"""Routing's queries: the pointer moves only from where a change began; errors say race or outage.

A database error tells whether another writer won, so the change may be replayed, or the database
is not answering, so nothing is retried.
"""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import exc

from nowrongdoor import db, migrations
from routing import repository
from routing.domain import load_seed_registry
from routing.domain.mandate import with_mandate

SEED = load_seed_registry()
NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def test_the_pointer_moves_only_from_the_version_a_change_started_from(
    database_url: str,
) -> None:
    engine = db.create_engine(database_url)
    await migrations.upgrade(engine, "routing.migrations")
    sessions = db.session_maker(engine)
    changed = with_mandate(SEED, "ma-cndp", [])
    try:
        async with db.unit_of_work(sessions) as session:
            first = await repository.append_version(
                session, None, SEED, actor="seed", summary="First", now=NOW
            )
        async with db.unit_of_work(sessions) as session:
            second = await repository.append_version(
                session, first, changed, actor="test", summary="Second", now=NOW
            )
        with pytest.raises(repository.VersionTaken):
            async with db.unit_of_work(sessions) as session:
                # Started from version 1 while 2 is current: the pointer must not move.
                await repository.append_version(
                    session, first + 5, changed, actor="test", summary="Stale", now=NOW
                )
        async with sessions() as session:
            current = await repository.current_number(session)
            history = await repository.history(session)
    finally:
        await engine.dispose()

    assert (first, second, current) == (1, 2, 2)
    assert [(v.number, v.actor) for v in history] == [(2, "test"), (1, "seed")]


def locked_sqlite_error(tmp_path: Path) -> sqlite3.OperationalError:
    """The error SQLite gives a writer while another transaction holds the database."""
    path = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (n INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("INSERT INTO t VALUES (1)")
    except sqlite3.OperationalError as error:
        return error
    finally:
        other.close()
        holder.close()
    raise AssertionError("the second writer was not refused")


def test_another_writer_winning_is_a_lost_race(tmp_path: Path) -> None:
    locked = exc.OperationalError("INSERT", {}, locked_sqlite_error(tmp_path))
    taken = exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))

    for error in (repository.VersionTaken(), taken, locked):
        assert repository.lost_race(error), error
        assert not repository.unreachable(error), error


def test_a_database_that_does_not_answer_is_an_outage_not_a_race() -> None:
    unopenable = exc.OperationalError(
        "SELECT 1", {}, sqlite3.OperationalError("unable to open database file")
    )
    dropped = exc.DBAPIError("SELECT 1", {}, Exception("closed"), connection_invalidated=True)
    outages = [
        unopenable,
        dropped,
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
        exc.TimeoutError("QueuePool limit reached"),
    ]

    for error in outages:
        assert repository.unreachable(error), error
        assert not repository.lost_race(error), error
    assert not repository.unreachable(ValueError("a bug, not an outage"))
