"""Units of work as the use cases open them: retried when another writer won, never on an outage.

A change that lost an optimistic race (another writer took the version number first, or moved
the directory on) is replayed on top of the winner, after a short wait with exponential backoff
and jitter so racing replicas drift apart. A database that is not answering is not a race:
nothing is retried, and the caller hears `DatabaseUnavailable`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import stamina

from routing import repository

T = TypeVar("T")

ATTEMPTS = 8
"""How many times a change is tried before other writers are said to keep the directory busy."""
RETRY_TIMEOUT = 10.0
FIRST_WAIT = 0.02
LONGEST_WAIT = 0.5
JITTER = 0.05


class RegistryBusy(Exception):
    """Other changes kept winning the race; nothing was saved."""


class DatabaseUnavailable(Exception):
    """Routing's database is not answering; nothing was changed."""


def retried_on_lost_race(attempt: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
    """`attempt`, tried again while it loses races, each time in a new transaction."""
    retry = stamina.retry(
        on=repository.lost_race,
        attempts=ATTEMPTS,
        timeout=RETRY_TIMEOUT,
        wait_initial=FIRST_WAIT,
        wait_max=LONGEST_WAIT,
        wait_jitter=JITTER,
    )
    return retry(attempt)


@contextmanager
def database_answering() -> Iterator[None]:
    """Tell an outage as `DatabaseUnavailable`, and a race still lost as `RegistryBusy`."""
    try:
        yield
    except Exception as error:
        if repository.lost_race(error):
            raise RegistryBusy from error
        if repository.unreachable(error):
            raise DatabaseUnavailable from error
        raise
