"""How long a read of a case may be reused: until a promised date's day ends for one of the case's
institutions; never a read that is audited, nor one by a reader asked afresh every time. And how
long a page of an institution's list may be."""

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa
from case_tracking_support import (
    Caller,
    SetClock,
    competent,
    complainant,
    open_case,
    publish,
    received,
    routed,
    staff,
)
from fastapi import FastAPI

from case_tracking.app import create_app
from case_tracking.models import AuditEntry
from case_tracking.settings import CaseTrackingSettings
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import CompetentInstitution, RelayingNgo
from nowrongdoor.ids import new_reference
from nowrongdoor.testing.apps import eventually

As = Callable[[Principal], Caller]

# A Tuesday morning in June: Casablanca is an hour ahead of UTC, Brussels two.
NOW = datetime(2027, 6, 15, 9, 30, tzinfo=UTC)
UNTIL_MIDNIGHT_IN_CASABLANCA = "private, max-age=48600"  # 23:00 UTC, 13 h 30 min on
UNTIL_MIDNIGHT_IN_BRUSSELS = "private, max-age=45000"  # 22:00 UTC, 12 h 30 min on
NOT_KEPT = "no-store"

SHERPA = RelayingNgo(
    ngo_id="fr-sherpa",
    ngo_name="Sherpa",
    accreditation_id="acc-" + "c" * 32,
    accredited_by="fr-hatvp",
)


@pytest.fixture
def app(settings: CaseTrackingSettings) -> FastAPI:
    return create_app(settings, clock=SetClock(NOW))


async def routed_to(
    caller: Caller, bus: Bus, *competents: CompetentInstitution, relayed_by: RelayingNgo | None
) -> str:
    """A complaint received, then routed to `competents`; its reference once `caller` reads it."""
    reference = new_reference()
    relayed = {"channel": "ngo", "complainant_role": "ngo"} if relayed_by else {}
    await publish(bus, received(reference, relayed_by=relayed_by, **relayed))
    await publish(
        bus, routed(reference=reference, competent=list(competents), relayed_by=relayed_by)
    )

    async def opened() -> bool:
        response = await caller.read(reference)
        return response.status_code == 200 and response.json()["status"] == "routed"

    await eventually(opened)
    return reference


async def write(caller: Caller, reference: str, body: str) -> None:
    posted = await caller.post(f"/internal/cases/{reference}/messages", {"body": body})
    assert posted.status_code == 201, posted.text


async def audited_reads(app: FastAPI, reference: str) -> list[str]:
    async with app.state.runtime.sessions() as session:
        entries = (
            await session.scalars(
                sa.select(AuditEntry).where(AuditEntry.reference == reference)  # type: ignore[arg-type]
            )
        ).all()
    return [entry.action for entry in entries]


