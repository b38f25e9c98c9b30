"""The data dictionary: every column of every published dataset, its meaning, type, unit and codes.

The code lists come from where the codes are defined: the shared vocabulary for categories,
respondent types, channels and outcomes, routing's directory for institutions and offices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, Field

from gateway.api.answers import PUBLIC_BRIEFLY
from gateway.api.institutions import UNAVAILABLE as ROUTING_UNAVAILABLE
from gateway.api.statistics.labels import (
    CATEGORIES,
    CHANNELS,
    LEVELS,
    MEASURES,
    OUTCOMES,
    RESPONDENT_TYPES,
    STANDARDS,
    STEPS,
)
from gateway.api.statistics.publication import (
    DATASETS,
    GRANULARITY,
    JOINT_CASES,
    LICENCE,
    SUPPRESSION_RULE,
    Addresses,
    Licence,
)
from gateway.api.statistics.reading import PUBLIC
from gateway.api.statistics.rows import COLUMNS, Record, csv_text
from gateway.edge.authentication import ANONYMOUS_ALLOWED
from gateway.upstreams import UpstreamsDep
from nowrongdoor.contracts.routing import InstitutionView
from nowrongdoor.contracts.statistics import (
    ALL,
    MIN_TIMED_CASES,
    SUPPRESSION_THRESHOLD,
    Measure,
    Step,
)
from nowrongdoor.contracts.vocabulary import (
    CaseOutcome,
    Category,
    Channel,
    RespondentType,
    ServiceStandard,
)

router = APIRouter()

ColumnType = Literal["string", "integer", "number", "boolean"]
ISO_3166 = "https://www.iso.org/iso-3166-country-codes.html"
SERIES = "months"
"""The month-after-month series, an answer of the API rather than a download."""
SERIES_COLUMNS = ("month", "institution", "measure", "count", "suppressed")


class Code(BaseModel):
    code: str = Field(examples=["maladministration"])
    label: str = Field(examples=["Maladministration by public services"])


class Column(BaseModel):
    """One column of a dataset: a CSV column, and the field of the same name in the JSON."""

    name: str = Field(examples=["count"])
    title: str = Field(examples=["Count"])
    description: str
    type: ColumnType = Field(description="string, integer, number (decimal) or boolean")
    unit: str | None = Field(None, examples=["cases"])
    nullable: bool = Field(
        description="Whether it can be empty in the CSV (null in JSON): withheld, or not "
        "applicable to the row"
    )
    codes: list[Code] | None = Field(None, description="The values it takes, when listed")
    code_list: str | None = Field(None, description="The standard its codes follow, if any")


class DatasetDescription(BaseModel):
    id: str = Field(examples=["cases"])
    title: str
    description: str
    row: str = Field(description="What one row is")
    api: str = Field(description="The API endpoint answering it")
    download: str | None = Field(
        description="Its download, `{month}` as YYYY-MM and `{format}` `csv` or `json`",
        examples=["https://nowrongdoor.example/v1/statistics/downloads/{month}/cases.{format}"],
    )
    columns: list[Column]


class DataDictionary(BaseModel):
    """What every published column and code means, and the rules they follow."""

    title: str
    granularity: str
    threshold: int = Field(
        description="Counts from 1 to this minus one are never published",
        examples=[SUPPRESSION_THRESHOLD],
    )
    suppression: str = Field(description="The suppression rule in plain words")
    joint_cases: str
    no_personal_data: str
    licence: Licence
    datasets: list[DatasetDescription]


@dataclass(frozen=True)
class _Meaning:
    title: str
    description: str
    type: ColumnType = "string"
    unit: str | None = None
    nullable: bool = False
    code_list: str | None = None


_TOTAL = Code(code=ALL, label="All: the row totals over this dimension")
_UNKNOWN = Code(code="unknown", label="Not known: the complaint did not say")
_DIMENSION = f"`{ALL}` where the row totals over it, or its table is not broken down by it."

MEANINGS: dict[str, _Meaning] = {
    "month": _Meaning("Month", "The calendar month the figures cover, YYYY-MM."),
    "table": _Meaning(
        "Table",
        "The count table the row belongs to: one measure broken down by one or two "
        "dimensions, with `all` rows for its totals. A month's tables are listed, with their "
        "dimensions, by the API (`/v1/statistics/cases`).",
    ),
    "measure": _Meaning("Measure", "What is counted."),
    "level": _Meaning(
        "Territory level",
        "For a table by territory, the level of the hierarchy its territories are at; empty "
        "for the other tables. A complaint placed no deeper counts under the deepest "
        "territory it names.",
        type="integer",
        nullable=True,
    ),
    "institution": _Meaning(
        "Institution",
        "The institution the case is with, by its directory id; `none` for complaints no "
        "participating institution was competent for. " + _DIMENSION,
    ),
    "office": _Meaning(
        "Office",
        "The institution's regional office handling the case; `none` for its head office. "
        + _DIMENSION,
    ),
    "category": _Meaning("Category", "What the complaint is about. " + _DIMENSION),
    "respondent_type": _Meaning(
        "Respondent type", "The kind of body the complaint is about. " + _DIMENSION
    ),
    "territory": _Meaning(
        "Territory",
        "Where the body complained about is: an ISO 3166-1 alpha-2 country code at level 1, "
        "an ISO 3166-2 subdivision code below. " + _DIMENSION,
        code_list=ISO_3166,
    ),
    "channel": _Meaning("Channel", "How the complaint reached the network. " + _DIMENSION),
    "outcome": _Meaning(
        "Outcome", "How a closed case ended; `all` in the tables of cases received. " + _DIMENSION
    ),
    "count": _Meaning(
        "Count",
        "The number of cases; empty when withheld (see `suppressed`). A joint case counts "
        "once per institution, in the `all` totals too: they count cases handled by "
        "institutions, not complaints.",
        type="integer",
        unit="cases",
        nullable=True,
    ),
    "suppressed": _Meaning(
        "Suppressed",
        "`true` when the row's figures are withheld to protect people: under the threshold, "
        "or withheld so that another cannot be worked out from the totals.",
        type="boolean",
    ),
    "step": _Meaning("Step", "The step whose time is measured, counted from receipt."),
    "cases_measured": _Meaning(
        "Cases measured",
        "The cases that took the step in the month; empty when withheld.",
        type="integer",
        unit="cases",
        nullable=True,
    ),
    "median_days": _Meaning(
        "Median days",
        "Half of the cases measured took the step within about this many days: the median of "
        "their exact durations, rounded to the nearest whole day; empty when withheld or "
        f"measured on fewer than {MIN_TIMED_CASES} cases.",
        type="number",
        unit="days",
        nullable=True,
    ),
    "p90_days": _Meaning(
        "90th percentile, days",
        "Nine cases in ten took the step within about this many days: the 90th percentile of "
        "their exact durations (interpolated), rounded to the nearest whole day; empty when "
        f"withheld or measured on fewer than {MIN_TIMED_CASES} cases.",
        type="number",
        unit="days",
        nullable=True,
    ),
    "standard": _Meaning(
        "Service standard", "The promise the institution declared, within so many business days."
    ),
    "promises_due": _Meaning(
        "Promised dates due",
        "The promised dates of this standard that fell in the month; empty when withheld.",
        type="integer",
        unit="promised dates",
        nullable=True,
    ),
    "kept_share": _Meaning(
        "Share kept",
        "The share of those dates that were kept, from 0 to 1; empty when withheld.",
        type="number",
        unit="share (0 to 1)",
        nullable=True,
    ),
}


def _codes(labels: dict[str, str], values: tuple[str, ...], *extra: Code) -> list[Code]:
    """Every value in the vocabulary's order; one without words yet keeps its code as label."""
    return [Code(code=value, label=labels.get(value, value)) for value in values] + list(extra)


