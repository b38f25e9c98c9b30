"""Finding the month a route publishes: case-tracking holds the statistics, read as the public."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import Path, Query

from gateway.api.answers import PROBLEM
from gateway.upstreams import Upstreams
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.statistics import MONTH_PATTERN, Statistics
from nowrongdoor.contracts.vocabulary import INSTITUTION_ID_PATTERN
from nowrongdoor.problems import ProblemError

# Statistics are public: whoever asks, case-tracking is asked on the public's behalf.
PUBLIC = Principal.public()

MonthQuery = Annotated[
    str | None,
    Query(
        pattern=MONTH_PATTERN,
        description="The month, as YYYY-MM; without it, the latest month with statistics",
        examples=["2026-11"],
    ),
]
MonthPath = Annotated[
    str, Path(pattern=MONTH_PATTERN, description="The month, as YYYY-MM", examples=["2026-11"])
]
InstitutionQuery = Annotated[
    str | None,
    Query(
        pattern=INSTITUTION_ID_PATTERN,
        description="Only the rows of this institution (`all` for the network's totals, `none` "
        "for complaints no participating institution was competent for)",
        examples=["ma-mediateur"],
    ),
]

UNAVAILABLE: dict[str, Any] = {
    **PROBLEM,
    "description": "Case-tracking, which computes the statistics, is not answering",
}
NO_SUCH_MONTH: dict[str, Any] = {
    **PROBLEM,
    "description": "No statistics for this month: nothing was received or closed then, or it "
    "is not published yet",
}
MALFORMED: dict[str, Any] = {
    **PROBLEM,
    "description": "A month not written YYYY-MM, or a malformed filter; each is named",
}


async def published_months(upstreams: Upstreams) -> list[str]:
    """The months there are statistics for, oldest first."""
    return (await upstreams.statistics.months(PUBLIC)).months


async def month_published(upstreams: Upstreams, month: str) -> Statistics:
    """One month's statistics, or the 404 problem when there are none."""
    statistics = await upstreams.statistics.month(PUBLIC, month)
    if statistics is None:
        raise ProblemError(
            404,
            "No statistics are published for this month: nothing was received or closed "
            "then, or it is not published yet. GET /v1/statistics lists the months there are.",
        )
    return statistics


async def month_chosen(upstreams: Upstreams, month: str | None) -> Statistics | None:
    """The month asked for; without one, the latest month, or None while there is none yet."""
    if month is not None:
        return await month_published(upstreams, month)
    months = await published_months(upstreams)
    if not months:
        return None
    return await upstreams.statistics.month(PUBLIC, months[-1])


async def every_month(upstreams: Upstreams) -> list[Statistics]:
    """Every month's statistics, oldest first."""
    months = await published_months(upstreams)
    found = await asyncio.gather(*(upstreams.statistics.month(PUBLIC, month) for month in months))
    return [statistics for statistics in found if statistics is not None]
