"""The published statistics recounted from a population of cases, independently of the code
that counts them.

A seeded generator writes two hundred complaints received over two months and plays each
through case tracking's own use cases at the instants it chose: received and routed as the
consumers handle them (joint cases, offices, territories at every depth, advice only), then
worked by their institutions (acknowledged, admissible or not, resolved, closed), a few
transferred or withdrawn. Both months are then published, and every figure is checked against a
recount made here from the generator's own list: each published count equals it, every true
count from 1 to 4 is withheld and no cell is withheld without one beside it, medians and 90th
percentiles match in whole days from 10 timed cases, and nothing written into a case comes out.
The second test pins one such time on a duration close to half a day, where rounding twice shows.
"""

from __future__ import annotations

import math
import random
import re
import statistics
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from itertools import product

import httpx
from case_tracking_support import FACTS, STANDARDS, complainant, staff
from fastapi import FastAPI

from case_tracking import repository
from case_tracking.service import lifecycle, opening
from case_tracking.service import statistics as publication
from case_tracking.service.statistics import StatisticsCache
from nowrongdoor.contracts.cases import StatusChange, Transfer, Withdrawal
from nowrongdoor.contracts.events import CompetentInstitution, ComplaintReceived, ComplaintRouted
from nowrongdoor.contracts.statistics import ALL, MIN_TIMED_CASES, CountTable, Statistics
from nowrongdoor.contracts.vocabulary import CaseOutcome, CaseStatus, RoutingOutcome
from nowrongdoor.ids import new_reference

S = CaseStatus
SEED = 2026
COMPLAINTS = 200
FIRST_DAY = datetime(2026, 9, 1, tzinfo=UTC)
MONTHS = ("2026-09", "2026-10")
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
SECRET = "Quillfeather"
"""In every name, reason, handler and explanation the cases hold; never in the figures."""

OFFICES = {  # each institution's regional offices, by the region they serve
    "ma-mediateur": {"MA-06": "ma-mediateur-ma-06", "MA-01": "ma-mediateur-ma-01"},
    "ma-cndh": {"MA-06": "ma-cndh-ma-06"},
    "ma-inpplc": {},
    "be-mediateur": {"BE-WAL": "be-mediateur-wallonie"},
}
PATHS = {  # the respondent's territory, widest first, as routing's directory knows it
    "MA": [("MA",), ("MA", "MA-06"), ("MA", "MA-06", "MA-CAS"), ("MA", "MA-06", "MA-SET"),
           ("MA", "MA-01", "MA-TNG"), ("MA", "MA-04")],
    "BE": [("BE", "BE-BRU"), ("BE", "BE-WAL", "BE-WLG"), ("BE", "BE-WAL", "BE-WLG", "BE-DG")],
}  # fmt: skip
CATEGORIES = ("maladministration", "corruption", "human-rights", "discrimination", "other")
RESPONDENTS = ("national-administration", "local-authority", "public-enterprise", "court")
CHANNELS = ("web", "web", "web", "counter", "api", "ngo")

Move = StatusChange | Transfer | Withdrawal
Steps = list[tuple[datetime, Move]]


@dataclass
class Part:
    """One institution's part: what was done to it and when, as the generator decided; the
    institution's steps, its handing on or the complainant's withdrawal."""

    institution: str
    office: str | None
    steps: Steps
    routed: bool = True  # False: opened by a transfer to it

    def taken(self, *statuses: CaseStatus) -> datetime | None:
        changes = ((at, m) for at, m in self.steps if isinstance(m, StatusChange))
        return next((at for at, change in changes if change.status in statuses), None)

    def ended(self) -> tuple[datetime, str] | None:
        """When the part ended, and how: its outcome, or `none` without a resolution."""
        if not self.steps:
            return None
        at, last = self.steps[-1]
        if isinstance(last, Transfer):
            return at, "none"
        if isinstance(last, Withdrawal):
            return at, CaseOutcome.WITHDRAWN.value
        if last.status != S.CLOSED:
            return None
        resolved = [m.outcome for _, m in self.steps if isinstance(m, StatusChange) and m.outcome]
        return at, resolved[0].value if resolved else "none"


