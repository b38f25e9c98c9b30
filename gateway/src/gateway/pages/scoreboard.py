"""The public scoreboard: what the network did in a month, per institution, as charts and tables.

The figures are case-tracking's, published under disclosure control; the page computes nothing
from them. It picks the month, names the institutions in the reader's language and writes each
figure the reader's way; a withheld figure is said to be withheld, never guessed.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Final

from babel import Locale, dates, numbers
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from gateway.pages.charts import Bar, Group, bar_chart
from gateway.pages.i18n import RIGHT_TO_LEFT, api_language
from gateway.pages.rendering import N_, render, translate
from gateway.pages.site import LanguagePath
from gateway.upstreams import Upstreams, UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.http import ServiceUnavailable
from nowrongdoor.contracts.statistics import (
    ALL,
    MONTH_PATTERN,
    SUPPRESSION_THRESHOLD,
    CountRow,
    CountTable,
    Measure,
    PromiseRow,
    Statistics,
)
from nowrongdoor.problems import ProblemError

router = APIRouter(include_in_schema=False)
MonthQuery = Annotated[
    str | None, Query(description="The month shown, as `2026-11`; the latest when left out")
]

NONE: Final = "none"
"""The institution complaints count under when no participating institution was competent."""
STANDARD_WORDS: Final = {
    "acknowledge": N_("Acknowledgement"),
    "admissibility": N_("Decision on admissibility"),
    "resolution": N_("Resolution"),
}
OUTCOME_WORDS: Final = {
    "upheld": N_("Upheld"),
    "partly-upheld": N_("Partly upheld"),
    "not-upheld": N_("Not upheld"),
    "mediated": N_("Settled by mediation"),
    "withdrawn": N_("Withdrawn"),
    NONE: N_("Ended without a decision"),
}
PERCENT_TICKS: Final = (0.0, 0.5, 1.0)


@dataclass(frozen=True)
class Figure:
    """One published figure as the reader sees it."""

    value: float | None
    """The figure, or None when there is none to draw."""
    text: str
    withheld: bool = False
    detail: str | None = None
    """A second figure the cell also shows, as the dates that fell due behind a share."""


@dataclass(frozen=True)
class Line:
    """A row of a table: one institution, or the whole network, and a figure per column."""

    institution_id: str
    name: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Panel:
    """One part of the scoreboard: its chart and the table of the same figures."""

    id: str
    title: str
    columns: tuple[tuple[str, str], ...]
    """Each column's code and its words."""
    lines: tuple[Line, ...]
    total: Line | None
    chart: Markup


class Writing:
    """Figures written for one language; a withheld one in the words that say so."""

    def __init__(self, language: str, threshold: int) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self.withheld = translate(
            language, "fewer than %(threshold)s or withheld", threshold=threshold
        )

    def count(self, row: CountRow | None) -> Figure:
        # A count table lists the combinations that occurred: one it leaves out counted none.
        if row is None:
            return Figure(0, numbers.format_decimal(0, locale=self.locale))
        if row.count is None:
            return Figure(None, self.withheld, withheld=True)
        return Figure(row.count, numbers.format_decimal(row.count, locale=self.locale))

    def share(self, row: PromiseRow | None) -> Figure:
        if row is None:
            return Figure(None, translate(self.language, "no date fell due"))
        if row.kept_share is None:
            return Figure(None, self.withheld, withheld=True)
        due = (
            None
            if row.promises_due is None
            else translate(
                self.language,
                "Dates due: %(count)s",
                count=numbers.format_decimal(row.promises_due, locale=self.locale),
            )
        )
        text = numbers.format_percent(row.kept_share, locale=self.locale)
        return Figure(row.kept_share, text, detail=due)

    def percent(self, share: float) -> str:
        return numbers.format_percent(share, locale=self.locale)


