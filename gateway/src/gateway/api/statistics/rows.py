"""The published rows, flat for reuse: a line per cell, its dimension columns, a count, a mark.

The figures are case-tracking's, already under disclosure control; here they are only reshaped:
a withheld cell stays `count: null` with `suppressed: true`, and nothing is added up or recomputed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import get_args

from pydantic import BaseModel, Field

from gateway.api.statistics.publication import Dataset
from nowrongdoor.contracts.statistics import (
    ALL,
    CountTable,
    Dimension,
    Measure,
    PromiseRow,
    Statistics,
    TimingRow,
)

DIMENSIONS: tuple[Dimension, ...] = get_args(Dimension)

Scalar = str | int | float | bool | None
Record = dict[str, Scalar]
"""One row of a download, by column name."""

COLUMNS: dict[Dataset, tuple[str, ...]] = {
    "cases": ("month", "table", "measure", "level", *DIMENSIONS, "count", "suppressed"),
    "timings": ("month", *TimingRow.model_fields),
    "promises": ("month", *PromiseRow.model_fields),
}
"""Each dataset's columns, in the order of its CSV header."""

_DIMENSION_DOC = f"`{ALL}` where the row totals over it, or the table is not broken down by it"


class CountCell(BaseModel):
    """One cell of a count table: a code for every dimension, the count, whether it is withheld."""

    institution: str = Field(description=_DIMENSION_DOC, examples=["ma-mediateur"])
    office: str = Field(description=_DIMENSION_DOC, examples=[ALL])
    category: str = Field(description=_DIMENSION_DOC, examples=["maladministration"])
    respondent_type: str = Field(description=_DIMENSION_DOC, examples=[ALL])
    territory: str = Field(description=_DIMENSION_DOC, examples=[ALL])
    channel: str = Field(description=_DIMENSION_DOC, examples=[ALL])
    outcome: str = Field(description=_DIMENSION_DOC, examples=[ALL])
    count: int | None = Field(description="Null when withheld", examples=[12])
    suppressed: bool = Field(
        description="Withheld to protect people: under the threshold, or a cell that would let "
        "one be worked out from the totals",
        examples=[False],
    )


class CountTableView(BaseModel):
    """A count table as published: what it counts, what by, and its cells."""

    id: str = Field(examples=["received-by-institution-and-category"])
    measure: Measure
    dimensions: list[Dimension] = Field(
        description="What the table is broken down by", examples=[["institution", "category"]]
    )
    level: int | None = Field(
        description="For a table by territory, the level of the hierarchy: 1 the country, 2 its "
        "regions, 3 what lies inside them",
        examples=[None],
    )
    rows: list[CountCell]


def count_table(table: CountTable) -> CountTableView:
    return CountTableView(
        id=table.id,
        measure=table.measure,
        dimensions=table.dimensions,
        level=table.level,
        rows=[
            CountCell.model_validate(
                {dimension: row.values.get(dimension, ALL) for dimension in DIMENSIONS}
                | {"count": row.count, "suppressed": row.suppressed}
            )
            for row in table.rows
        ],
    )


def records(statistics: Statistics, dataset: Dataset) -> list[Record]:
    """The month's rows of one dataset, each with every column of its CSV."""
    month = {"month": statistics.month}
    if dataset == "cases":
        return [
            month
            | {"table": table.id, "measure": table.measure, "level": table.level}
            | cell.model_dump(mode="json")
            for table in map(count_table, statistics.counts)
            for cell in table.rows
        ]
    rows: Iterable[BaseModel] = statistics.timings if dataset == "timings" else statistics.promises
    return [month | row.model_dump(mode="json") for row in rows]


def csv_text(columns: Iterable[str], rows: Iterable[Record]) -> str:
    """RFC 4180 CSV with one header line: an empty field for a withheld value, `true`/`false`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    names = list(columns)
    writer.writerow(names)
    for row in rows:
        writer.writerow([_field(row.get(name)) for name in names])
    return out.getvalue()


def _field(value: Scalar) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
