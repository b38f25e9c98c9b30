"""Case tracking's gauges for `/metrics`: how many cases stand in each status, how many are late.

Counts only, never a reference: the labels are the closed set of statuses.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlmodel import col, select

from case_tracking.models import CaseGroup, CasePart
from case_tracking.service.deadlines import Clock
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.db import SessionMaker
from nowrongdoor.metrics import CASES, CASES_OVERDUE, Sampler
from nowrongdoor.runtime import Runtime


def case_gauges(clock: Clock) -> Callable[[Runtime], Sampler]:
    """The sampler `service_app` runs on each scrape, reading the time from `clock`."""

    def sampler(runtime: Runtime) -> Sampler:
        return lambda: sample_cases(runtime.sessions, clock)

    return sampler


async def sample_cases(sessions: SessionMaker, clock: Clock) -> None:
    today = clock().date()
    async with sessions() as session:
        by_status = dict(
            (
                await session.execute(
                    select(col(CaseGroup.status), sa.func.count()).group_by(col(CaseGroup.status))
                )
            ).all()
        )
        # A part's `due_on` is the earliest promised day of a step not yet taken; it is empty
        # once the part has ended or while it waits for the complainant.
        overdue = await session.scalar(
            select(sa.func.count(sa.distinct(col(CasePart.reference)))).where(
                col(CasePart.due_on) < today
            )
        )
    for status in CaseStatus:
        CASES.labels(status.value).set(by_status.get(status, 0))
    CASES_OVERDUE.set(overdue or 0)