@dataclass
class Complaint:
    reference: str
    received: datetime
    decided: datetime  # routing's decision; the advice, for a complaint no one took
    codes: dict[str, str]  # category, respondent type, channel
    path: tuple[str, ...]
    routing_sends_path: bool
    parts: list[Part] = field(default_factory=list)


# -- the population ------------------------------------------------------------------------


def population(rng: random.Random) -> list[Complaint]:
    """Complaints received over two months; about one in twelve ended in advice only, one in
    ten joint, a few transferred or withdrawn, and nothing happening after publication."""
    complaints = []
    for _ in range(COMPLAINTS):
        received = FIRST_DAY + timedelta(minutes=rng.randrange(61 * 24 * 60))
        country = rng.choice(("MA", "MA", "MA", "BE"))
        codes = (rng.choice(CATEGORIES), rng.choice(RESPONDENTS), rng.choice(CHANNELS))
        complaint = Complaint(
            reference=new_reference(),
            received=received,
            decided=received + timedelta(minutes=rng.randrange(5, 36 * 60)),
            codes=dict(zip(("category", "respondent_type", "channel"), codes, strict=True)),
            path=rng.choice(PATHS[country]),
            routing_sends_path=rng.random() < 0.8,
        )
        complaints.append(complaint)
        if rng.random() < 0.08:
            continue  # no participating institution is competent
        local = [i for i in OFFICES if i.startswith(country.lower())]
        region = complaint.path[1] if len(complaint.path) > 1 else ""
        for institution in rng.sample(local, 2 if len(local) > 1 and rng.random() < 0.1 else 1):
            office = OFFICES[institution].get(region)
            complaint.parts.append(Part(institution, office, worked(rng, complaint.decided)))
        first = complaint.parts[0]
        if len(complaint.parts) == 1 and len(local) > 1 and rng.random() < 0.06:
            # Handed on between its acknowledgement and the admissibility decision.
            (acknowledged, _), (decided, _) = first.steps[:2]
            minutes = int((decided - acknowledged).total_seconds() // 60)
            at = acknowledged + timedelta(minutes=rng.randrange(1, minutes))
            to = rng.choice([i for i in local if i != first.institution])
            if at < NOW:
                handover = Transfer(reason=f"{SECRET} hands it on", to_institution_id=to)
                first.steps = [first.steps[0], (at, handover)]
                complaint.parts.append(Part(to, None, worked(rng, at), routed=False))
        elif len(complaint.parts) == 1 and rng.random() < 0.06:
            at = complaint.decided + timedelta(minutes=rng.randrange(1440, 45 * 1440))
            if at < min(NOW, first.steps[-1][0]):  # before it closed
                withdrawal = Withdrawal(reason=f"{SECRET} changed my mind")
                first.steps = [s for s in first.steps if s[0] < at] + [(at, withdrawal)]
        for part in complaint.parts:
            part.steps = [step for step in part.steps if step[0] < NOW]
    return complaints


def worked(rng: random.Random, start: datetime) -> Steps:
    """The steps an institution takes on its part from `start`, each some days after the last."""
    at = start

    def after(low_days: float, high_days: float) -> datetime:
        nonlocal at
        at += timedelta(minutes=rng.randint(int(low_days * 1440), int(high_days * 1440)))
        return at

    reason = f"{SECRET} wrote why, in words of case {rng.randrange(10**6)}"
    steps: Steps = [
        (after(0.05, 12), StatusChange(status=S.ACKNOWLEDGED, handler=f"{SECRET} Amina"))
    ]
    if rng.random() < 0.25:
        steps.append((after(0.5, 20), StatusChange(status=S.INADMISSIBLE, reason=reason)))
    else:
        outcome = rng.choice([o for o in CaseOutcome if o != CaseOutcome.WITHDRAWN])
        steps.append((after(0.5, 20), StatusChange(status=S.ADMISSIBLE)))
        steps.append((after(0, 3), StatusChange(status=S.INVESTIGATING)))
        steps.append(
            (after(1, 40), StatusChange(status=S.RESOLVED, outcome=outcome, reason=reason))
        )
    steps.append((after(0, 4), StatusChange(status=S.CLOSED)))
    return steps


# -- played through case tracking's own use cases ------------------------------------------


async def play(app: FastAPI, complaint: Complaint) -> None:
    """Receive and route the complaint as the consumers do, then take each step at its time."""
    runtime, sealer, reference = app.state.runtime, app.state.sealer, complaint.reference
    facts = {**complaint.codes, "respondent_territory": complaint.path[-1]}
    received = ComplaintReceived(
        reference=reference, received_at=complaint.received, facts=FACTS.model_copy(update=facts)
    )
    routed = ComplaintRouted(
        reference=reference,
        decision_id=str(uuid.uuid4()),
        registry_version="v1",
        outcome=RoutingOutcome.COMPETENT if complaint.parts else RoutingOutcome.NOT_COMPETENT,
        competent=[competent(part, first=i == 0) for i, part in enumerate(complaint.parts)
                   if part.routed],
        matched_rules=[],
        excluding_rules=[],
        advice=None if complaint.parts else "court",
        language="fr",
        received_at=complaint.received,
        decided_at=complaint.decided,
        explanation=f"{SECRET} explains the decision",
        territory_path=list(complaint.path) if complaint.routing_sends_path else [],
    )  # fmt: skip
    async with runtime.transaction() as session:
        await opening.receive_complaint(session, received, str(uuid.uuid4()))
    async with runtime.transaction() as session:
        await opening.open_from_decision(session, routed, str(uuid.uuid4()))
        group = await repository.case_group(session, reference)
    assert group is not None
    version = group.version
    moves = [(at, part, move) for part in complaint.parts for at, move in part.steps]
    for at, part, move in sorted(moves, key=lambda each: each[0]):
        caller = staff(part.institution)
        if isinstance(move, Withdrawal):
            await lifecycle.withdraw(
                runtime, sealer, complainant(reference), reference, move, now=at
            )
        elif isinstance(move, Transfer):
            _, version = await lifecycle.transfer(
                runtime, sealer, caller, reference, move, version=version, now=at
            )
        else:
            _, version = await lifecycle.change_status(
                runtime, sealer, caller, reference, move, version=version, now=at
            )


def competent(part: Part, *, first: bool) -> CompetentInstitution:
    return CompetentInstitution(
        institution_id=part.institution,
        name=f"{SECRET} {part.institution}",
        office_id=part.office,
        office_name=f"{SECRET} regional office" if part.office else None,
        role="lead" if first else "associated",
        service_standards=STANDARDS,
        calendar=part.institution[:2].upper(),
    )


# -- the recount ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Handled:
    """A part, or a complaint ended in advice (institution `none`), as the recount sees it."""

    values: dict[str, str]  # institution, office, category, respondent type, channel, outcome
    path: tuple[str, ...]
    received: datetime
    took: dict[str, datetime | None]  # when acknowledged, decided on admissibility, closed

    def value(self, dimension: str, level: int | None) -> str:
        if dimension == "territory":  # placed no deeper: the deepest territory it names
            return self.path[min(level or 1, len(self.path)) - 1]
        return self.values[dimension]


def handled(complaints: list[Complaint]) -> list[Handled]:
    found = []
    for complaint in complaints:
        code, path = complaint.path[-1], complaint.path
        if not complaint.routing_sends_path and len(code) > 2:
            path = (code[:2], code)  # without routing's path: in its country, as the docs say
        if not complaint.parts:
            values = {"institution": "none", "office": "none", "outcome": "none"}
            took: dict[str, datetime | None] = {"close": complaint.decided}
            found.append(Handled(values | complaint.codes, path, complaint.received, took))
        for part in complaint.parts:
            values = {"institution": part.institution, "office": part.office or "none"}
            took = {
                "acknowledge": part.taken(S.ACKNOWLEDGED),
                "admissibility": part.taken(S.ADMISSIBLE, S.INADMISSIBLE),
            }
            if ended := part.ended():
                took["close"], values["outcome"] = ended
            found.append(Handled(values | complaint.codes, path, complaint.received, took))
    return found


def month_of(at: datetime | None) -> str | None:
    return f"{at.year:04d}-{at.month:02d}" if at is not None else None


def true_counts(table: CountTable, population: list[Handled]) -> Counter[tuple[str, ...]]:
    """Each row's count: every combination of a value or `all` in each dimension."""
    tally: Counter[tuple[str, ...]] = Counter({tuple(ALL for _ in table.dimensions): 0})
    for case in population:
        for row in product(*((case.value(d, table.level), ALL) for d in table.dimensions)):
            tally[row] += 1
    return tally


def days_taken(population: list[Handled], month: str) -> dict[str, dict[str, list[Fraction]]]:
    """Per step and institution (and `all`), the exact days from receipt of each step taken in
    the month; complaints ended in advice are no institution's."""
    found: dict[str, dict[str, list[Fraction]]] = {}
    for step in ("acknowledge", "admissibility", "close"):
        days: dict[str, list[Fraction]] = defaultdict(list)
        for case in population:
            at = case.took.get(step)
            if at is not None and month_of(at) == month and case.values["institution"] != "none":
                seconds = int((at - case.received).total_seconds())
                days[case.values["institution"]].append(Fraction(seconds, 86_400))
                days[ALL].append(Fraction(seconds, 86_400))
        found[step] = {institution: sorted(d) for institution, d in days.items()}
    return found


def whole_days(days: Fraction) -> float:
    """To the nearest whole day, a half up."""
    return float(math.floor(days + Fraction(1, 2)))


def ninetieth(days: list[Fraction]) -> Fraction:
    """Interpolated between the closest ranks: the documented (inclusive) method."""
    return statistics.quantiles(days, n=10, method="inclusive")[-1]


# -- the test ------------------------------------------------------------------------------

Cell = tuple[str, int, bool]  # the group of cells it is summed with, its true count, withheld


def compare_counts(figures: Statistics, population: list[Handled], wrong: list[str]) -> list[Cell]:
    month = figures.month
    measured = {
        "received": [case for case in population if month_of(case.received) == month],
        "closed": [case for case in population if month_of(case.took.get("close")) == month],
    }
    cells: list[Cell] = []
    for table in figures.counts:
        truth = true_counts(table, measured[table.measure])
        rows = {tuple(row.values[d] for d in table.dimensions): row for row in table.rows}
        if rows.keys() != truth.keys():
            wrong.append(f"{month} {table.id}: rows {sorted(rows)} != {sorted(truth)}")
        for values, count in truth.items():
            row = rows.get(values)
            if row is not None and not row.suppressed and row.count != count:
                wrong.append(f"{month} {table.id} {values}: published {row.count}, true {count}")
            if row is not None:
                cells.append((table.measure, count, row.suppressed))
    return cells


def compare_timings(figures: Statistics, population: list[Handled], wrong: list[str]) -> list[Cell]:
    month, cells = figures.month, []
    for step, days in days_taken(population, month).items():
        rows = {row.institution: row for row in figures.timings if row.step == step}
        if rows.keys() != days.keys():
            wrong.append(f"{month} {step}: timing rows {sorted(rows)} != {sorted(days)}")
        for institution, timed in days.items():
            row = rows.get(institution)
            if row is None:
                continue
            cells.append((step if step != "close" else "closed", len(timed), row.suppressed))
            expected: tuple[int | None, float | None, float | None] = (len(timed), None, None)
            if row.suppressed:
                expected = (None, None, None)
            elif len(timed) >= MIN_TIMED_CASES:
                median, p90 = whole_days(statistics.median(timed)), whole_days(ninetieth(timed))
                expected = (len(timed), median, p90)
            got = (row.cases_measured, row.median_days, row.p90_days)
            if got != expected:
                wrong.append(f"{month} {step} {institution}: published {got}, recount {expected}")
    return cells


def compare_withholding(month: str, cells: list[Cell], threshold: int, wrong: list[str]) -> None:
    """Every count from 1 to 4 withheld, no zero withheld, and a count of 5 or more withheld only
    beside a small one it protects, in the cells it is summed with."""
    small = {group for group, count, _ in cells if 1 <= count < threshold}
    for group, count, withheld in cells:
        if 1 <= count < threshold and not withheld:
            wrong.append(f"{month} {group}: a count of {count} is published")
        if withheld and (count == 0 or group not in small):
            wrong.append(f"{month} {group}: a count of {count} is withheld with no small one")


def compare_anonymity(figures: Statistics, complaints: list[Complaint], wrong: list[str]) -> None:
    """No name, reason, handler or explanation, no reference, no date finer than the month."""
    published = figures.model_dump_json()
    if SECRET in published or any(c.reference in published for c in complaints):
        wrong.append(f"{figures.month}: free text or a reference is published")
    if re.search(r"\d{4}-\d{2}-\d{2}", published):
        wrong.append(f"{figures.month}: a date finer than the month is published")


async def test_every_published_figure_is_the_recount_of_the_cases_behind_it(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    complaints = population(random.Random(SEED))
    for complaint in complaints:
        await play(app, complaint)
    cases = handled(complaints)
    wrong: list[str] = []
    mistimed: list[str] = []
    cells: list[Cell] = []

    for month in MONTHS:
        figures = await publication.month(app.state.runtime, StatisticsCache(), month, NOW)

        assert figures is not None
        found = compare_counts(figures, cases, wrong) + compare_timings(figures, cases, mistimed)
        compare_withholding(month, found, figures.threshold, wrong)
        compare_anonymity(figures, complaints, wrong)
        cells += found
        assert any(row.median_days is not None for row in figures.timings), month

    # The population reaches every path it means to: a recount of nothing proves nothing.
    parts = [part for complaint in complaints for part in complaint.parts]
    assert len(parts) >= 200
    assert any(not complaint.parts for complaint in complaints)
    assert any(len([p for p in complaint.parts if p.routed]) > 1 for complaint in complaints)
    moves = [type(move) for part in parts for _, move in part.steps]
    assert Transfer in moves and Withdrawal in moves
    assert any(withheld for *_, withheld in cells)
    assert sum(count >= 5 and not withheld for _, count, withheld in cells) > 100
    assert wrong == []
    assert mistimed == []


async def test_a_time_is_rounded_to_whole_days_once_from_the_exact_duration(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Ten parts acknowledged 4 days 11 h 30 min after receipt: 4.48 days, 4 in whole days.
    Rounded to a tenth first (4.5), then to whole days, it would read 5."""
    received = datetime(2026, 10, 5, 9, tzinfo=UTC)
    acknowledged = received + timedelta(days=4, hours=11, minutes=30)
    codes = {"category": "other", "respondent_type": "court", "channel": "web"}
    for _ in range(MIN_TIMED_CASES):
        steps: Steps = [(acknowledged, StatusChange(status=S.ACKNOWLEDGED))]
        complaint = Complaint(
            new_reference(),
            received,
            received,
            codes,
            ("MA",),
            True,
            [Part("ma-cndh", None, steps)],
        )
        await play(app, complaint)

    figures = await publication.month(app.state.runtime, StatisticsCache(), "2026-10", NOW)

    assert figures is not None
    row = next(r for r in figures.timings if r.step == "acknowledge" and r.institution == ALL)
    assert (row.cases_measured, row.median_days, row.p90_days) == (10, 4.0, 4.0)
