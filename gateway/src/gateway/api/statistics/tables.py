"""The month's tables as the API answers them: counts, times, promises kept, and the series."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from gateway.api.answers import PUBLIC_BRIEFLY
from gateway.api.statistics.publication import Addresses, Dataset
from gateway.api.statistics.reading import (
    MALFORMED,
    NO_SUCH_MONTH,
    UNAVAILABLE,
    InstitutionQuery,
    MonthQuery,
    every_month,
    month_chosen,
)
from gateway.api.statistics.rows import CountTableView, count_table
from gateway.edge.authentication import ANONYMOUS_ALLOWED
from gateway.upstreams import UpstreamsDep
from nowrongdoor.contracts.statistics import (
    ALL,
    MIN_TIMED_CASES,
    SUPPRESSION_THRESHOLD,
    CountTable,
    Measure,
    PromiseRow,
    Statistics,
    TimingRow,
)

router = APIRouter()

TableQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        max_length=100,
        description="Only the table with this id",
        examples=["received-by-institution"],
    ),
]
MEASURES: tuple[Measure, ...] = get_args(Measure)
_MONTH_DOC = (
    "`month` is the latest month published when none is asked for; on a platform with none "
    "yet, the answer is empty, `month` null. A month is published the day after it has ended, "
    "never before and never revised: the running month answers 404 like any month not "
    "published (`/v1/statistics/running-month` gives its one figure). "
)
_RESPONSES: dict[int | str, dict[str, Any]] = {422: MALFORMED, 404: NO_SUCH_MONTH, 503: UNAVAILABLE}


class MonthFiles(BaseModel):
    """Where the month's data is, as files and described."""

    csv: str | None = Field(
        description="The month's CSV download; null while there is no month",
        examples=["https://nowrongdoor.example/v1/statistics/downloads/2026-11/cases.csv"],
    )
    json_file: str | None = Field(
        alias="json",
        description="The month's JSON download; null while there is no month",
        examples=["https://nowrongdoor.example/v1/statistics/downloads/2026-11/cases.json"],
    )
    dictionary: str = Field(examples=["https://nowrongdoor.example/v1/statistics/dictionary"])


class MonthAnswer(BaseModel):
    month: str | None = Field(description="The month, YYYY-MM", examples=["2026-11"])
    threshold: int = Field(
        description="Counts from 1 to this minus one are never published",
        examples=[SUPPRESSION_THRESHOLD],
    )
    files: MonthFiles


class CasesAnswer(MonthAnswer):
    """A month's count tables."""

    tables: list[CountTableView]


class TimingsAnswer(MonthAnswer):
    """How long each institution took over each step, in the month."""

    rows: list[TimingRow]


class PromisesAnswer(MonthAnswer):
    """How often each institution kept the dates it promised, among those due in the month."""

    rows: list[PromiseRow]


class SeriesRow(BaseModel):
    """One institution's received or closed total in one month, as published that month."""

    month: str = Field(examples=["2026-11"])
    institution: str = Field(examples=["ma-mediateur"])
    measure: Measure
    count: int | None = Field(description="Null when withheld", examples=[12])
    suppressed: bool = Field(examples=[False])


class SeriesAnswer(BaseModel):
    """Month after month, each institution's cases received and closed."""

    months: list[str] = Field(description="Oldest first", examples=[["2026-10", "2026-11"]])
    rows: list[SeriesRow]


def _files(request: Request, statistics: Statistics | None, dataset: Dataset) -> dict[str, object]:
    """The fields every month's answer shares: the month, the threshold, where its files are."""
    addresses = Addresses.of(request)
    month = statistics.month if statistics else None
    return {
        "month": month,
        "threshold": statistics.threshold if statistics else SUPPRESSION_THRESHOLD,
        "files": MonthFiles.model_validate(
            {
                "csv": addresses.download(month, dataset, "csv") if month else None,
                "json": addresses.download(month, dataset, "json") if month else None,
                "dictionary": addresses.dictionary,
            }
        ),
    }


