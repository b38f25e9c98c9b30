"""Each month's statistics as files to download: every dataset as CSV and JSON, the month whole."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from gateway.api.answers import PUBLIC_BRIEFLY
from gateway.api.statistics.publication import (
    DATASETS,
    LICENCE,
    Addresses,
    Dataset,
    Licence,
    file_name,
)
from gateway.api.statistics.reading import (
    NO_SUCH_MONTH,
    UNAVAILABLE,
    MonthPath,
    month_published,
)
from gateway.api.statistics.rows import COLUMNS, Record, csv_text, records
from gateway.edge.authentication import ANONYMOUS_ALLOWED
from gateway.upstreams import UpstreamsDep
from nowrongdoor.contracts.statistics import SUPPRESSION_THRESHOLD, Statistics
from nowrongdoor.problems import PROBLEM_JSON

router = APIRouter(prefix="/downloads")

CSV_MEDIA_TYPE = "text/csv; charset=utf-8; header=present"
DatasetPath = Annotated[
    Dataset,
    Path(
        description="`cases` (counts), `timings` (days taken) or `promises` (dates kept)",
        examples=["cases"],
    ),
]
_ATTACHMENT = {
    "Content-Disposition": {
        "description": "`attachment`, with a file name saying what it is and which month",
        "schema": {"type": "string"},
        "example": 'attachment; filename="nowrongdoor-statistics-2026-11-cases.csv"',
    }
}
_CSV_EXAMPLE = (
    "month,table,measure,level,institution,office,category,respondent_type,territory,"
    "channel,outcome,count,suppressed\r\n"
    "2026-11,received-by-institution,received,,ma-mediateur,all,all,all,all,all,all,12,false\r\n"
    "2026-11,received-by-institution,received,,ma-cndp,all,all,all,all,all,all,,true\r\n"
)
_PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: NO_SUCH_MONTH,
    422: {
        "description": "A month not written YYYY-MM, or a dataset that is not published",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    },
    503: UNAVAILABLE,
}


class DatasetRows(BaseModel):
    """One dataset's rows, each with every column of the dataset's CSV."""

    dataset: Dataset
    columns: list[str] = Field(
        description="The columns, in the order of the CSV header",
        examples=[["month", "institution", "standard", "promises_due", "kept_share"]],
    )
    rows: list[Record]


class DatasetFile(DatasetRows):
    """One dataset of one month, as a file that describes itself."""

    month: str = Field(examples=["2026-11"])
    threshold: int = Field(examples=[SUPPRESSION_THRESHOLD])
    licence: Licence
    dictionary: str = Field(description="What every column and code means")


class MonthFile(BaseModel):
    """Every dataset of one month in one file."""

    month: str = Field(examples=["2026-11"])
    threshold: int = Field(examples=[SUPPRESSION_THRESHOLD])
    licence: Licence
    dictionary: str = Field(description="What every column and code means")
    datasets: list[DatasetRows]


def dataset_rows(statistics: Statistics, dataset: Dataset) -> DatasetRows:
    return DatasetRows(
        dataset=dataset, columns=list(COLUMNS[dataset]), rows=records(statistics, dataset)
    )


def _as_download(response: Response, name: str) -> None:
    response.headers.update(PUBLIC_BRIEFLY)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'


@router.get(
    "/{month}/{dataset}.csv",
    summary="Download a month's dataset as CSV",
    description=(
        "One header line, then a row per published cell, UTF-8, comma-separated and quoted "
        "as RFC 4180 says. Every row carries its `month`. A withheld cell has an empty count "
        "(and empty times or shares) and `suppressed` = `true`. The columns and codes are "
        "described in the data dictionary (`/v1/statistics/dictionary`)."
    ),
    response_class=Response,
    responses={
        200: {
            "description": "The CSV file, as a download",
            "content": {"text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE}},
            "headers": _ATTACHMENT,
        },
        **_PROBLEMS,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def download_csv(month: MonthPath, dataset: DatasetPath, upstreams: UpstreamsDep) -> Response:
    statistics = await month_published(upstreams, month)
    download = Response(
        csv_text(COLUMNS[dataset], records(statistics, dataset)), media_type=CSV_MEDIA_TYPE
    )
    _as_download(download, file_name(statistics.month, dataset, "csv"))
    return download


@router.get(
    "/{month}/{dataset}.json",
    summary="Download a month's dataset as JSON",
    description=(
        "The same rows as the CSV, typed: a withheld count is `null` with `suppressed: true`. "
        "The file names its month, the threshold, the licence and the data dictionary."
    ),
    responses={
        200: {"description": "The JSON file, as a download", "headers": _ATTACHMENT},
        **_PROBLEMS,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def download_json(
    month: MonthPath,
    dataset: DatasetPath,
    request: Request,
    upstreams: UpstreamsDep,
    response: Response,
) -> DatasetFile:
    statistics = await month_published(upstreams, month)
    _as_download(response, file_name(statistics.month, dataset, "json"))
    return DatasetFile(
        dataset=dataset,
        columns=list(COLUMNS[dataset]),
        rows=records(statistics, dataset),
        month=statistics.month,
        threshold=statistics.threshold,
        licence=LICENCE,
        dictionary=Addresses.of(request).dictionary,
    )


@router.get(
    "/{month}.json",
    summary="Download a whole month as JSON",
    description=(
        "Every dataset of the month — cases, timings, promises — in one JSON file, each with "
        "its columns and rows exactly as in its own download."
    ),
    responses={
        200: {"description": "The JSON file, as a download", "headers": _ATTACHMENT},
        **_PROBLEMS,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def download_month(
    month: MonthPath, request: Request, upstreams: UpstreamsDep, response: Response
) -> MonthFile:
    statistics = await month_published(upstreams, month)
    _as_download(response, file_name(statistics.month, None, "json"))
    return MonthFile(
        month=statistics.month,
        threshold=statistics.threshold,
        licence=LICENCE,
        dictionary=Addresses.of(request).dictionary,
        datasets=[dataset_rows(statistics, dataset) for dataset in DATASETS],
    )