def code_lists(institutions: list[InstitutionView]) -> dict[str, list[Code]]:
    """The values of every coded column, from the vocabulary and the directory."""
    offices = [office for institution in institutions for office in institution.offices]
    return {
        "measure": _codes(MEASURES, get_args(Measure)),
        "level": _codes(LEVELS, tuple(LEVELS)),
        "institution": [
            Code(code=institution.institution_id, label=institution.name)
            for institution in institutions
        ]
        + [Code(code="none", label="No participating institution was competent"), _TOTAL],
        "office": [Code(code=office.office_id, label=office.name) for office in offices]
        + [Code(code="none", label="The institution's head office"), _TOTAL],
        "category": _codes(CATEGORIES, get_args(Category), _UNKNOWN, _TOTAL),
        "respondent_type": _codes(RESPONDENT_TYPES, get_args(RespondentType), _UNKNOWN, _TOTAL),
        "territory": [_UNKNOWN, _TOTAL],
        "channel": _codes(CHANNELS, get_args(Channel), _UNKNOWN, _TOTAL),
        "outcome": _codes(OUTCOMES, (*CaseOutcome, "none"), _TOTAL),
        "step": _codes(STEPS, get_args(Step)),
        "standard": _codes(STANDARDS, tuple(ServiceStandard)),
        "suppressed": [
            Code(code="true", label="Withheld"),
            Code(code="false", label="Published"),
        ],
    }


