"""No published table, taken with all the others, lets a withheld small count be narrowed.

The check rebuilds the linear system from the published tables and the public directory alone
(each total is the sum of its parts, the territory levels nest, an office's count is that of
the regions the directory says it serves, a table's cell is the same number wherever it
appears), treats every withheld cell as an unknown whole number of at least 1 (zeros are
published), and asks an integer program for the greatest value each small count could take: it
must be the threshold or more, so that no one can tell the cell is small.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, linprog, milp  # type: ignore[import-untyped]

from case_tracking.domain.statistics import CaseFact, KeptPromise, published
from nowrongdoor.contracts.statistics import (
    ALL,
    MIN_TIMED_CASES,
    SUPPRESSION_THRESHOLD,
    Statistics,
)
from nowrongdoor.contracts.vocabulary import ServiceStandard

MONTH = "2026-11"
OTHER_MONTH = "2026-12"
THRESHOLD = SUPPRESSION_THRESHOLD
PATHS = [
    (),
    ("MA",),
    ("MA", "MA-06"),
    ("MA", "MA-06", "MA-CAS"),
    ("MA", "MA-06", "MA-SET"),
    ("MA", "MA-01"),
    ("BE",),
    ("BE", "BE-WAL"),
    ("BE", "BE-WAL", "BE-WLG"),
    ("BE", "BE-WAL", "BE-WLG", "BE-DG"),
]
INSTITUTIONS = ["ma-mediateur", "ma-cndh", "fr-ddd"]
DIRECTORY = {
    "ma-mediateur": {
        region: f"ma-mediateur-{region.lower()}"
        for region in ("MA-01", "MA-02", "MA-06", "MA-09", "MA-10")
    },
    "ma-cndh": {"MA-06": "ma-cndh-ma-06"},
}
"""Each institution's regional offices by the region they serve, as the directory publishes
them; everything else goes to the head office, `none`."""


def office_for(institution: str, region: str) -> str:
    """The office routing picks for a complaint about `region` (a level-2 territory)."""
    return DIRECTORY.get(institution, {}).get(region, "none")


Cell = tuple[str, int | None, frozenset[tuple[str, str]]]


@st.composite
def case_facts(draw: st.DrawFn) -> CaseFact:
    institution = draw(st.sampled_from([*INSTITUTIONS, "none"]))
    ended = draw(st.sampled_from([None, MONTH, OTHER_MONTH]))
    acknowledged = institution != "none" and draw(st.booleans())
    promises = tuple(
        KeptPromise(standard, draw(st.sampled_from([MONTH, OTHER_MONTH])), draw(st.booleans()))
        for standard in draw(st.lists(st.sampled_from(list(ServiceStandard)), max_size=2))
        if institution != "none"
    )
    path = draw(st.sampled_from(PATHS))
    return CaseFact(
        institution=institution,
        office=office_for(institution, path[1] if len(path) > 1 else ""),
        category=draw(st.sampled_from(["maladministration", "corruption", "human-rights"])),
        respondent_type=draw(st.sampled_from(["local-authority", "public-enterprise"])),
        territory_path=path,
        channel=draw(st.sampled_from(["web", "api", "counter"])),
        received_month=draw(st.sampled_from([MONTH, MONTH, OTHER_MONTH])),
        ended_month=ended,
        outcome=draw(st.sampled_from(["upheld", "none", "withdrawn"])) if ended else None,
        acknowledged_month=MONTH if acknowledged else None,
        acknowledge_days=draw(st.integers(0, 200)) / 10 if acknowledged else None,
        end_days=draw(st.integers(0, 900)) / 10 if ended else None,
        promises=promises,
    )


populations = st.lists(case_facts(), min_size=1, max_size=80).flatmap(
    # Repeating some facts makes counts of every size, small ones among them.
    lambda facts: st.lists(st.sampled_from(facts), min_size=len(facts), max_size=160)
)


@dataclass
class System:
    """The cells the published tables show or withhold, and the sums between them."""

    shown: dict[Cell, int] = field(default_factory=dict)
    withheld: set[Cell] = field(default_factory=set)
    sums: list[tuple[Cell, list[Cell]]] = field(default_factory=list)

    def add(self, cell: Cell, count: int | None) -> None:
        if count is None:
            self.withheld.add(cell)
        else:
            self.shown[cell] = count


def cell(measure: str, values: dict[str, str], level: int | None) -> Cell:
    named = frozenset((name, value) for name, value in values.items() if value != ALL)
    return measure, level if any(name == "territory" for name, _ in named) else None, named


def system_of(figures: Statistics, facts: list[CaseFact]) -> System:
    """The linear system anyone can read off the published figures (and the public hierarchy
    of territories)."""
    system = System()
    for table in figures.counts:
        rows = [(dict(row.values), row.count) for row in table.rows]
        for values, count in rows:
            system.add(cell(table.measure, values, table.level), count)
        for values, _ in rows:
            for dimension in table.dimensions:
                if values[dimension] != ALL:
                    continue
                parts = [
                    cell(table.measure, other, table.level)
                    for other, _ in rows
                    if other[dimension] != ALL
                    and all(other[d] == values[d] for d in table.dimensions if d != dimension)
                ]
                system.sums.append((cell(table.measure, values, table.level), parts))
    # Territories nest: the public hierarchy says which lies in which.
    for level in (2, 3, 4):
        children: dict[tuple[str, str], set[str]] = defaultdict(set)
        for fact in facts:
            if fact.received_month == MONTH:
                for institution in (fact.institution, ALL):
                    key = (institution, fact.territory_at(level - 1))
                    children[key].add(fact.territory_at(level))
        for (institution, parent), held in children.items():
            system.sums.append(
                (
                    cell("received", {"institution": institution, "territory": parent}, level - 1),
                    [
                        cell("received", {"institution": institution, "territory": t}, level)
                        for t in held
                    ],
                )
            )
    # An office's count is that of the regions it serves, as the directory says.
    regions = next(t for t in figures.counts if t.id == "received-by-institution-and-territory-2")
    served: dict[tuple[str, str], list[Cell]] = defaultdict(list)
    for row in regions.rows:
        institution, region = row.values["institution"], row.values["territory"]
        if ALL not in (institution, region):
            served[(institution, office_for(institution, region))].append(
                cell("received", dict(row.values), 2)
            )
    for (institution, office), its_regions in served.items():
        system.sums.append(
            (cell("received", {"institution": institution, "office": office}, None), its_regions)
        )
    # The number of cases timed is a count too: for closing, the closed count of each
    # institution, and the network's is every closure but advice.
    for step in ("acknowledge", "admissibility", "close"):
        timed = [t for t in figures.timings if t.step == step]
        if not timed:
            continue
        for timing in timed:
            if step == "close" and timing.institution != ALL:
                timed_cell = cell("closed", {"institution": timing.institution}, None)
            else:
                timed_cell = cell(f"timed-{step}", {"institution": timing.institution}, None)
            system.add(timed_cell, timing.cases_measured)
        system.sums.append(
            (
                cell(f"timed-{step}", {}, None),
                [
                    cell("closed", {"institution": t.institution}, None)
                    if step == "close"
                    else cell(f"timed-{step}", {"institution": t.institution}, None)
                    for t in timed
                    if t.institution != ALL
                ],
            )
        )
        if step == "close":
            system.sums.append(
                (
                    cell("closed", {}, None),
                    [cell("timed-close", {}, None), cell("closed", {"institution": "none"}, None)],
                )
            )
    return system


def value_range(system: System, target: Cell) -> tuple[float, float]:
    """The least and greatest value `target` can take, all withheld cells being at least 1, as
    a linear program: the interval an audit reads (the property checks `greatest`, exact)."""
    unknowns = sorted(system.withheld, key=repr)
    index = {c: i for i, c in enumerate(unknowns)}
    rows, constants = [], []
    for total, parts in system.sums:
        row = np.zeros(len(unknowns))
        constant = 0.0
        for part in parts:
            if part in index:
                row[index[part]] += 1
            else:
                constant -= system.shown.get(part, 0)
        if total in index:
            row[index[total]] -= 1
        else:
            constant += system.shown.get(total, 0)
        if row.any():
            rows.append(row)
            constants.append(constant)
    objective = np.zeros(len(unknowns))
    objective[index[target]] = 1
    bounds = [(1, None)] * len(unknowns)
    lowest = linprog(objective, A_eq=rows, b_eq=constants, bounds=bounds, method="highs")
    highest = linprog(-objective, A_eq=rows, b_eq=constants, bounds=bounds, method="highs")
    assert lowest.status == 0, "the published tables must be consistent"
    return lowest.fun, (math.inf if highest.status == 3 else -highest.fun)


def true_system(facts: list[CaseFact]) -> System:
    truth = published(facts, MONTH, threshold=1)
    assert truth is not None
    return system_of(truth, facts)


def greatest(system: System, target: Cell) -> float:
    """The greatest whole number `target` can be, every withheld cell a whole number of at
    least 1: an integer program, exact where a linear one could stop between two values."""
    unknowns = sorted(system.withheld, key=repr)
    index = {c: i for i, c in enumerate(unknowns)}
    rows, constants = [], []
    for total, parts in system.sums:
        row = np.zeros(len(unknowns))
        constant = 0.0
        for member, sign in [(total, -1.0), *((part, 1.0) for part in parts)]:
            if member in index:
                row[index[member]] += sign
            else:
                constant -= sign * system.shown.get(member, 0)
        if row.any():
            rows.append(row)
            constants.append(constant)
    objective = np.zeros(len(unknowns))
    objective[index[target]] = -1
    # A count bigger than every case there could be is as good as unbounded.
    ceiling = 10 * THRESHOLD + max(system.shown.values(), default=0)
    found = milp(
        objective,
        constraints=LinearConstraint(np.array(rows), constants, constants) if rows else (),
        integrality=np.ones(len(unknowns)),
        bounds=Bounds(np.ones(len(unknowns)), np.full(len(unknowns), float(ceiling))),
    )
    assert found.status == 0, "the published tables must be consistent"
    return float(-found.fun)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations)
def test_no_withheld_small_count_can_be_narrowed_under_the_threshold(
    facts: list[CaseFact],
) -> None:
    figures = published(facts, MONTH)
    if figures is None:
        return
    system = system_of(figures, facts)
    truth = true_system(facts).shown
    for target in [c for c in system.withheld if 0 < truth[c] < THRESHOLD]:
        # Between 1 and its greatest: the greatest must leave it possibly not small.
        assert greatest(system, target) >= THRESHOLD, (target, truth[target])


def test_an_office_and_the_regions_it_serves_do_not_cover_for_each_other() -> None:
    # The audit's population: the Médiateur's offices in Souss-Massa (9) and Guelmim (6) were
    # published while its counts for those regions were withheld, and the network's counts
    # for them were published: the CNDH's 1 and 2 there followed.
    def fact(institution: str, region: str, count: int) -> list[CaseFact]:
        one = CaseFact(
            institution=institution,
            office=office_for(institution, region),
            category="maladministration" if institution == "ma-mediateur" else "human-rights",
            respondent_type="local-authority",
            territory_path=("MA", region),
            channel="web",
            received_month=MONTH,
        )
        return [one] * count

    facts = [
        *fact("ma-mediateur", "MA-09", 9),
        *fact("ma-mediateur", "MA-10", 6),
        *fact("ma-mediateur", "MA-06", 5),
        *fact("ma-mediateur", "MA-02", 3),
        *fact("ma-cndh", "MA-04", 2),
        *fact("ma-cndh", "MA-10", 2),
        *fact("ma-cndh", "MA-02", 2),
        *fact("ma-cndh", "MA-09", 1),
        *fact("ma-cndh", "MA-06", 1),
    ]
    figures = published(facts, MONTH)
    assert figures is not None

    system = system_of(figures, facts)
    truth = true_system(facts).shown
    small = [c for c in system.withheld if 0 < truth[c] < THRESHOLD]
    assert cell("received", {"institution": "ma-cndh", "territory": "MA-09"}, 2) in small
    for target in small:
        assert greatest(system, target) >= THRESHOLD, (target, truth[target])


@settings(max_examples=60, deadline=None)
@given(populations)
def test_no_small_count_is_published_and_nothing_is_withheld_without_cause(
    facts: list[CaseFact],
) -> None:
    figures = published(facts, MONTH)
    if figures is None:
        return
    system = system_of(figures, facts)
    truth = true_system(facts).shown

    assert all(count == 0 or count >= THRESHOLD for count in system.shown.values())
    # Times come from enough cases to hide each one's, and in whole days.
    for timing in figures.timings:
        if timing.median_days is not None or timing.p90_days is not None:
            assert timing.cases_measured is not None
            assert timing.cases_measured >= MIN_TIMED_CASES
            assert timing.median_days is not None and timing.median_days.is_integer()
            assert timing.p90_days is not None and timing.p90_days.is_integer()
    for row in figures.promises:
        if not row.suppressed:
            assert row.promises_due is not None and row.kept_share is not None
            kept = round(row.kept_share * row.promises_due)
            for count in (row.promises_due, kept, row.promises_due - kept):
                assert count == 0 or count >= THRESHOLD
    # A large count is withheld only to cover another withheld cell in a sum it is part of.
    for withheld in system.withheld:
        if truth[withheld] >= THRESHOLD:
            assert any(
                withheld in (total, *parts)
                and any(c in system.withheld and c != withheld for c in (total, *parts))
                for total, parts in system.sums
            ), withheld
    assert all(truth[c] > 0 for c in system.withheld), "a zero is always published"


@settings(max_examples=30, deadline=None)
@given(st.lists(case_facts(), min_size=1, max_size=30))
def test_nothing_is_withheld_when_every_count_is_large(facts: list[CaseFact]) -> None:
    figures = published(facts * THRESHOLD, MONTH)
    if figures is None:
        return
    assert not any(row.suppressed for table in figures.counts for row in table.rows)
    assert not any(row.suppressed for row in figures.timings)
    assert not any(row.suppressed for row in figures.promises)
