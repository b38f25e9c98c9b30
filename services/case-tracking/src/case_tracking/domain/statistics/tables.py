"""One month's published tables: the counts with their totals, the times, the promises kept,
every number passed through disclosure control first."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import product

from case_tracking.domain.statistics.disclosure import CellKey, Relation, suppressed_cells
from case_tracking.domain.statistics.facts import NONE, CaseFact
from nowrongdoor.contracts.statistics import (
    ALL,
    MIN_TIMED_CASES,
    SUPPRESSION_THRESHOLD,
    CountRow,
    CountTable,
    Dimension,
    Measure,
    PromiseRow,
    Statistics,
    Step,
    TimingRow,
)
from nowrongdoor.contracts.vocabulary import ServiceStandard

TERRITORY_LEVELS = (1, 2, 3, 4)
"""The country, its regions, what lies inside them, and what lies inside those (the
German-speaking Community, BE-DG, within Wallonia, BE-WLG)."""

OFFICE_LEVEL = 2
"""The level of the territories an institution's regional offices serve."""


@dataclass(frozen=True)
class TableSpec:
    id: str
    measure: Measure
    dimensions: tuple[Dimension, ...]
    level: int | None = None


def _specs() -> tuple[TableSpec, ...]:
    received: list[TableSpec] = [TableSpec("received-by-institution", "received", ("institution",))]
    for dimension in ("office", "category", "respondent_type", "channel"):
        received.append(
            TableSpec(
                f"received-by-institution-and-{dimension.replace('_', '-')}",
                "received",
                ("institution", dimension),
            )
        )
    for level in TERRITORY_LEVELS:
        received.append(
            TableSpec(
                f"received-by-institution-and-territory-{level}",
                "received",
                ("institution", "territory"),
                level,
            )
        )
    return (
        *received,
        TableSpec("closed-by-institution", "closed", ("institution",)),
        TableSpec("closed-by-institution-and-outcome", "closed", ("institution", "outcome")),
    )


TABLES = _specs()
"""Every count table published for a month, in the order it is published."""


@dataclass(frozen=True)
class _StepSpec:
    step: Step
    month: Callable[[CaseFact], str | None]
    days: Callable[[CaseFact], float | None]
    measure: str


STEPS = (
    _StepSpec(
        "acknowledge", lambda f: f.acknowledged_month, lambda f: f.acknowledge_days, "acknowledged"
    ),
    _StepSpec(
        "admissibility",
        lambda f: f.admissibility_month,
        lambda f: f.admissibility_days,
        "admissibility-decided",
    ),
    _StepSpec("close", lambda f: f.ended_month, lambda f: f.end_days, "closed"),
)


def value_of(fact: CaseFact, dimension: Dimension, level: int | None = None) -> str:
    """A fact's value in one dimension; the territory at `level`."""
    if dimension == "territory":
        return fact.territory_at(level or 1)
    if dimension == "outcome":
        return fact.outcome or NONE
    value: str = getattr(fact, dimension)
    return value


def months_with_figures(facts: Iterable[CaseFact]) -> list[str]:
    """The months in which anything was received or closed, oldest first."""
    months = set()
    for fact in facts:
        months.add(fact.received_month)
        if fact.ended_month is not None:
            months.add(fact.ended_month)
    return sorted(months)


class _Cells:
    """The counts of a month and the sums that tie them, gathered table by table."""

    def __init__(self) -> None:
        self.counts: dict[CellKey, int] = {}
        self.relations: set[Relation] = set()

    def relate(self, total: CellKey, parts: Iterable[CellKey]) -> None:
        self.relations.add(Relation(total, tuple(sorted(set(parts)))))


Row = tuple[str, ...]


def _count_table(
    spec: TableSpec, population: Sequence[CaseFact], cells: _Cells
) -> list[tuple[Row, CellKey]]:
    """The rows of one table, totals included, each with its cell; counts go into `cells`."""
    tally: Counter[Row] = Counter()
    for fact in population:
        detail = tuple(value_of(fact, d, spec.level) for d in spec.dimensions)
        for kept in product((True, False), repeat=len(detail)):
            tally[tuple(v if keep else ALL for v, keep in zip(detail, kept, strict=True))] += 1
    tally[tuple(ALL for _ in spec.dimensions)] += 0  # the grand total, even when nothing
    keys = {row: _key(spec, row) for row in tally}
    for row, count in tally.items():
        cells.counts[keys[row]] = count
    # Each row with a dimension at `all` is the sum of the rows that name a value there.
    for row in tally:
        for position, value in enumerate(row):
            if value != ALL:
                continue
            parts = [
                keys[other]
                for other in tally
                if other[position] != ALL
                and all(
                    o == v for i, (o, v) in enumerate(zip(other, row, strict=True)) if i != position
                )
            ]
            cells.relate(keys[row], parts)
    return sorted(keys.items(), key=lambda item: tuple((v == ALL, v) for v in item[0]))