_DATASETS: dict[str, tuple[str, str, str]] = {
    "cases": (
        "Cases received and closed",
        "Each month's count tables: cases received and closed by institution, office, "
        "category, respondent type, territory (a table per level), channel and outcome, with "
        "their totals.",
        "One cell of one count table.",
    ),
    "timings": (
        "Time taken",
        "For each institution and the network, the median and 90th-percentile days from "
        "receipt to acknowledgement, to the admissibility decision and to closure, in whole "
        f"days, from {MIN_TIMED_CASES} cases or more.",
        "One institution (or `all`) and one step, in one month.",
    ),
    "promises": (
        "Promised dates kept",
        "For each institution and each service standard it declares, the promised dates that "
        "fell due in the month and the share kept.",
        "One institution and one service standard, in one month.",
    ),
    SERIES: (
        "Month after month",
        "Each institution's cases received and closed, month after month, as each month's "
        "tables by institution publish them.",
        "One institution (or `all`) and one measure, in one month.",
    ),
}


def data_dictionary(addresses: Addresses, institutions: list[InstitutionView]) -> DataDictionary:
    codes = code_lists(institutions)
    datasets: list[tuple[str, tuple[str, ...]]] = [
        *((dataset, COLUMNS[dataset]) for dataset in DATASETS),
        (SERIES, SERIES_COLUMNS),
    ]
    return DataDictionary(
        title="No Wrong Door statistics: data dictionary",
        granularity=GRANULARITY,
        threshold=SUPPRESSION_THRESHOLD,
        suppression=SUPPRESSION_RULE.format(
            last=SUPPRESSION_THRESHOLD - 1, threshold=SUPPRESSION_THRESHOLD, timed=MIN_TIMED_CASES
        ),
        joint_cases=JOINT_CASES,
        no_personal_data=(
            "No free text, no reference, no name, no contact detail and no date finer than the "
            "month is published; the figures are computed from case events, never from "
            "personal data."
        ),
        licence=LICENCE,
        datasets=[
            DatasetDescription(
                id=dataset,
                title=_DATASETS[dataset][0],
                description=_DATASETS[dataset][1],
                row=_DATASETS[dataset][2],
                api=addresses.series if dataset == SERIES else f"{addresses.root}/{dataset}",
                download=None
                if dataset == SERIES
                else f"{addresses.root}/downloads/{{month}}/{dataset}.{{format}}",
                columns=[_column(name, codes) for name in columns],
            )
            for dataset, columns in datasets
        ],
    )


