"""Async database helpers: SQLite by default, PostgreSQL when a URL says so."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy import DateTime, Dialect, TypeDecorator, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext import asyncio as sa_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from nowrongdoor import sqlite

SessionMaker = async_sessionmaker[AsyncSession]
T = TypeVar("T")


def async_url(url: str) -> str:
    """Accept the URLs operators write (`postgresql://`, `sqlite:///`) and pick the async driver."""
    parsed = make_url(url)
    driver = {"postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}.get(
        parsed.drivername, parsed.drivername
    )
    if driver == "sqlite":
        driver = "sqlite+aiosqlite"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def create_engine(url: str) -> AsyncEngine:
    url = async_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Looked up on the module each time, where the SQLAlchemy instrumentation wraps it.
        engine = sa_asyncio.create_async_engine(
            url,
            # A transaction holding the write lock runs its statements on the loop's thread.
            connect_args={"timeout": 30, "check_same_thread": False},
            module=sqlite.one_trip_dbapi(),
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        sqlite.lock_reads_for_update(engine.sync_engine)
        return engine
    return sa_asyncio.create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the relay read while a request writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_maker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(sessions: SessionMaker) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    async with sessions() as session, session.begin():
        yield session


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps in UTC on every database; SQLite keeps no zone, so it is restored on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must carry a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def no_items() -> list[Any]:
    """An empty list, the default of a table model's JSON list: `Field(default_factory=no_items)`.

    SQLModel builds each new row through pydantic's `get_default`, which asks the factory for its
    signature every time. For a builtin such as `list` or `dict` Python parses a text signature
    and copies `sys.modules` to do it, a tenth of a millisecond or more per field and row, and
    leaves garbage only the cycle collector frees; for a function it takes a few microseconds.
    """
    return []


def no_entries() -> dict[str, Any]:
    """An empty mapping, the default of a table model's JSON object (see `no_items`)."""
    return {}


def in_list(values: Iterable[T]) -> list[T]:
    """`values` for an expanding IN parameter, their number rounded up to a power of two by
    repeating the last one (which matches nothing more).

    Each number of values is a statement text of its own, and SQLite keeps up to 128 prepared
    statements on each pooled connection: a batch's IN list of any length from 1 to 64 left up
    to 64 texts of each such query on every connection, about 30 kB each for a wide row, and
    a service held tens of megabytes more after a burst. Rounded, at most eight texts remain.
    """
    listed = list(values)
    if not listed:
        return listed
    size = 1 << (len(listed) - 1).bit_length()
    return listed + [listed[-1]] * (size - len(listed))


_KEPT = "nowrongdoor.kept-for-transaction"


def kept_for_transaction(session: AsyncSession | Session) -> dict[Hashable, Any]:
    """A dictionary that lives as long as the session's current transaction, begun if none is.

    A batch of events handled in one transaction can keep there what it has read or written
    once, such as an institution's contacts, instead of asking the database again for each
    event; the next transaction starts with it empty, so it never serves what another
    transaction may have changed since, nor keeps what one rolled back.
    """
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    transaction = sync.get_transaction() or sync.begin()
    kept = sync.info.get(_KEPT)
    if kept is None or kept[0] is not transaction:
        kept = sync.info[_KEPT] = (transaction, {})
    values: dict[Hashable, Any] = kept[1]
    return values


async def read_once(session: AsyncSession, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
    """What `read` gives, read at most once in the session's current transaction: a batch of
    events that needs the same rows for each event asks the database for them once. Only for
    rows the transaction itself does not change."""
    kept = kept_for_transaction(session)
    if key not in kept:
        kept[key] = await read()
    found: T = kept[key]
    return found


_ROWS_AT_COMMIT = "nowrongdoor.rows-at-commit"


def insert_at_commit(session: AsyncSession | Session, table: sa.Table, row: dict[str, Any]) -> None:
    """Insert `row` into `table` as the session's transaction commits, with the other rows the
    transaction added to that table, in one statement; a transaction that rolls back inserts
    none of them.

    For rows written many at a time whose model no one in the transaction needs, such as the
    outbox's events: a plain row costs a few microseconds where a model built field by field
    and flushed through the unit of work costs a hundred or more. `row` names every column the
    table has, as one `INSERT` takes them all. Until the commit only `rows_at_commit` finds it.
    """
    pending: dict[sa.Table, list[dict[str, Any]]] = kept_for_transaction(session).setdefault(
        _ROWS_AT_COMMIT, {}
    )
    pending.setdefault(table, []).append(row)


def new_row(model: type[BaseModel], **fields: Any) -> dict[str, Any]:
    """A new row of `model`'s table for `insert_at_commit`: `fields`, and the default `model`
    gives each column they do not name. A key the database numbers (an integer primary key)
    is left out unless named, and the database numbers the row as it inserts it."""
    defaults, factories = _defaults_of(model)
    made = {name: factory() for name, factory in factories.items() if name not in fields}
    return {**defaults, **made, **fields}


@functools.cache
def _defaults_of(
    model: type[BaseModel],
) -> tuple[dict[str, Any], dict[str, Callable[[], Any]]]:
    table: sa.Table | None = getattr(model, "__table__", None)
    numbered = table.autoincrement_column if table is not None else None
    defaults = {
        name: field.default
        for name, field in model.model_fields.items()
        if field.default_factory is None
        and not field.is_required()
        and (numbered is None or name != numbered.name)
    }
    factories = {
        name: factory
        for name, field in model.model_fields.items()
        if (factory := field.default_factory) is not None
    }
    return defaults, factories  # type: ignore[return-value]


def rows_at_commit(session: AsyncSession | Session, table: sa.Table) -> list[dict[str, Any]]:
    """The rows `insert_at_commit` keeps for `table` until the transaction commits."""
    pending: dict[sa.Table, list[dict[str, Any]]] = kept_for_transaction(session).get(
        _ROWS_AT_COMMIT, {}
    )
    return pending.get(table, [])


@event.listens_for(Session, "before_commit")
def _insert_rows_at_commit(session: Session) -> None:
    pending = kept_for_transaction(session).pop(_ROWS_AT_COMMIT, None)
    if not pending:
        return
    # The rows may name one the unit of work still holds, such as the case they belong to; a
    # statement on a table does not flush it first, as a query through a model does.
    session.flush()
    for table, rows in pending.items():
        session.execute(sa.insert(table), rows)


async def write_now(session: AsyncSession) -> None:
    """Write what the transaction keeps for its commit now: the unit of work's changes, then
    the rows `insert_at_commit` holds, so the transaction's next reads find all of them."""
    await session.flush()
    await session.run_sync(_insert_rows_at_commit)


_TOUCHED = "nowrongdoor.cases-touched"


@asynccontextmanager
async def flushed_at_commit(session: AsyncSession, case: Hashable) -> AsyncIterator[None]:
    """Run one event's work on `case` without flushing the transaction before each of its reads.

    Events of a batch about different cases read nothing the others wrote, so their writes
    wait for the commit and go out in one unit of work, not one for every read of every event.
    An event about a case that an earlier event of the same transaction touched writes what
    waits first (`write_now`), so its reads find what that one wrote, the rows kept for the
    commit included. The work itself must not read back its own writes.
    """
    touched: set[Hashable] = kept_for_transaction(session).setdefault(_TOUCHED, set())
    if case in touched:
        await write_now(session)
    touched.add(case)
    with session.no_autoflush:
        yield