def _key(spec: TableSpec, row: Row) -> CellKey:
    return CellKey.of(spec.measure, dict(zip(spec.dimensions, row, strict=True)), spec.level)


def _territory_nesting(population: Sequence[CaseFact], cells: _Cells) -> None:
    """Each territory at one level is the sum of the territories it holds at the next, for each
    institution and for all of them."""
    for level in TERRITORY_LEVELS[1:]:
        children: dict[tuple[str, str], set[str]] = defaultdict(set)
        for fact in population:
            parent, child = fact.territory_at(level - 1), fact.territory_at(level)
            for institution in (fact.institution, ALL):
                children[(institution, parent)].add(child)
        for (institution, parent), held in children.items():
            cells.relate(
                CellKey.of(
                    "received", {"institution": institution, "territory": parent}, level - 1
                ),
                (
                    CellKey.of("received", {"institution": institution, "territory": t}, level)
                    for t in held
                ),
            )


def _office_territories(population: Sequence[CaseFact], cells: _Cells) -> None:
    """An institution's offices and the regions they serve tie two of its breakdowns together.

    Routing picks the office from the territory, and the directory publishes which region each
    office serves: anyone can read an office's count as the count of its regions. Publishing
    both breakdowns as if independent let the two tables cover each other's withheld cells.
    The tie is made one more set of sums the disclosure control solves over, rather than one
    breakdown left out: the sums are as sound, cost a few lines, and keep the counts by office
    readers ask for without their adding up regions from the directory. It is read off the
    cases, not the directory: for each institution, offices and regions (at `OFFICE_LEVEL`)
    linked by a case form groups, and each group's offices add up to its regions. Where routing
    followed the directory, a group is one office and the regions it serves — exactly what a
    reader of the directory knows; where a case went elsewhere, the groups are wider and still
    true.
    """
    linked: dict[CellKey, CellKey] = {}

    def root(cell: CellKey) -> CellKey:
        while linked.setdefault(cell, cell) != cell:
            cell = linked[cell]
        return cell

    for fact in population:
        office = CellKey.of("received", {"institution": fact.institution, "office": fact.office})
        region = CellKey.of(
            "received",
            {"institution": fact.institution, "territory": fact.territory_at(OFFICE_LEVEL)},
            OFFICE_LEVEL,
        )
        linked[root(office)] = root(region)
    groups: dict[CellKey, list[CellKey]] = defaultdict(list)
    for cell in list(linked):
        groups[root(cell)].append(cell)
    for members in groups.values():
        offices = sorted(c for c in members if c.level is None)
        regions = sorted(c for c in members if c.level is not None)
        if len(offices) == 1:
            cells.relate(offices[0], regions)
        elif len(regions) == 1:
            cells.relate(regions[0], offices)
        else:
            # Offices sharing regions: their sum is a cell of its own, never published, which
            # the control treats like any other (it can only make it withhold more).
            together = CellKey(
                "received-by-offices", tuple(sorted({v for c in offices for v in c.values}))
            )
            cells.counts[together] = sum(cells.counts.get(c, 0) for c in offices)
            cells.relate(together, offices)
            cells.relate(together, regions)


def published(
    facts: Sequence[CaseFact], month: str, threshold: int = SUPPRESSION_THRESHOLD
) -> Statistics | None:
    """Everything published for `month`; None when nothing was received or closed in it."""
    received = [fact for fact in facts if fact.received_month == month]
    closed = [fact for fact in facts if fact.ended_month == month]
    if not received and not closed:
        return None
    populations = {"received": received, "closed": closed}
    cells = _Cells()
    layouts = [(spec, _count_table(spec, populations[spec.measure], cells)) for spec in TABLES]
    _territory_nesting(received, cells)
    _office_territories(received, cells)
    timings = _timing_cells(facts, month, cells)
    promises = _promise_cells(facts, month, cells)
    relations = [relation for relation in cells.relations if relation.holds(cells.counts)]
    withheld = suppressed_cells(cells.counts, relations, threshold)

    def shown(key: CellKey) -> int | None:
        return None if key in withheld else cells.counts.get(key, 0)

    counts = [
        CountTable(
            id=spec.id,
            measure=spec.measure,
            dimensions=list(spec.dimensions),
            level=spec.level,
            rows=[
                CountRow(
                    values=dict(zip(spec.dimensions, row, strict=True)),
                    count=shown(key),
                    suppressed=key in withheld,
                )
                for row, key in rows
            ],
        )
        for spec, rows in layouts
    ]
    return Statistics(
        month=month,
        threshold=threshold,
        counts=counts,
        timings=[_timing_row(t, withheld) for t in timings],
        promises=[_promise_row(p, withheld, cells.counts) for p in promises],
    )


