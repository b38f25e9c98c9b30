"""The tracking cache's looks, run on a few Redis connections of their own.

A cached case read is one Lua script in Redis, and through the client's pool the script's call
cost the gateway more than the script did in Redis: each command takes a connection under a
lock, checks it has nothing left to read, goes through the retry and the client's
observability hooks, and gives it back under the lock again. A look needs none of it: it
reads, and at most starts a case session's idle time again, so one that fails is a cache that
cannot be read: the reader looks the session up alone and asks case tracking instead.

`Looks` keeps the connections it opened in a plain list, runs a script on one and puts it
back; a connection that failed, or whose reply was not read to the end, is closed and never
reused. Beyond `most` looks at a time it runs them through the client's pool, and where spans
are exported it runs every look there, where the Redis instrumentation shows each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError
from redis.typing import EncodableT

from nowrongdoor.telemetry import spans_exported

MOST_CONNECTIONS = 32
"""Looks at a time on connections of their own: the gateway's readers at their busiest."""


class Looks:
    """The cache's look scripts, run on connections kept apart from the client's pool."""

    def __init__(self, redis: Redis, *, most: int = MOST_CONNECTIONS) -> None:
        self.redis = redis
        self.most = most
        self._idle: list[AbstractConnection] = []
        self._open = 0

    async def run(
        self, script: AsyncScript, keys: Sequence[str], args: Sequence[EncodableT]
    ) -> Any:
        """`script`'s reply to `keys` and `args`, loading the script first if Redis lost it."""
        connection = None if spans_exported() else self._take()
        if connection is None:
            return await script(keys=keys, args=args)
        try:
            try:
                reply = await _evalsha(connection, script.sha, keys, args)
            except NoScriptError:
                # Redis started afresh since the script was loaded; the reply was read in full.
                script.sha = await self.redis.script_load(script.script)
                reply = await _evalsha(connection, script.sha, keys, args)
        except BaseException:
            # A reply half read, or a connection broken: never reuse it.
            self._open -= 1
            await connection.disconnect(nowait=True)
            raise
        self._idle.append(connection)
        return reply

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        self._open -= len(idle)
        for connection in idle:
            await connection.disconnect()

    def _take(self) -> AbstractConnection | None:
        if self._idle:
            return self._idle.pop()
        if self._open >= self.most:
            return None
        self._open += 1
        pool = self.redis.connection_pool
        # As the client's pool makes its own: the same server, credentials and timeouts.
        return pool.connection_class(**pool.connection_kwargs)


async def _evalsha(
    connection: AbstractConnection, sha: str, keys: Sequence[str], args: Sequence[EncodableT]
) -> Any:
    # Sending connects a connection not yet connected.
    await connection.send_command("EVALSHA", sha, len(keys), *keys, *args)
    return await connection.read_response()
