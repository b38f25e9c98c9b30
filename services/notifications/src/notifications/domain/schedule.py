"""When a delivery that failed for now is tried again, and when it is given up for good."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=12),
    timedelta(hours=12),
    timedelta(hours=12),
)
"""The wait after the first, second… failed try; the last try comes more than a day after the
first whatever the jitter (each wait is at least half its step)."""

Jitter = Callable[[], float]
"""A number in [0, 1): where in its range a wait falls."""


def retry_at(
    attempts: int,
    now: datetime,
    *,
    delays: Sequence[timedelta] = RETRY_DELAYS,
    jitter: Jitter = random.random,
) -> datetime | None:
    """When to try again after `attempts` tries all failed; None once the schedule is spent.

    Each wait falls between half its step and the whole step, so replicas retrying after one
    outage do not all call at the same instant.
    """
    if attempts < 1 or attempts > len(delays):
        return None
    step = delays[attempts - 1]
    return now + step / 2 + step / 2 * jitter()


def total_reach(delays: Sequence[timedelta] = RETRY_DELAYS) -> timedelta:
    """The shortest time from the first try to the last: every wait at its shortest."""
    return sum((step / 2 for step in delays), timedelta())
