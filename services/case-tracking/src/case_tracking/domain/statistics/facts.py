"""One anonymous fact per institution's part of a case: what the statistics are counted from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nowrongdoor.contracts.statistics import SUPPRESSION_THRESHOLD
from nowrongdoor.contracts.vocabulary import ServiceStandard

NONE = "none"
"""No institution (advice only), the head office, or an ending without a resolution."""

UNKNOWN = "unknown"
"""A fact the complaint's receipt would have told, never heard."""

_SECONDS_A_DAY = 86_400

GRACE = timedelta(days=1)
"""How long an ended month waits before it is published, never to change again: a complaint
received at a minute to midnight and heard a moment later, or while a service restarts, still
counts in its month."""


@dataclass(frozen=True)
class KeptPromise:
    """A promised date that fell due in `due_month`, and whether the step was taken by then."""

    standard: ServiceStandard
    due_month: str
    kept: bool


@dataclass(frozen=True)
class CaseFact:
    """An institution's part of a case, as the statistics see it: codes, months and days."""

    institution: str
    office: str
    category: str
    respondent_type: str
    territory_path: tuple[str, ...]
    channel: str
    received_month: str
    ended_month: str | None = None
    outcome: str | None = None  # once ended: its outcome code, or `none`
    acknowledged_month: str | None = None
    acknowledge_days: float | None = None
    admissibility_month: str | None = None
    admissibility_days: float | None = None
    end_days: float | None = None
    promises: tuple[KeptPromise, ...] = ()

    def territory_at(self, level: int) -> str:
        """The territory at `level` (1 the country); the deepest known when placed no deeper."""
        if not self.territory_path:
            return UNKNOWN
        return self.territory_path[min(level, len(self.territory_path)) - 1]


def month_of(at: datetime) -> str:
    """The month of an instant, in UTC, as `YYYY-MM`: no finer date is published."""
    return at.astimezone(UTC).strftime("%Y-%m")


def first_unpublished(now: datetime) -> str:
    """The earliest month not to be published at `now` (`YYYY-MM`): the running month, or the
    month just ended while its grace day lasts. Every month before it may be."""
    return month_of(now - GRACE)


def month_start(at: datetime) -> datetime:
    """The first instant, in UTC, of the month of `at`."""
    return at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def running_figure(received: int, step: int = SUPPRESSION_THRESHOLD) -> int | None:
    """The running month's one published figure from the complaints received so far: rounded
    down to a multiple of `step`, so it moves only every `step` complaints; None under `step`."""
    if received < step:
        return None
    return received - received % step


def days_between(start: datetime, end: datetime) -> float:
    """Days from `start` to `end`, exact and never negative: only the published median and
    percentile are rounded, once, to whole days (4.48 days is 4, never 4.5 and then 5)."""
    return max((end - start).total_seconds(), 0) / _SECONDS_A_DAY


def territory_path(code: str | None, path: list[str] | None = None) -> tuple[str, ...]:
    """Where a territory lies, widest first: routing's path when it sent one, else the country
    and the code (`MA-06` lies in `MA`), or the country alone."""
    if path:
        return tuple(path)
    if not code:
        return ()
    country = code[:2]
    return (country,) if code == country else (country, code)
