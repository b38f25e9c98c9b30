"""A stand-in for case-tracking's published statistics: months held in memory, already under
disclosure control, as the service would answer them."""

from __future__ import annotations

from collections.abc import Mapping

from typing_extensions import override

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.statistics import (
    CountRow,
    CountTable,
    Dimension,
    Measure,
    RunningMonth,
    Statistics,
    StatisticsClient,
    StatisticsMonths,
)

from .stand_in import StandIn, Switchboard


class FakeStatistics(StandIn, StatisticsClient):
    """Answers the months put in `published`, any other month has nothing; and `running`."""

    published: dict[str, Statistics]
    running_month: RunningMonth

    def __init__(self, switchboard: Switchboard) -> None:
        super().__init__(switchboard)
        self.published = {}
        self.running_month = RunningMonth(
            month="2026-12", complaints_received=None, suppressed=True
        )

    @override
    async def months(self, caller: Principal) -> StatisticsMonths:
        await self.reached("months", caller)
        return StatisticsMonths(months=sorted(self.published))

    @override
    async def month(self, caller: Principal, month: str) -> Statistics | None:
        await self.reached("month", caller, month)
        return self.published.get(month)

    @override
    async def running(self, caller: Principal) -> RunningMonth:
        await self.reached("running", caller)
        return self.running_month


def count_table(
    table_id: str,
    measure: Measure,
    dimensions: list[Dimension],
    cells: Mapping[tuple[str, ...], int | None],
    *,
    level: int | None = None,
) -> CountTable:
    """A table as case-tracking publishes it: each cell by its codes, None for one withheld."""
    return CountTable(
        id=table_id,
        measure=measure,
        dimensions=dimensions,
        level=level,
        rows=[
            CountRow(
                values=dict(zip(dimensions, codes, strict=True)),
                count=count,
                suppressed=count is None,
            )
            for codes, count in cells.items()
        ],
    )
