"""Case tracking's use cases, one module per group of them; each owns its transaction.

The event handlers in `opening` and `forgetting` are the exception: they run in the consumer's
transaction, which also records the event as handled.

opening     what routing's and intake's events open: the case group, its parts, its first entries
lifecycle   an institution's steps on its part, the complainant's withdrawal, a transfer
joining     asking another institution to take part, its answer, leaving a joint case
messages    posting a message to its audience, sealed
attachments the files sent with messages: sealed in the blob store, opened for their readers
deadlines   promised dates, and announcing each one broken exactly once
reading     a case as each reader sees it, an institution's list, a triage desk's queue
filed_requests  the cases an institution follows through Open311: filed there, or its own
access      who may read a case, and which part an institution acts on
recording   what every use case writes alike: entries, the derived status, its announcement
sealing     what a sealed value is bound to, so none can be moved to another row
forgetting  removing a case's personal data once intake removed the complaint's
keys        re-sealing what is sealed under an older key
errors      the refusals the API turns into problems
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from nowrongdoor.db import SessionMaker

SOURCE = "/services/case-tracking"
"""The CloudEvents `source` of every event case tracking announces."""


class Database(Protocol):
    """Where the use cases read and write; the running service's `Runtime` is one."""

    @property
    def sessions(self) -> SessionMaker:
        """Sessions for reading outside a transaction."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A unit of work committed when its block ends; the outbox relay hears of it."""
        ...
