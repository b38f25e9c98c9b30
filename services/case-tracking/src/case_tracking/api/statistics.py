"""The published statistics, for anyone: the gateway calls these with the public principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from case_tracking.api.dependencies import NowDep, answer
from case_tracking.service import statistics
from case_tracking.service.statistics import StatisticsCache
from nowrongdoor.auth import internal_principal
from nowrongdoor.contracts.statistics import (
    MONTH_PATTERN,
    RunningMonth,
    Statistics,
    StatisticsMonths,
)
from nowrongdoor.problems import ProblemError
from nowrongdoor.runtime import RuntimeDep

# Any verified caller may read them, the public included: there is nothing here about anyone.
router = APIRouter(
    prefix="/internal/statistics",
    tags=["statistics"],
    dependencies=[Depends(internal_principal)],
)


async def _cache(request: Request) -> StatisticsCache:
    cache: StatisticsCache = request.app.state.statistics
    return cache


CacheDep = Annotated[StatisticsCache, Depends(_cache)]
Month = Annotated[str, Path(pattern=MONTH_PATTERN, examples=["2026-11"])]


@router.get("/months")
async def statistics_months(runtime: RuntimeDep, cache: CacheDep, now: NowDep) -> StatisticsMonths:
    """The months published, oldest first: those ended, in which anything happened."""
    return await statistics.months(runtime, cache, now)


@router.get("/running")
async def statistics_running(runtime: RuntimeDep, cache: CacheDep, now: NowDep) -> RunningMonth:
    """The running month's one figure: complaints received so far across the whole network,
    rounded down to a multiple of the threshold."""
    return await statistics.running(runtime, cache, now)


@router.get(
    "/{month}",
    responses={
        404: answer("Not published: the month has not ended, or nothing happened in it"),
        422: answer("Not a month written `YYYY-MM`"),
    },
)
async def statistics_for_month(
    runtime: RuntimeDep, cache: CacheDep, month: Month, now: NowDep
) -> Statistics:
    """Everything published for one month, small counts withheld and marked as such; a month
    is published the day after it has ended, and never revised."""
    figures = await statistics.month(runtime, cache, month, now)
    if figures is None:
        raise ProblemError(
            404,
            "No statistics for this month: it is not published yet (a month is published the "
            "day after it has ended), or nothing was received or closed in it.",
        )
    return figures