def month_words(month: str, language: str) -> str:
    """`2026-11` as the reader's language names the month: "novembre 2026"."""
    year, number = (int(part) for part in month.split("-"))
    return dates.format_skeleton("yMMMM", date(year, number, 1), locale=Locale.parse(language))


def _table(statistics: Statistics, measure: Measure, *dimensions: str) -> CountTable | None:
    return next(
        (
            table
            for table in statistics.counts
            if table.measure == measure and tuple(table.dimensions) == dimensions
        ),
        None,
    )


def _rows(table: CountTable | None, *dimensions: str) -> dict[tuple[str, ...], CountRow]:
    if table is None:
        return {}
    return {tuple(row.values.get(name, ALL) for name in dimensions): row for row in table.rows}


def _ordered(found: Iterable[str], directory: Sequence[str]) -> list[str]:
    """The directory's order, then institutions it no longer lists, then `none`."""
    present = set(found) - {ALL}
    known = [institution for institution in directory if institution in present]
    unknown = sorted(present - set(directory) - {NONE})
    return known + unknown + ([NONE] if NONE in present else [])


class Scoreboard:
    """The three panels of one month, in one language."""

    def __init__(self, statistics: Statistics, language: str, names: Mapping[str, str]) -> None:
        self.statistics = statistics
        self.language = language
        self.direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
        self.writing = Writing(language, statistics.threshold)
        self.names = {
            **names,
            NONE: translate(language, "No institution of the network was competent"),
            ALL: translate(language, "The whole network"),
        }
        self.directory = list(names)

    def _name(self, institution: str) -> str:
        return self.names.get(institution, institution)

    def _line(self, institution: str, figures: Iterable[Figure]) -> Line:
        return Line(institution, self._name(institution), tuple(figures))

    def _chart(
        self, panel: str, title: str, columns: Sequence[tuple[str, str]], lines: Sequence[Line]
    ) -> Markup:
        groups = [
            Group(
                line.name,
                [
                    Bar(words, figure.value, figure.text, series)
                    for series, ((_, words), figure) in enumerate(
                        zip(columns, line.figures, strict=True)
                    )
                ],
            )
            for line in lines
        ]
        shares = panel == "standards"
        values = [bar.value for group in groups for bar in group.bars if bar.value is not None]
        maximum = 1.0 if shares else max(values, default=0)
        ticks = [(tick, self.writing.percent(tick)) for tick in PERCENT_TICKS] if shares else []
        return bar_chart(
            groups,
            chart_id=f"{panel}-chart",
            title=title,
            maximum=maximum,
            ticks=ticks,
            direction=self.direction,
        )

    def volumes(self) -> Panel | None:
        """Cases received and closed, per institution."""
        received = _rows(_table(self.statistics, "received", "institution"), "institution")
        closed = _rows(_table(self.statistics, "closed", "institution"), "institution")
        if not received and not closed:
            return None
        columns = (
            ("received", translate(self.language, "Received")),
            ("closed", translate(self.language, "Closed")),
        )

        def line(institution: str) -> Line:
            key = (institution,)
            return self._line(
                institution,
                (self.writing.count(received.get(key)), self.writing.count(closed.get(key))),
            )

        institutions = _ordered((key[0] for key in [*received, *closed]), self.directory)
        lines = tuple(line(institution) for institution in institutions)
        title = translate(self.language, "Cases received and closed, per institution")
        return Panel(
            "volumes",
            title,
            columns,
            lines,
            line(ALL) if (ALL,) in received or (ALL,) in closed else None,
            self._chart("volumes", title, columns, lines),
        )

    def standards(self) -> Panel | None:
        """The share of promised dates kept, per institution and standard."""
        promises = {(row.institution, str(row.standard)): row for row in self.statistics.promises}
        if not promises:
            return None
        present = {standard for _, standard in promises}
        columns = tuple(
            (standard, translate(self.language, words))
            for standard, words in STANDARD_WORDS.items()
            if standard in present
        ) + tuple((standard, standard) for standard in sorted(present - set(STANDARD_WORDS)))

        def line(institution: str) -> Line:
            return self._line(
                institution,
                (self.writing.share(promises.get((institution, code))) for code, _ in columns),
            )

        institutions = _ordered((institution for institution, _ in promises), self.directory)
        lines = tuple(line(institution) for institution in institutions)
        title = translate(self.language, "Share of promised dates kept, per institution")
        return Panel(
            "standards",
            title,
            columns,
            lines,
            line(ALL) if any(institution == ALL for institution, _ in promises) else None,
            self._chart("standards", title, columns, lines),
        )

    def outcomes(self) -> Panel | None:
        """How the cases closed in the month ended, per institution."""
        table = _table(self.statistics, "closed", "institution", "outcome")
        rows = _rows(table, "institution", "outcome")
        if not rows:
            return None
        present = {outcome for _, outcome in rows}
        codes = [code for code in OUTCOME_WORDS if code in present]
        codes += sorted(present - set(OUTCOME_WORDS) - {ALL})
        columns = tuple(
            (code, translate(self.language, OUTCOME_WORDS[code]) if code in OUTCOME_WORDS else code)
            for code in codes
        )
        every = (ALL, translate(self.language, "All closed")) if ALL in present else None

        def line(institution: str, shown: Sequence[tuple[str, str]]) -> Line:
            return self._line(
                institution,
                (self.writing.count(rows.get((institution, code))) for code, _ in shown),
            )

        institutions = _ordered((institution for institution, _ in rows), self.directory)
        in_chart = tuple(line(institution, columns) for institution in institutions)
        in_table = columns + ((every,) if every else ())
        title = translate(self.language, "How closed cases ended, per institution")
        return Panel(
            "outcomes",
            title,
            in_table,
            tuple(line(institution, in_table) for institution in institutions),
            line(ALL, in_table) if any(key[0] == ALL for key in rows) else None,
            self._chart("outcomes", title, columns, in_chart),
        )


