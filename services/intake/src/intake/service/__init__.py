"""Intake's use cases, one module per group of them; each owns its transaction.

The event handlers in `decisions` are the exception: they run in the consumer's transaction,
which also records the event as handled.

submissions    accepting a complaint, checking a receipt, resubmitting with a step met
personal_data  the complainant's export and erasure, staff reads; every one audited
decisions      what routing's and case-tracking's events teach intake; waiting for a decision
retention      purging personal data once its time after closure has run out
removal        removing a complaint's personal data and announcing it to the others
keys           re-encrypting what is sealed under an older key
sealing        sealing a submission's personal data and opening it, for the modules above
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
