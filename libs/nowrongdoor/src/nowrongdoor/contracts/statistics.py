"""The network's published statistics: what case-tracking computes and the gateway publishes.

Only figures cross this boundary, already under disclosure control: counts by institution, office,
category, respondent type, territory, channel, outcome and month; times in days; the share of
promised dates kept. No reference, no free text, no date finer than the month. A count under the
threshold is never sent: it travels as `None` with `suppressed` set, and so does every other cell
withheld so that the first cannot be recovered from the totals (complementary suppression), nor
held under the threshold by them. A month is published once, a day after it has ended, and never
revised. Of the month still running, one figure only: the complaints the whole network has
received so far, rounded down to a multiple of the threshold, with no breakdown at all.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.http import ServiceClient, ServiceProblem
from nowrongdoor.contracts.vocabulary import ServiceStandard

ALL = "all"
"""The value of a dimension in a row that totals over it."""

SUPPRESSION_THRESHOLD = 5
"""A count from 1 to this minus one is never published."""

MIN_TIMED_CASES = 10
"""A median or 90th percentile is published only from this many cases or more."""

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

Dimension = Literal[
    "institution", "office", "category", "respondent_type", "territory", "channel", "outcome"
]
"""What a count is broken down by.

`office` is an institution's regional office (`none` for its head office); `territory` is the
respondent's territory at one level of the hierarchy (`level` on the table); `outcome` is how a
closed case ended (`none` when it closed without a resolution, e.g. inadmissible or transferred).
Complaints no participating institution was competent for count under the institution `none`.
"""

Measure = Literal["received", "closed"]
"""`received`: cases opened from complaints received in the month; `closed`: cases that ended
(closed, withdrawn or transferred on) in the month. A joint case counts once per institution, and
the totals over institutions (`all`) are the sums of the institutions' counts: they count cases
handled by institutions, so a joint case counts there once per institution too, not once."""

Step = Literal["acknowledge", "admissibility", "close"]


class CountRow(BaseModel):
    """One cell of a table: a count for one combination of dimension values, or withheld."""

    model_config = ConfigDict(frozen=True)

    values: dict[str, str] = Field(
        description=f"Each dimension of the table and its code here; `{ALL}` totals over it",
        examples=[{"institution": "ma-mediateur", "category": "maladministration"}],
    )
    count: int | None = Field(ge=0, description="None when suppressed", examples=[12])
    suppressed: bool = Field(
        False,
        description="Withheld to protect people: under the threshold, or a cell that would "
        "let one be recovered from the totals",
    )


class CountTable(BaseModel):
    """Counts over one or two dimensions, with their totals (`all`)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(examples=["received-by-institution-and-category"])
    measure: Measure
    dimensions: list[Dimension] = Field(examples=[["institution", "category"]])
    level: int | None = Field(
        None,
        ge=1,
        description="For a territory table, the level of the hierarchy: 1 the country, 2 its "
        "regions, 3 what lies inside them; a complaint placed no deeper counts under the "
        "deepest territory it names",
    )
    rows: list[CountRow]


class TimingRow(BaseModel):
    """How long one institution (or the whole network, `all`) took over one step in the month."""

    model_config = ConfigDict(frozen=True)

    institution: str = Field(examples=["ma-mediateur"])
    step: Step = Field(
        description="From receipt to acknowledgement, to the admissibility decision, to closure"
    )
    cases_measured: int | None = Field(
        ge=0, description="The cases that took the step in the month; None when suppressed"
    )
    median_days: float | None = Field(
        None,
        ge=0,
        description=f"In whole days; None when suppressed or measured on fewer than "
        f"{MIN_TIMED_CASES} cases",
        examples=[4.0],
    )
    p90_days: float | None = Field(
        None,
        ge=0,
        description=f"In whole days; None when suppressed or measured on fewer than "
        f"{MIN_TIMED_CASES} cases",
        examples=[9.0],
    )
    suppressed: bool = False


class PromiseRow(BaseModel):
    """How often one institution kept the dates it promised for one step, among those due in
    the month."""

    model_config = ConfigDict(frozen=True)

    institution: str = Field(examples=["ma-mediateur"])
    standard: ServiceStandard
    promises_due: int | None = Field(
        ge=0, description="Promised dates that fell in the month; None when suppressed"
    )
    kept_share: float | None = Field(
        None, ge=0, le=1, description="The share kept, 0 to 1; None when suppressed"
    )
    suppressed: bool = False


class Statistics(BaseModel):
    """Everything published for one month."""

    model_config = ConfigDict(frozen=True)

    month: str = Field(pattern=MONTH_PATTERN, examples=["2026-11"])
    threshold: int = Field(
        SUPPRESSION_THRESHOLD, description="Counts from 1 to this minus one are never published"
    )
    counts: list[CountTable]
    timings: list[TimingRow]
    promises: list[PromiseRow]


class StatisticsMonths(BaseModel):
    """The months there are statistics for, oldest first."""

    months: list[str] = Field(examples=[["2026-10", "2026-11"]])


class RunningMonth(BaseModel):
    """The complaints the whole network has received so far in the running month: one figure,
    with no breakdown by institution, subject, place or channel, rounded down to a multiple of
    the threshold so that it moves only every few complaints."""

    model_config = ConfigDict(frozen=True)

    month: str = Field(description="The running month, YYYY-MM (UTC)", examples=["2026-12"])
    complaints_received: int | None = Field(
        ge=SUPPRESSION_THRESHOLD,
        multiple_of=SUPPRESSION_THRESHOLD,
        description=f"At least this many: the count rounded down to a multiple of "
        f"{SUPPRESSION_THRESHOLD}; None while there are fewer",
        examples=[40],
    )
    suppressed: bool = Field(description="True while fewer than the threshold were received")


class StatisticsClient(ServiceClient):
    """The published statistics, typed; computed by case-tracking, public to everyone."""

    service = "case-tracking"

    async def months(self, caller: Principal) -> StatisticsMonths:
        """The months published: those ended in which anything happened."""
        response = await self.call(caller, "GET", "/internal/statistics/months")
        return self.read(response, StatisticsMonths)

    async def month(self, caller: Principal, month: str) -> Statistics | None:
        """One month's statistics; None for a month not published: still running, yet to
        come, or with nothing received or closed."""
        try:
            response = await self.call(caller, "GET", f"/internal/statistics/{month}")
        except ServiceProblem as error:
            if error.status == 404:
                return None
            raise
        return self.read(response, Statistics)

    async def running(self, caller: Principal) -> RunningMonth:
        """The running month's one figure: complaints received so far, network-wide."""
        response = await self.call(caller, "GET", "/internal/statistics/running")
        return self.read(response, RunningMonth)