def _column(name: str, codes: dict[str, list[Code]]) -> Column:
    meaning = MEANINGS[name]
    return Column(
        name=name,
        title=meaning.title,
        description=meaning.description,
        type=meaning.type,
        unit=meaning.unit,
        nullable=meaning.nullable,
        codes=codes.get(name),
        code_list=meaning.code_list,
    )


DICTIONARY_CSV_COLUMNS = (
    "dataset",
    "column",
    "title",
    "type",
    "unit",
    "nullable",
    "description",
    "codes",
    "code_list",
)


def dictionary_csv(dictionary: DataDictionary) -> str:
    """A row per column of every dataset; its codes space-separated, their labels in the JSON."""
    rows: list[Record] = [
        {
            "dataset": dataset.id,
            "column": column.name,
            "title": column.title,
            "type": column.type,
            "unit": column.unit,
            "nullable": column.nullable,
            "description": column.description,
            "codes": " ".join(code.code for code in column.codes) if column.codes else None,
            "code_list": column.code_list,
        }
        for dataset in dictionary.datasets
        for column in dataset.columns
    ]
    return csv_text(DICTIONARY_CSV_COLUMNS, rows)


_DESCRIPTION = (
    "Every column of every published dataset — the CSV columns, and the JSON fields of the "
    "same names — with its meaning, type, unit and the codes it takes: categories, respondent "
    "types, channels and outcomes from the network's vocabulary, institutions and offices from "
    "its directory. Also the month granularity, the suppression rule and threshold, and how a "
    "joint case counts (once per institution)."
)
_CSV_CONTENT = {"text/csv": {"schema": {"type": "string"}}}
_RESPONSES: dict[int | str, dict[str, Any]] = {503: ROUTING_UNAVAILABLE}


async def _dictionary(request: Request, upstreams: UpstreamsDep) -> DataDictionary:
    institutions = await upstreams.routing.institutions(PUBLIC, "en")
    return data_dictionary(Addresses.of(request), institutions)


def _csv_answer(dictionary: DataDictionary) -> Response:
    answer = Response(
        dictionary_csv(dictionary), media_type="text/csv; charset=utf-8; header=present"
    )
    answer.headers.update(PUBLIC_BRIEFLY)
    answer.headers["Content-Disposition"] = (
        'attachment; filename="nowrongdoor-statistics-dictionary.csv"'
    )
    answer.headers["Vary"] = "Accept"
    return answer


@router.get(
    "/dictionary",
    summary="The data dictionary",
    description=_DESCRIPTION + " As JSON, or as CSV when asked with `Accept: text/csv`.",
    response_model=DataDictionary,
    responses={
        200: {
            "description": "The dictionary",
            "content": {"application/json": {}, **_CSV_CONTENT},
        },
        **_RESPONSES,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_dictionary(
    request: Request,
    upstreams: UpstreamsDep,
    response: Response,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> DataDictionary | Response:
    dictionary = await _dictionary(request, upstreams)
    if _prefers_csv(accept):
        return _csv_answer(dictionary)
    response.headers.update(PUBLIC_BRIEFLY)
    response.headers["Vary"] = "Accept"
    return dictionary


@router.get(
    "/dictionary.csv",
    summary="The data dictionary as CSV",
    description=_DESCRIPTION + " A row per column of each dataset; codes space-separated.",
    response_class=Response,
    responses={200: {"description": "The dictionary", "content": _CSV_CONTENT}, **_RESPONSES},
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def get_dictionary_csv(request: Request, upstreams: UpstreamsDep) -> Response:
    return _csv_answer(await _dictionary(request, upstreams))


def _prefers_csv(accept: str | None) -> bool:
    """Whether CSV is asked for ahead of JSON; a client that names neither gets JSON."""
    if not accept:
        return False
    ranked = []
    for position, part in enumerate(accept.split(",")):
        media_type, *parameters = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, media_type.lower()))
    for _, _, media_type in sorted(ranked):
        if media_type == "text/csv":
            return True
        if media_type in ("application/json", "application/*", "*/*"):
            return False
    return False