@router.get(
    "/cases",
    summary="Cases received and closed in a month",
    description=(
        "The month's count tables: cases received and closed, by institution, office, "
        "category, respondent type, territory (a table per level), channel and outcome, with "
        "their totals. Each row has a code for every dimension (`all` where it totals over "
        "one, or the table is not broken down by it), the `count`, and `suppressed`: a "
        "withheld cell has `count: null` and `suppressed: true`. A joint case counts once per "
        "institution, in the `all` totals too. "
        + _MONTH_DOC
        + "The same rows come as CSV and JSON downloads; the data "
        "dictionary says what every code means."
    ),
    responses={200: {"description": "The month's count tables"}, **_RESPONSES},
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_cases(
    request: Request,
    upstreams: UpstreamsDep,
    response: Response,
    month: MonthQuery = None,
    institution: InstitutionQuery = None,
    table: TableQuery = None,
) -> CasesAnswer:
    statistics = await month_chosen(upstreams, month)
    tables = [count_table(each) for each in statistics.counts] if statistics else []
    if table is not None:
        tables = [each for each in tables if each.id == table]
    if institution is not None:
        tables = [
            each.model_copy(
                update={"rows": [row for row in each.rows if row.institution == institution]}
            )
            for each in tables
            if "institution" in each.dimensions
        ]
    response.headers.update(PUBLIC_BRIEFLY)
    return CasesAnswer.model_validate(_files(request, statistics, "cases") | {"tables": tables})


@router.get(
    "/timings",
    summary="How long institutions took, in a month",
    description=(
        "For each institution (and `all`, the network) and each step — acknowledging, deciding "
        "admissibility, closing — the cases that took the step in the month and the median "
        f"and 90th-percentile days from receipt, in whole days. A row whose number of cases "
        f"is withheld is withheld whole: its figures null and `suppressed: true`; from fewer "
        f"than {MIN_TIMED_CASES} cases the number is published but the times are null. "
        + _MONTH_DOC
    ),
    responses={200: {"description": "The month's times"}, **_RESPONSES},
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_timings(
    request: Request,
    upstreams: UpstreamsDep,
    response: Response,
    month: MonthQuery = None,
    institution: InstitutionQuery = None,
) -> TimingsAnswer:
    statistics = await month_chosen(upstreams, month)
    rows = statistics.timings if statistics else []
    if institution is not None:
        rows = [row for row in rows if row.institution == institution]
    response.headers.update(PUBLIC_BRIEFLY)
    return TimingsAnswer.model_validate(_files(request, statistics, "timings") | {"rows": rows})


@router.get(
    "/promises",
    summary="Promised dates kept, in a month",
    description=(
        "For each institution and each service standard it declares — acknowledging, deciding "
        "admissibility, resolving within so many business days — the promised dates that "
        "fell in the month and the share kept, from 0 to 1. A row with too few dates due is "
        "withheld: its figures null and `suppressed: true`. " + _MONTH_DOC
    ),
    responses={200: {"description": "The month's promises kept"}, **_RESPONSES},
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_promises(
    request: Request,
    upstreams: UpstreamsDep,
    response: Response,
    month: MonthQuery = None,
    institution: InstitutionQuery = None,
) -> PromisesAnswer:
    statistics = await month_chosen(upstreams, month)
    rows = statistics.promises if statistics else []
    if institution is not None:
        rows = [row for row in rows if row.institution == institution]
    response.headers.update(PUBLIC_BRIEFLY)
    return PromisesAnswer.model_validate(_files(request, statistics, "promises") | {"rows": rows})


@router.get(
    "/months",
    summary="Cases received and closed, month after month",
    description=(
        "For every month with statistics, oldest first, each institution's cases received and "
        "closed (and `all`, the network's), exactly as that month's `received` and `closed` "
        "tables by institution publish them: a withheld total stays withheld. A joint case "
        "counts once per institution, and the network's total (`all`) is the sum of the "
        "institutions': it counts cases handled by institutions, not complaints."
    ),
    responses={
        200: {"description": "The series; empty while there are no statistics yet"},
        422: MALFORMED,
        503: UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_series(
    upstreams: UpstreamsDep, response: Response, institution: InstitutionQuery = None
) -> SeriesAnswer:
    months = await every_month(upstreams)
    rows = [
        SeriesRow(
            month=statistics.month,
            institution=row.values.get("institution", ALL),
            measure=table.measure,
            count=row.count,
            suppressed=row.suppressed,
        )
        for statistics in months
        for table in _by_institution(statistics)
        for row in table.rows
        if institution is None or row.values.get("institution") == institution
    ]
    response.headers.update(PUBLIC_BRIEFLY)
    return SeriesAnswer(months=[statistics.month for statistics in months], rows=rows)


def _by_institution(statistics: Statistics) -> list[CountTable]:
    """The month's tables of cases received and closed by institution, received first."""
    tables = [table for table in statistics.counts if table.dimensions == ["institution"]]
    return [
        next(table for table in tables if table.measure == measure)
        for measure in MEASURES
        if any(table.measure == measure for table in tables)
    ]