# -- times -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Timing:
    institution: str
    step: Step
    key: CellKey
    days: tuple[float, ...]


def _timing_key(step: _StepSpec, institution: str) -> CellKey:
    if step.step == "close" and institution == ALL:
        # The institutions' closures: all closures but those ended in advice only.
        return CellKey.of("closed-by-institutions", {})
    return CellKey.of(step.measure, {"institution": institution})


def _timing_cells(facts: Sequence[CaseFact], month: str, cells: _Cells) -> list[_Timing]:
    """The days each institution took over each step in the month, and for all of them.

    The number of cases measured is a cell: for closing, the very cell of the closed tables."""
    found: list[_Timing] = []
    for step in STEPS:
        days: dict[str, list[float]] = defaultdict(list)
        for fact in facts:
            taken = step.days(fact)
            if fact.institution != NONE and step.month(fact) == month and taken is not None:
                days[fact.institution].append(taken)
                days[ALL].append(taken)
        if not days:
            continue
        for institution in sorted(days, key=lambda i: (i == ALL, i)):
            key = _timing_key(step, institution)
            cells.counts[key] = len(days[institution])
            found.append(_Timing(institution, step.step, key, tuple(sorted(days[institution]))))
        cells.relate(
            _timing_key(step, ALL),
            (_timing_key(step, i) for i in days if i != ALL),
        )
        if step.step == "close":
            cells.relate(
                CellKey.of("closed", {}),
                (_timing_key(step, ALL), CellKey.of("closed", {"institution": NONE})),
            )
    return found


def _timing_row(timing: _Timing, withheld: frozenset[CellKey]) -> TimingRow:
    if timing.key in withheld:
        return TimingRow(
            institution=timing.institution, step=timing.step, cases_measured=None, suppressed=True
        )
    if len(timing.days) < MIN_TIMED_CASES:
        # The number of cases is published; their times are too few to hide one among them.
        return TimingRow(
            institution=timing.institution, step=timing.step, cases_measured=len(timing.days)
        )
    return TimingRow(
        institution=timing.institution,
        step=timing.step,
        cases_measured=len(timing.days),
        median_days=percentile(timing.days, 0.5),
        p90_days=percentile(timing.days, 0.9),
    )


def percentile(ordered: Sequence[float], share: float) -> float:
    """The value below which `share` of the sorted values lie, interpolated, in whole days: no
    finer duration is published."""
    position = share * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    value = ordered[below] + (ordered[above] - ordered[below]) * (position - below)
    return float(math.floor(value + 0.5))


# -- promises --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Promises:
    institution: str
    standard: ServiceStandard
    due: CellKey
    kept: CellKey
    missed: CellKey


def _promise_cells(facts: Sequence[CaseFact], month: str, cells: _Cells) -> list[_Promises]:
    """Per institution and standard, the promised dates due in the month: kept and missed are
    cells too, since the share kept and the number due together tell both."""
    tally: Counter[tuple[str, ServiceStandard, bool]] = Counter()
    for fact in facts:
        for promise in fact.promises:
            if promise.due_month == month and fact.institution != NONE:
                tally[(fact.institution, promise.standard, promise.kept)] += 1
    found = []
    for institution, standard in sorted({(i, s) for i, s, _ in tally}):
        values = {"institution": institution, "standard": standard.value}
        row = _Promises(
            institution,
            standard,
            due=CellKey.of("promises-due", values),
            kept=CellKey.of("promises-kept", values),
            missed=CellKey.of("promises-missed", values),
        )
        kept, missed = tally[(institution, standard, True)], tally[(institution, standard, False)]
        cells.counts.update({row.due: kept + missed, row.kept: kept, row.missed: missed})
        cells.relate(row.due, (row.kept, row.missed))
        found.append(row)
    return found


def _promise_row(
    promises: _Promises, withheld: frozenset[CellKey], counts: dict[CellKey, int]
) -> PromiseRow:
    if withheld & {promises.due, promises.kept, promises.missed}:
        return PromiseRow(
            institution=promises.institution,
            standard=promises.standard,
            promises_due=None,
            suppressed=True,
        )
    due = counts[promises.due]
    return PromiseRow(
        institution=promises.institution,
        standard=promises.standard,
        promises_due=due,
        kept_share=round(counts[promises.kept] / due, 3),
    )
