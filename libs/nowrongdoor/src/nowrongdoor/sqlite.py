"""SQLite through aiosqlite with one trip to its thread per statement.

aiosqlite runs each call of the `sqlite3` module on a thread of its own, and SQLAlchemy's adapter
makes four such calls for each statement: open a cursor, execute, fetch the rows, close the
cursor. Each trip wakes that thread and then the event loop, and costs far more than the
statement itself: about 310 µs of CPU for `SELECT 1` against 25 µs without the trips. Here the
whole statement, rows included, is one function run on that thread, so each costs one trip.

The SQL, the transactions and the thread that touches the database are the same as
SQLAlchemy's own `sqlite+aiosqlite` dialect; only the number of trips changes. Server-side
cursors, which stream rows one trip at a time, keep SQLAlchemy's own cursor.

One thing is added: a read FOR UPDATE takes the database's write lock. Python's `sqlite3`
begins a transaction only at its first write, and SQLite has no FOR UPDATE, so without this a
read meant to lock a row runs outside any transaction: two transactions could read one row,
and the later commit write over what the earlier one wrote since. Here such a read first runs
`BEGIN IMMEDIATE` when no transaction is open, so it waits for any other writer and nothing
else writes until its transaction ends, as PostgreSQL's row lock would make it.

A statement of a transaction that holds the write lock skips the trip and runs on the event
loop's own thread: no other connection can make it wait (in WAL mode readers never block the
writer), so the loop is never held on a lock, and the statement costs about 50 µs of CPU
instead of 130. A statement that may have to wait for the lock (the first write of a
transaction, `BEGIN IMMEDIATE`), a read outside a transaction, which may scan a large table,
and every commit, which waits on the disk, still go to aiosqlite's thread. A long statement
after a transaction's first write (a second large DELETE in one transaction) therefore holds
the loop for its length; such work belongs in transactions of its own. SQLite is built
serialized here and each connection is used by one task at a time, under its own mutex, so
the two threads never use one connection at once.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import aiosqlite
from sqlalchemy import Engine, event
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection, AsyncIODBAPIConnection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine.interfaces import ExecutionContext
from sqlalchemy.util.concurrency import await_

Description = Sequence[tuple[Any, ...]] | None
Outcome = tuple[Description, int, int | None, list[Any]]


def _execute(
    connection: aiosqlite.Connection, operation: str, parameters: Any, many: bool, lock: bool
) -> Outcome:
    """On aiosqlite's thread: the statement run, its rows read and its cursor closed; `lock`
    begins the transaction with the write lock first, unless one is open already."""
    if lock and not connection._conn.in_transaction:
        connection._conn.execute("BEGIN IMMEDIATE")
    cursor: sqlite3.Cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statement, with all its rows, is one call on aiosqlite's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount", "lock")

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        # No cursor is opened here: the statement opens and closes its own on the thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._rows = collections.deque()
        self._description: Description = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self.lock = False
        """Set for a read FOR UPDATE: its statement takes the write lock before it runs."""

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass  # every row is read at once

    async def _async_soft_close(self) -> None:
        pass  # no cursor is left open on the thread

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            await_(self._run(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            await_(self._run(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _run(self, operation: str, parameters: Any, *, many: bool) -> None:
        connection = cast(aiosqlite.Connection, self._connection)
        adapted = cast(OneTripConnection, self._adapt_connection)
        # aiosqlite's own queue onto its thread, the one its public methods use.
        on_thread = cast(Callable[..., Awaitable[Outcome]], connection._execute)
        async with adapted._execute_mutex:
            if adapted.holds_write_lock(connection._conn):
                outcome = _execute(connection, operation, parameters, many, self.lock)
            else:
                outcome = await on_thread(
                    _execute, connection, operation, parameters, many, self.lock
                )
                adapted.took_write_lock(connection._conn, operation, self.lock)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)

    def nextset(self) -> None:
        raise NotImplementedError("SQLite returns one result set per statement")

    def setinputsizes(self, *inputsizes: Any) -> None:
        pass  # sqlite3 takes no sizes


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """A connection that knows when its transaction holds the database's write lock."""

    __slots__ = ("_writing",)

    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: AsyncIODBAPIConnection) -> None:
        super().__init__(dbapi, connection)
        self._writing = False

    def commit(self) -> None:
        if self._open_transaction():
            super().commit()

    def rollback(self) -> None:
        # The pool rolls back each connection it takes back, most of them just committed.
        if self._open_transaction():
            super().rollback()

    def _open_transaction(self) -> bool:
        """Whether there is a transaction to end: `sqlite3` ends none otherwise, so the trip to
        the thread is skipped. True when the connection cannot tell, to let the driver say why."""
        try:
            return bool(cast(aiosqlite.Connection, self._connection)._conn.in_transaction)
        except (ValueError, sqlite3.Error):
            return True

    def holds_write_lock(self, connection: sqlite3.Connection) -> bool:
        """Whether the open transaction has the write lock; False once it has ended."""
        if not connection.in_transaction:
            self._writing = False
        return self._writing

    def took_write_lock(self, connection: sqlite3.Connection, operation: str, lock: bool) -> None:
        """After a statement: a transaction that is open after a write, or that began with
        `BEGIN IMMEDIATE`, holds the write lock until it ends. (A transaction opened by a
        savepoint holds no lock until it writes.)"""
        if connection.in_transaction and (
            lock or operation.lstrip()[:7].upper().startswith(_WRITES)
        ):
            self._writing = True


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DB-API module handed to SQLAlchemy's aiosqlite dialect in place of its own."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)


def lock_reads_for_update(engine: Engine) -> None:
    """Make each read FOR UPDATE on `engine` take SQLite's write lock, as the module says."""
    event.listen(engine, "before_cursor_execute", _mark_read_for_update)


def _mark_read_for_update(
    _connection: Any,
    cursor: Any,
    _statement: str,
    _parameters: Any,
    context: ExecutionContext | None,
    _executemany: bool,
) -> None:
    compiled = context.compiled if context is not None else None
    # SQLite's compiler leaves FOR UPDATE out of the SQL; the statement still carries it.
    wants_lock = getattr(getattr(compiled, "statement", None), "_for_update_arg", None)
    if wants_lock is not None and isinstance(cursor, OneTripCursor):
        cursor.lock = True
