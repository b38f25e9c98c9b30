"""Waiting, inside one process, for what a consumer is about to commit, instead of polling for it.

A request that needs a fact another service's event brings — routing's decision, a complaint
just received — looks once; when the fact is due but not there yet, it waits on the key that the
consumer announces once its transaction has committed, for a bounded moment, and looks again.
A process that never sees the event (another replica consumed it) simply waits out the bound, and
the caller answers `409` with `Retry-After`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


class Arrivals:
    """Keys that requests wait on and consumers announce; nothing is kept once nobody waits."""

    def __init__(self) -> None:
        self._events: dict[str, tuple[asyncio.Event, int]] = {}

    def announce(self, key: str) -> None:
        """Wake whoever waits for `key` now."""
        waiting = self._events.get(key)
        if waiting is not None:
            waiting[0].set()

    def announce_after_commit(self, session: AsyncSession, key: str) -> None:
        """Wake whoever waits for `key` once `session` commits, and not if it rolls back."""
        event.listen(session.sync_session, "after_commit", lambda _s: self.announce(key), once=True)

    async def until(
        self, key: str, look: Callable[[], Awaitable[T | None]], *, within: float
    ) -> T | None:
        """What `look` finds, waiting up to `within` seconds for `key` when it finds nothing."""
        found = await look()
        if found is not None or within <= 0:
            return found
        arrived = self._enter(key)
        try:
            # Looked again once registered: an announcement in between is not missed.
            found = await look()
            if found is not None:
                return found
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrived.wait(), within)
            return await look()
        finally:
            self._leave(key)

    @property
    def waiting(self) -> int:
        """How many keys someone waits on."""
        return len(self._events)

    def _enter(self, key: str) -> asyncio.Event:
        arrived, count = self._events.get(key, (asyncio.Event(), 0))
        self._events[key] = (arrived, count + 1)
        return arrived

    def _leave(self, key: str) -> None:
        arrived, count = self._events[key]
        if count <= 1:
            del self._events[key]
        else:
            self._events[key] = (arrived, count - 1)
