"""The times of a case are told as a clock where its institution stands shows them, zone named."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.intake import ComplaintSubmission, IncomingComplaint
from nowrongdoor.contracts.routing import InstitutionSummary, InstitutionView
from nowrongdoor.contracts.vocabulary import Language

from ..fakes import FakeServices, complaint
from .conftest import form_token

# 07:20 UTC on a winter morning: 08:20 in Brussels and in Casablanca.
RECEIVED = datetime(2026, 12, 4, 7, 20, tzinfo=UTC)
ZONES = {"be-federal": "Europe/Brussels", "ma-mediateur": "Africa/Casablanca"}


@pytest.fixture
def services(services: FakeServices) -> FakeServices:
    async def institutions(
        caller: Principal, language: Language, query: str | None = None
    ) -> list[InstitutionView]:
        await services.routing.reached("institutions", caller, language)
        return [
            InstitutionView(
                institution_id=institution_id,
                name=institution_id,
                territory=zone[:2],
                languages=["fr"],
                offices=[],
                time_zone=zone,
            )
            for institution_id, zone in ZONES.items()
        ]

    services.routing.institutions = institutions  # type: ignore[method-assign]
    return services


async def case_page(
    browser: httpx.AsyncClient, services: FakeServices, institution_id: str, language: str
) -> str:
    submission = ComplaintSubmission.model_validate(complaint())
    accepted = services.intake.holds(IncomingComplaint(submission=submission, channel="web"))
    reference = accepted.reference
    services.cases.opened(reference, "en", received_at=RECEIVED)
    services.cases.routed(
        reference, InstitutionSummary(institution_id=institution_id, name="Ombud", role="lead")
    )
    form = (await browser.get(f"/{language}/track")).text
    opened = await browser.post(
        f"/{language}/track",
        data={"csrf": form_token(form), "reference": reference, "receipt": accepted.receipt},
    )
    assert opened.status_code == 303
    return (await browser.get(f"/{language}/track")).text


async def test_a_belgian_case_tells_its_times_in_brussels_time(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    page = await case_page(browser, services, "be-federal", "en")

    assert "Dec 4, 2026, 8:20:00\u202fAM Belgium Time" in page
    assert "7:20:00\u202fAM" not in page
    assert f'datetime="{RECEIVED.isoformat()}"' in page, "the machine-readable instant stays"


async def test_a_moroccan_case_tells_its_times_in_morocco_time_in_the_reader_s_language(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    french = await case_page(browser, services, "ma-mediateur", "fr")

    assert "4 déc. 2026, 08:20:00 heure : Maroc" in french


async def test_a_message_is_timed_in_the_institution_s_zone_too(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    page = await case_page(browser, services, "be-federal", "nl")
    await browser.post("/nl/track/reply", data={"csrf": form_token(page), "body": "Dank u."})

    again = (await browser.get("/nl/track")).text

    assert "tijd in België" in page
    assert again.count("tijd in België") >= 2, "the message and the timeline both"


async def test_without_routing_the_times_are_told_in_utc_and_say_so(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    services.down.add("routing")

    page = await case_page(browser, services, "be-federal", "en")

    assert "Dec 4, 2026, 7:20:00\u202fAM Coordinated Universal Time" in page


async def test_the_zones_are_read_from_routing_once_for_many_pages(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    await case_page(browser, services, "be-federal", "en")
    for _ in range(3):
        await browser.get("/en/track")

    assert services.count("institutions") == 1
