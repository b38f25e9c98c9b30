"""The statistics routes: anyone the gateway speaks for may read them, the public included."""

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from case_tracking_support import Caller
from fastapi import FastAPI

from case_tracking.models import CaseGroup, CasePart
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.statistics import RunningMonth, Statistics, StatisticsMonths
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.ids import new_reference

As = Callable[[Principal], Caller]


async def seed(app: FastAPI, month_start: datetime, cases: int) -> None:
    async with app.state.runtime.transaction() as session:
        for _ in range(cases):
            reference = new_reference()
            session.add(
                CaseGroup(
                    reference=reference,
                    status=CaseStatus.ROUTED,
                    language="fr",
                    received_at=month_start,
                    opened_at=month_start,
                    updated_at=month_start,
                    category="maladministration",
                    respondent_type="local-authority",
                    respondent_territory="MA-06",
                    channel="web",
                )
            )
            await session.flush()
            session.add(
                CasePart(
                    reference=reference,
                    institution_id="ma-mediateur",
                    institution_name="Médiateur",
                    role="lead",
                    status=CaseStatus.ROUTED,
                    opened_at=month_start,
                )
            )


async def test_the_public_reads_the_months_and_a_months_figures(
    app: FastAPI, client: httpx.AsyncClient, as_: As
) -> None:
    await seed(app, datetime(2026, 10, 3, tzinfo=UTC), 6)
    public = as_(Principal.public())

    months = await public.get("/internal/statistics/months")
    october = await public.get("/internal/statistics/2026-10")

    assert months.status_code == 200, months.text
    assert StatisticsMonths.model_validate(months.json()).months == ["2026-10"]
    assert october.status_code == 200, october.text
    figures = Statistics.model_validate(october.json())
    by_institution = next(t for t in figures.counts if t.id == "received-by-institution")
    assert {row.values["institution"]: row.count for row in by_institution.rows} == {
        "ma-mediateur": 6,
        "all": 6,
    }


async def test_the_public_reads_the_running_months_one_figure(
    app: FastAPI, client: httpx.AsyncClient, as_: As
) -> None:
    await seed(app, datetime.now(UTC), 7)

    response = await as_(Principal.public()).get("/internal/statistics/running")

    assert response.status_code == 200, response.text
    running = RunningMonth.model_validate(response.json())
    assert running.month == datetime.now(UTC).strftime("%Y-%m")
    assert (running.complaints_received, running.suppressed) == (5, False)


async def test_a_month_with_nothing_is_not_found_and_a_malformed_one_is_refused(
    client: httpx.AsyncClient, as_: As
) -> None:
    public = as_(Principal.public())

    nothing = await public.get("/internal/statistics/1999-01")
    malformed = await public.get("/internal/statistics/2026-13")

    assert nothing.status_code == 404
    assert nothing.headers["content-type"].startswith("application/problem+json")
    assert nothing.json()["status"] == 404
    assert malformed.status_code == 422


async def test_the_statistics_need_the_gateways_token(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/internal/statistics/months", headers={"authorization": "Bearer forged"}
    )

    assert response.status_code == 401