async def _names(upstreams: Upstreams, language: str) -> dict[str, str]:
    """The directory's institutions named in the reader's language; their ids if routing is
    not answering, since the figures do not depend on it."""
    try:
        institutions = await upstreams.routing.institutions(
            Principal.public(), api_language(language)
        )
    except ServiceUnavailable:
        return {}
    return {institution.institution_id: institution.name for institution in institutions}


def _no_such_month() -> ProblemError:
    return ProblemError(404, "No statistics are published for this month.")


@router.get("/{language:lang}/statistics")
async def scoreboard(
    language: LanguagePath, request: Request, upstreams: UpstreamsDep, month: MonthQuery = None
) -> Response:
    # A month not published is no page, whether malformed, to come, or long past.
    if month and not re.fullmatch(MONTH_PATTERN, month):
        raise _no_such_month()
    public = Principal.public()
    published = (await upstreams.statistics.months(public)).months
    if month and month not in published:
        raise _no_such_month()
    chosen = month or (published[-1] if published else None)
    statistics: Statistics | None = None
    names: dict[str, str] = {}
    if chosen:
        statistics, names = await asyncio.gather(
            upstreams.statistics.month(public, chosen), _names(upstreams, language)
        )
    board = Scoreboard(statistics, language, names) if statistics else None
    panels = (board.volumes(), board.standards(), board.outcomes()) if board else ()
    threshold = statistics.threshold if statistics else SUPPRESSION_THRESHOLD
    return render(
        request,
        language,
        "scoreboard.html",
        {
            "months": [(value, month_words(value, language)) for value in reversed(published)],
            "month": chosen,
            "month_words": month_words(chosen, language) if chosen else None,
            "panels": [panel for panel in panels if panel is not None],
            "withheld": Writing(language, threshold).withheld,
            "threshold": threshold,
        },
        title=translate(language, "The network in figures"),
    )