async def test_the_complainant_s_read_is_reusable_until_midnight_where_the_institution_is(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")

    read = await as_(complainant(reference)).read(reference)

    assert read.status_code == 200
    assert {p["institution_id"] for p in read.json()["promised"]} == {"ma-mediateur"}
    assert read.headers["cache-control"] == UNTIL_MIDNIGHT_IN_CASABLANCA


async def test_a_read_is_reusable_until_the_first_midnight_among_the_case_s_institutions(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    unia = competent("be-unia", calendar="BE")
    mediateur = competent("ma-mediateur", "associated", calendar="MA")
    reader = as_(staff("ma-mediateur"))
    both = await routed_to(reader, bus, unia, mediateur, relayed_by=None)
    moroccan = await routed_to(reader, bus, mediateur, relayed_by=None)

    read = await as_(complainant(both)).read(both)
    moroccan_only = await as_(complainant(moroccan)).read(moroccan)

    assert {p["institution_id"] for p in read.json()["promised"]} == {"be-unia", "ma-mediateur"}
    assert read.headers["cache-control"] == UNTIL_MIDNIGHT_IN_BRUSSELS
    assert moroccan_only.headers["cache-control"] == UNTIL_MIDNIGHT_IN_CASABLANCA


async def test_an_institution_s_read_of_a_case_without_messages_is_reusable(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")

    read = await as_(staff("ma-mediateur")).read(reference)

    assert read.status_code == 200
    assert read.json()["messages"] == []
    assert read.headers["cache-control"] == UNTIL_MIDNIGHT_IN_CASABLANCA
    assert await audited_reads(app, reference) == []


async def test_an_institution_s_read_of_messages_is_never_kept_and_always_audited(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    person, mediateur = as_(complainant(reference)), as_(staff("ma-mediateur"))
    await write(person, reference, "The town hall never answered")

    first = await mediateur.read(reference)
    second = await mediateur.read(reference)
    the_person_s = await person.read(reference)

    assert [len(read.json()["messages"]) for read in (first, second)] == [1, 1]
    assert first.headers["cache-control"] == second.headers["cache-control"] == NOT_KEPT
    assert await audited_reads(app, reference) == ["read-messages", "read-messages"]
    # The complainant's own read of the same messages is not audited, so it may be reused.
    assert the_person_s.headers["cache-control"] == UNTIL_MIDNIGHT_IN_CASABLANCA


async def test_a_case_whose_institutions_promise_nothing_is_reusable_for_a_day(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur", standards=None)

    read = await as_(complainant(reference)).read(reference)

    assert read.json()["promised"] == []
    assert read.headers["cache-control"] == "private, max-age=86400"


async def test_the_operator_s_and_the_relaying_ngo_s_reads_are_never_kept(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    hatvp = competent("fr-hatvp", calendar="FR").model_copy(update={"relay_accredited": True})
    reference = await routed_to(as_(staff("fr-hatvp")), bus, hatvp, relayed_by=SHERPA)
    ngo = Principal(
        client_id="nwdc_sherpa",
        kind="ngo",
        institution_id="fr-sherpa",
        scopes=frozenset({"cases:read", "cases:write"}),
    )

    by_the_ngo = await as_(ngo).read(reference)
    by_the_operator = await client.get(f"/internal/cases/{reference}")
    by_the_institution = await as_(staff("fr-hatvp")).read(reference)

    assert by_the_ngo.status_code == by_the_operator.status_code == 200
    assert by_the_ngo.headers["cache-control"] == NOT_KEPT
    assert by_the_operator.headers["cache-control"] == NOT_KEPT
    # Paris, like Brussels, is two hours ahead of UTC in June.
    assert by_the_institution.headers["cache-control"] == UNTIL_MIDNIGHT_IN_BRUSSELS


async def test_an_institution_s_list_is_reusable_for_a_day_or_until_its_own_midnight(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    await open_case(client, bus, "ma-mediateur")
    mediateur = as_(staff("ma-mediateur"))

    listed = await mediateur.get("/internal/cases", institution_id="ma-mediateur")
    overdue = await mediateur.get("/internal/cases", institution_id="ma-mediateur", overdue="true")
    not_overdue = await mediateur.get(
        "/internal/cases", institution_id="ma-mediateur", overdue="false"
    )

    assert len(listed.json()["items"]) == 1
    assert listed.headers["cache-control"] == "private, max-age=86400"
    # Whether a promised day has passed changes when the institution's own day ends.
    assert len(overdue.json()["items"]) + len(not_overdue.json()["items"]) == 1
    assert overdue.headers["cache-control"] == UNTIL_MIDNIGHT_IN_CASABLANCA
    assert not_overdue.headers["cache-control"] == UNTIL_MIDNIGHT_IN_CASABLANCA


async def test_the_operator_s_and_an_ngo_s_lists_are_never_kept(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    hatvp = competent("fr-hatvp", calendar="FR").model_copy(update={"relay_accredited": True})
    await routed_to(as_(staff("fr-hatvp")), bus, hatvp, relayed_by=SHERPA)
    ngo = Principal(
        client_id="nwdc_sherpa",
        kind="ngo",
        institution_id="fr-sherpa",
        scopes=frozenset({"cases:read"}),
    )

    by_the_ngo = await as_(ngo).get("/internal/cases", institution_id="fr-sherpa")
    by_the_operator = await client.get("/internal/cases", params={"institution_id": "fr-hatvp"})

    assert len(by_the_ngo.json()["items"]) == len(by_the_operator.json()["items"]) == 1
    assert by_the_ngo.headers["cache-control"] == NOT_KEPT
    assert by_the_operator.headers["cache-control"] == NOT_KEPT
