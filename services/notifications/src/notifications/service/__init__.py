"""Notifications' use cases, one module per group of them; each owns its transaction.

The event handlers in `owing` and `contacts` are the exception: they run in the consumer's
transaction, which also records the event as handled.

owing                 the deliveries an event calls for: the complainant's, each institution's
contacts              the complainant's addresses, sealed; forgetting them
contacts_institution  an institution's functional mailboxes, and the demo ones of development
dispatch              the sender loop: claiming what is due, merging, sending, retries, outcomes
webhooks              endpoints their owners manage, signed sending, giving up, the log, replay
inbox                 an institution's inbox: what it was told, and acknowledging it
failed                the operators' dead letter: listing failed deliveries and replaying them
reading               the deliveries owed for a case, for the internal API
keys                  re-sealing what is sealed under an older key
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from nowrongdoor.db import SessionMaker


class Database(Protocol):
    """Where the use cases read and write; the running service's `Runtime` is one."""

    @property
    def sessions(self) -> SessionMaker:
        """Sessions for reading outside a transaction."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A unit of work committed when its block ends; the outbox relay hears of it."""
        ...
