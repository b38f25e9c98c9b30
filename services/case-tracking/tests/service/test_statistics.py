"""The month's statistics as case tracking computes them from its own cases."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from case_tracking_support import consumed, publish, received, routed
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from case_tracking import repository
from case_tracking.models import CaseGroup, CasePart, TimelineEntry
from case_tracking.repository import counting
from case_tracking.service import statistics
from case_tracking.service.statistics import StatisticsCache
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.statistics import Statistics
from nowrongdoor.contracts.vocabulary import CaseStatus, RoutingOutcome, ServiceStandard
from nowrongdoor.ids import new_reference

RECEIVED = datetime(2026, 10, 5, 9, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def count(figures: Statistics, table_id: str, **values: str) -> int | None:
    table = next(t for t in figures.counts if t.id == table_id)
    return next(row.count for row in table.rows if row.values == values)


async def populate(app: FastAPI) -> None:
    """Seven cases at the Médiateur (two acknowledged late), two at the CNDH, one advice."""
    async with app.state.runtime.transaction() as session:
        for number in range(10):
            reference = new_reference()
            institution = "ma-mediateur" if number < 7 else "ma-cndh"
            session.add(
                CaseGroup(
                    reference=reference,
                    status=CaseStatus.ROUTED,
                    language="fr",
                    received_at=RECEIVED,
                    opened_at=RECEIVED,
                    updated_at=RECEIVED,
                    category="maladministration" if number < 9 else "human-rights",
                    respondent_type="local-authority",
                    respondent_territory="MA-06",
                    territory_path=["MA", "MA-06", "MA-CAS"] if number % 2 else None,
                    channel="web",
                )
            )
            await session.flush()
            session.add(
                CasePart(
                    reference=reference,
                    institution_id=institution,
                    institution_name=institution,
                    role="lead",
                    status=CaseStatus.ACKNOWLEDGED if number < 7 else CaseStatus.ROUTED,
                    opened_at=RECEIVED,
                    acknowledged_at=RECEIVED + timedelta(days=2 if number < 5 else 20)
                    if number < 7
                    else None,
                    sealed_outcome_reason="never read by the statistics",
                    acknowledge_days=5,
                    admissibility_days=10,
                    resolve_days=60,
                    calendar="MA",
                )
            )
        session.add(
            CaseGroup(
                reference=new_reference(),
                status=CaseStatus.CLOSED,
                language="fr",
                received_at=RECEIVED,
                opened_at=RECEIVED,
                updated_at=RECEIVED + timedelta(minutes=1),
                advice="court",
                category="private-dispute",
                respondent_territory="MA",
                channel="web",
            )
        )


async def test_a_month_counts_each_part_once_and_advice_under_no_institution(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await populate(app)

    figures = await statistics.month(app.state.runtime, StatisticsCache(), "2026-10", NOW)

    assert figures is not None
    assert count(figures, "received-by-institution", institution="all") == 11
    # The CNDH's 3 and the advice's 1 are small, and so are they together: the 7 beside them
    # is withheld too, or 11 - 7 would tell them.
    assert count(figures, "received-by-institution", institution="ma-mediateur") is None
    assert count(figures, "received-by-institution", institution="ma-cndh") is None
    assert count(figures, "received-by-institution", institution="none") is None
    assert count(figures, "received-by-institution-and-territory-1", institution="all",
                 territory="MA") == 11  # fmt: skip
    # Paths from routing reach the third level; the others stay at the country's region.
    level_3 = next(t for t in figures.counts if t.id == "received-by-institution-and-territory-3")
    assert {row.values["territory"] for row in level_3.rows} == {"MA", "MA-06", "MA-CAS", "all"}
    assert count(figures, "closed-by-institution", institution="all") is None
    acknowledge = {t.institution: t for t in figures.timings if t.step == "acknowledge"}
    assert acknowledge["ma-mediateur"].cases_measured == 7
    assert acknowledge["ma-mediateur"].median_days is None  # seven are too few to time
    promised = {(p.institution, p.standard): p for p in figures.promises}
    # Five kept and two missed: the share would tell the two.
    assert promised[("ma-mediateur", ServiceStandard.ACKNOWLEDGE)].suppressed
    assert promised[("ma-mediateur", ServiceStandard.ACKNOWLEDGE)].kept_share is None
    admissibility = promised[("ma-mediateur", ServiceStandard.ADMISSIBILITY)]
    assert admissibility.promises_due is not None and admissibility.promises_due >= 5
    assert admissibility.kept_share == 0.0  # never decided, every day since passed
    months = await statistics.months(app.state.runtime, StatisticsCache(), NOW)
    assert months.months == ["2026-10"]
    assert await statistics.month(app.state.runtime, StatisticsCache(), "2026-09", NOW) is None


async def test_a_month_is_published_once_it_has_ended_and_never_revised(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await populate(app)
    running = datetime(2026, 10, 31, 23, 59, tzinfo=UTC)

    assert await statistics.month(app.state.runtime, StatisticsCache(), "2026-10", running) is None
    assert (await statistics.months(app.state.runtime, StatisticsCache(), running)).months == []
    first = await statistics.month(app.state.runtime, StatisticsCache(), "2026-10", NOW)
    await populate(app)  # ten more cases received in October, heard of late
    # Another process, with nothing kept, months later: the figures first published.
    later = datetime(2027, 3, 1, tzinfo=UTC)
    again = await statistics.month(app.state.runtime, StatisticsCache(), "2026-10", later)

    assert first is not None and again is not None
    assert count(first, "received-by-institution", institution="all") == 11
    assert again == first
    months = await statistics.months(app.state.runtime, StatisticsCache(), later)
    assert months.months == ["2026-10"]


async def test_an_ended_month_waits_its_grace_day_for_what_was_in_flight_at_midnight(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await populate(app)
    just_ended = datetime(2026, 11, 1, 0, 0, 5, tzinfo=UTC)
    grace_over = datetime(2026, 11, 2, tzinfo=UTC)

    during = await statistics.month(app.state.runtime, StatisticsCache(), "2026-10", just_ended)
    listed = await statistics.months(app.state.runtime, StatisticsCache(), just_ended)
    await populate(app)  # as many October complaints again, heard in November's first seconds
    after = await statistics.month(app.state.runtime, StatisticsCache(), "2026-10", grace_over)

    assert during is None and listed.months == []
    assert after is not None
    assert count(after, "received-by-institution", institution="all") == 2 * 11


async def test_the_running_month_gives_only_the_networks_complaints_in_steps_of_five(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    october = datetime(2026, 10, 20, tzinfo=UTC)
    await populate(app)  # eleven complaints received on 5 October, one of them advised

    ten = await statistics.running(app.state.runtime, StatisticsCache(), october)
    await populate(app)
    await populate(app)
    thirty = await statistics.running(app.state.runtime, StatisticsCache(), october)  # of 33
    none_yet = await statistics.running(app.state.runtime, StatisticsCache(), NOW)

    assert (ten.month, ten.complaints_received, ten.suppressed) == ("2026-10", 10, False)
    assert thirty.complaints_received == 30
    assert (none_yet.month, none_yet.complaints_received, none_yet.suppressed) == (
        "2026-11",
        None,
        True,
    )


async def test_listing_the_months_reads_the_cases_again_only_once_another_month_has_ended(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await populate(app)
    reads: list[datetime] = []
    read_parts = counting.counted_parts

    async def counted_parts(session: AsyncSession) -> list[counting.CountedPart]:
        reads.append(datetime.now(UTC))
        return await read_parts(session)

    monkeypatch.setattr(counting, "counted_parts", counted_parts)
    cache = StatisticsCache(fresh_seconds=0)  # nothing kept: each listing asks again

    first = await statistics.months(app.state.runtime, cache, NOW)
    again = await statistics.months(app.state.runtime, cache, NOW + timedelta(days=1))
    reads_in_november = len(reads)
    in_december = await statistics.months(
        app.state.runtime, cache, datetime(2026, 12, 2, tzinfo=UTC)
    )

    assert first.months == again.months == in_december.months == ["2026-10"]
    assert reads_in_november == 2  # to list the months with figures, then to count October
    assert len(reads) == 3  # November ended: listed again, found empty


async def test_an_ended_month_with_nothing_is_listed_once_a_complaint_of_it_is_heard(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    cache = StatisticsCache(fresh_seconds=0)
    before = await statistics.months(app.state.runtime, cache, NOW)
    await populate(app)  # October's complaints, heard in November

    after = await statistics.months(app.state.runtime, cache, NOW)

    assert (before.months, after.months) == ([], ["2026-10"])


async def test_the_list_of_months_publishes_each_ended_month_as_it_then_stands(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await populate(app)
    assert (await statistics.months(app.state.runtime, StatisticsCache(), NOW)).months == [
        "2026-10"
    ]
    await populate(app)

    figures = await statistics.month(app.state.runtime, StatisticsCache(), "2026-10", NOW)

    assert figures is not None
    assert count(figures, "received-by-institution", institution="all") == 11


async def test_advice_ends_when_it_was_given_whatever_changed_later(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    advised = datetime(2026, 10, 6, 9, tzinfo=UTC)
    async with app.state.runtime.transaction() as session:
        for _ in range(5):
            reference = new_reference()
            session.add(
                CaseGroup(
                    reference=reference,
                    status=CaseStatus.WITHDRAWN,
                    language="fr",
                    received_at=RECEIVED,
                    opened_at=RECEIVED,
                    # Withdrawn weeks after the advice: the case changed, its closure did not.
                    updated_at=datetime(2026, 11, 3, tzinfo=UTC),
                    advice="court",
                    category="private-dispute",
                    respondent_territory="MA",
                    channel="web",
                )
            )
            await session.flush()
            session.add(
                TimelineEntry(
                    reference=reference,
                    at=advised,
                    kind=CaseStatus.CLOSED.value,
                    actor="platform",
                    summary="Advice given",
                )
            )
            session.add(
                TimelineEntry(
                    reference=reference,
                    at=datetime(2026, 11, 3, tzinfo=UTC),
                    kind=CaseStatus.WITHDRAWN.value,
                    actor="complainant",
                    summary="Withdrawn",
                )
            )

    october = await statistics.month(app.state.runtime, StatisticsCache(), "2026-10", NOW)
    november = await statistics.month(
        app.state.runtime, StatisticsCache(), "2026-11", datetime(2026, 12, 2, tzinfo=UTC)
    )

    assert october is not None
    assert count(october, "closed-by-institution", institution="none") == 5
    assert november is None  # nothing received nor closed in November


async def test_routing_places_the_territory_in_its_hierarchy(
    app: FastAPI, client: httpx.AsyncClient, bus: Bus
) -> None:
    await publish(bus, received())
    envelope = await publish(
        bus, routed(outcome=RoutingOutcome.COMPETENT, territory_path=["MA", "MA-06", "MA-CAS"])
    )
    assert envelope is not None
    await consumed(bus, "complaint.routed", 2)

    async with app.state.runtime.sessions() as session:
        group = await repository.case_group(session, received().reference)
    assert group is not None
    assert group.territory_path == ["MA", "MA-06", "MA-CAS"]
