"""SQLite statements run whole on aiosqlite's thread: the same results, errors and transactions
as SQLAlchemy's own adapter, in one trip each."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import aiosqlite
import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    exc,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from nowrongdoor import db
from nowrongdoor.sqlite import OneTripDBAPI
from nowrongdoor.testing.statements import statements_sent

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("word", String, unique=True, nullable=False),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = db.create_engine(f"sqlite:///{tmp_path / 'notes.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


class Trips:
    """Counts the calls queued onto aiosqlite's thread."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        queue = cast(Callable[..., Awaitable[Any]], aiosqlite.Connection._execute)

        async def counted(connection: aiosqlite.Connection, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await queue(connection, *args, **kwargs)

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)


def test_the_engine_uses_the_one_trip_driver(engine: AsyncEngine) -> None:
    assert isinstance(engine.dialect.dbapi, OneTripDBAPI)


async def test_rows_counts_and_ids_come_back_as_from_sqlalchemys_adapter(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(insert(notes).values(word="first"))
        assert inserted.inserted_primary_key == (1,)
        await connection.execute(insert(notes), [{"word": "second"}, {"word": "third"}])
        changed = await connection.execute(
            update(notes).where(notes.c.word != "first").values(word=notes.c.word + "!")
        )
        assert changed.rowcount == 2
    async with engine.connect() as connection:
        rows = (await connection.execute(select(notes.c.word).order_by(notes.c.id))).all()
        assert [row.word for row in rows] == ["first", "second!", "third!"]
        nothing = await connection.execute(select(notes).where(notes.c.word == "none"))
        assert nothing.first() is None


async def test_a_failing_statement_raises_sqlalchemys_error_and_keeps_nothing_of_its_transaction(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(notes).values(word="kept"))
    async with engine.connect() as connection:
        transaction = await connection.begin()
        await connection.execute(insert(notes).values(word="lost"))
        with pytest.raises(exc.IntegrityError):
            await connection.execute(insert(notes).values(word="kept"))
        await transaction.rollback()
    async with engine.connect() as connection:
        words = (await connection.execute(select(notes.c.word))).scalars().all()
    assert words == ["kept"]


async def test_each_statement_is_one_trip_to_the_thread(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(notes), [{"word": str(n)} for n in range(3)])
    async with engine.connect() as connection:
        trips = Trips(monkeypatch)
        for _ in range(10):
            rows = (await connection.execute(select(notes))).all()
            assert len(rows) == 3
        # SQLAlchemy's own adapter opens, executes, fetches and closes: four trips a statement.
        assert trips.count == 10


async def append_after_reading(engine: AsyncEngine, letter: str, *, for_update: bool) -> None:
    """Read the first note, let the other writer run, then write the note with `letter` added."""
    async with engine.begin() as connection:
        query = select(notes.c.word).where(notes.c.id == 1)
        word = (await connection.execute(query.with_for_update() if for_update else query)).scalar()
        await asyncio.sleep(0.05)
        await connection.execute(
            update(notes).where(notes.c.id == 1).values(word=f"{word}{letter}")
        )


async def test_a_read_for_update_keeps_another_writer_out_until_its_commit(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(notes).values(id=1, word="a"))

    await asyncio.gather(*(append_after_reading(engine, x, for_update=True) for x in "bc"))

    async with engine.connect() as connection:
        word = (await connection.execute(select(notes.c.word))).scalar()
    assert word in ("abc", "acb")


async def test_a_plain_read_takes_no_lock(engine: AsyncEngine) -> None:
    # Both read before either writes: the later commit writes over the earlier one, which is
    # why every read that an update depends on is made FOR UPDATE.
    async with engine.begin() as connection:
        await connection.execute(insert(notes).values(id=1, word="a"))

    await asyncio.gather(*(append_after_reading(engine, x, for_update=False) for x in "bc"))

    async with engine.connect() as connection:
        word = (await connection.execute(select(notes.c.word))).scalar()
    assert word in ("ab", "ac")


async def test_a_transaction_holding_the_write_lock_makes_no_trip_until_its_commit(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = Trips(monkeypatch)
    async with engine.begin() as connection:
        await connection.execute(insert(notes).values(word="first"))  # may wait: a trip
        assert trips.count == 1
        for n in range(10):
            await connection.execute(insert(notes).values(word=f"more {n}"))
            assert len((await connection.execute(select(notes))).all()) == n + 2
        assert trips.count == 1
    # The commit, and no rollback after it when the pool takes the connection back.
    assert trips.count == 2
    async with engine.connect() as connection:
        assert len((await connection.execute(select(notes))).all()) == 11


async def test_a_failing_statement_under_the_write_lock_keeps_nothing_of_its_transaction(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        await connection.execute(insert(notes).values(word="lost"))
        await connection.execute(insert(notes).values(word="also lost"))
        with pytest.raises(exc.IntegrityError):
            await connection.execute(insert(notes).values(word="lost"))
        await transaction.rollback()
    async with engine.begin() as connection:
        await connection.execute(insert(notes).values(word="kept"))
    async with engine.connect() as connection:
        words = (await connection.execute(select(notes.c.word))).scalars().all()
    assert words == ["kept"]


async def test_in_lists_of_any_batch_size_share_a_few_statement_texts(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(notes), [{"word": f"w{n}"} for n in range(64)])
    query = select(notes.c.word).where(notes.c.word.in_(bindparam("words", expanding=True)))
    with statements_sent(engine) as sent:
        async with engine.connect() as connection:
            for size in range(1, 65):
                wanted = [f"w{n}" for n in range(size)]
                found = await connection.execute(query, {"words": db.in_list(wanted)})
                assert sorted(found.scalars()) == sorted(wanted)
    # Each length of list is a prepared statement of its own on every connection.
    assert len({statement for statement, _ in sent}) == 7
    assert db.in_list([]) == []
    assert db.in_list(["a", "b", "c"]) == ["a", "b", "c", "c"]
