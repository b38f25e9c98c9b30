"""An NGO's alert relies on one of its accreditations: routing says whether it carries it, and
marks which competent institutions accredit the NGO once the alert is decided."""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
import pytest
from accreditation_support import CRITERIA, GRANT, HATVP_CRITERIA, Clock, applied, granted, step
from fastapi import FastAPI

from nowrongdoor.contracts.events import ComplaintReceived, RelayingNgo
from nowrongdoor.envelope import Envelope
from nowrongdoor.testing.apps import eventually

Headers = Callable[..., dict[str, str]]
ALERT = {"category": "integrity", "territory": "FR-IDF"}


@pytest.fixture
async def accreditation(
    client: httpx.AsyncClient, hatvp: dict[str, str], sherpa: dict[str, str], clock: Clock
) -> str:
    published = await client.put(CRITERIA, json=HATVP_CRITERIA, headers=hatvp)
    assert published.status_code == 200, published.text
    return await granted(client, hatvp, sherpa)


async def rely(
    client: httpx.AsyncClient, headers: dict[str, str], accreditation_id: str, **alert: str
) -> httpx.Response:
    return await client.post(
        f"/internal/accreditations/{accreditation_id}/reliance",
        json=ALERT | alert,
        headers=headers,
    )


async def test_a_granted_accreditation_carries_an_alert_it_covers(
    client: httpx.AsyncClient, sherpa: dict[str, str], accreditation: str
) -> None:
    response = await rely(client, sherpa, accreditation)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "ngo_id": "fr-sherpa",
        "ngo_name": "Sherpa",
        "accreditation_id": accreditation,
        "accredited_by": "fr-hatvp",
    }


async def test_another_ngos_accreditation_answers_like_a_missing_one(
    client: httpx.AsyncClient, headers_for: Headers, hatvp: dict[str, str], accreditation: str
) -> None:
    other = headers_for("ngo", "fr-anticor", "accreditations:read")

    theirs = await rely(client, other, accreditation)
    unknown = await rely(client, other, "acc-" + "0" * 32)
    as_institution = await rely(client, hatvp, accreditation)

    assert theirs.status_code == unknown.status_code == as_institution.status_code == 404
    assert theirs.json() == unknown.json()


async def test_an_alert_outside_the_scope_names_what_is_not_covered(
    client: httpx.AsyncClient, sherpa: dict[str, str], accreditation: str
) -> None:
    response = await rely(
        client, sherpa, accreditation, category="maladministration", territory="BE-BRU"
    )

    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/accreditation-out-of-scope")
    assert problem["errors"] == [
        {
            "field": "category",
            "message": "'maladministration' is not covered; it covers integrity, corruption",
        },
        {"field": "respondent.territory", "message": "'BE-BRU' is not covered; it covers FR"},
    ]


@pytest.mark.parametrize(
    ("action", "body", "slug", "detail"),
    [
        (
            "suspend",
            {"reason": "Annual report overdue."},
            "accreditation-suspended",
            "The accreditation is suspended by the institution that granted it.",
        ),
        (
            "revoke",
            {"reason": "No longer independent."},
            "accreditation-revoked",
            "The accreditation was revoked by the institution that granted it.",
        ),
    ],
)
async def test_a_suspended_or_revoked_accreditation_carries_nothing(
    client: httpx.AsyncClient,
    hatvp: dict[str, str],
    sherpa: dict[str, str],
    accreditation: str,
    action: str,
    body: dict[str, Any],
    slug: str,
    detail: str,
) -> None:
    taken = await step(client, hatvp, accreditation, action, body)
    assert taken.status_code == 200, taken.text

    response = await rely(client, sherpa, accreditation)

    assert response.status_code == 409
    assert response.json()["type"].endswith(f"/{slug}")
    assert response.json()["detail"] == f"{detail} Nothing was stored."


async def test_an_accreditation_carries_alerts_until_its_last_day(
    client: httpx.AsyncClient, sherpa: dict[str, str], accreditation: str, clock: Clock
) -> None:
    clock.on(date(2027, 12, 31))  # the grant's last day
    last_day = await rely(client, sherpa, accreditation)
    clock.on(date(2028, 1, 1))
    after = await rely(client, sherpa, accreditation)

    assert last_day.status_code == 200
    assert after.status_code == 409
    assert after.json()["type"].endswith("/accreditation-expired")
    assert after.json()["detail"] == (
        "The accreditation expired after 2027-12-31; it must be renewed. Nothing was stored."
    )


async def test_an_application_not_yet_granted_carries_nothing(
    client: httpx.AsyncClient, hatvp: dict[str, str], sherpa: dict[str, str], clock: Clock
) -> None:
    await client.put(CRITERIA, json=HATVP_CRITERIA, headers=hatvp)
    pending = await applied(client, sherpa)

    response = await rely(client, sherpa, pending)

    assert response.status_code == 409
    assert response.json()["type"].endswith("/accreditation-not-granted")


async def test_a_decision_marks_whether_each_competent_institution_accredits_the_ngo(
    app: FastAPI,
    client: httpx.AsyncClient,
    hatvp: dict[str, str],
    sherpa: dict[str, str],
    received: Callable[..., ComplaintReceived],
    decide_over_the_bus: Callable[..., Awaitable[dict[str, Any]]],
    last_event: Callable[[str], Awaitable[Envelope | None]],
) -> None:
    await client.put(CRITERIA, json=HATVP_CRITERIA, headers=hatvp)
    accreditation = await applied(client, sherpa)
    lasting = GRANT | {"expires_on": "2099-12-31"}
    assert (await step(client, hatvp, accreditation, "grant", lasting)).status_code == 200
    relay = RelayingNgo(
        ngo_id="fr-sherpa",
        ngo_name="Sherpa",
        accreditation_id=accreditation,
        accredited_by="fr-hatvp",
    )
    alert = {
        "category": "integrity",
        "respondent_territory": "FR-IDF",
        "complainant_role": "ngo",
        "channel": "ngo",
        "relayed_by": relay,
    }
    # A public official's integrity goes to the HATVP, which accredits Sherpa; an administration's
    # to the Défenseur des droits, which does not: routed all the same, and marked.
    here = received(**alert, respondent_type="public-official")
    elsewhere = received(
        **alert | {"complainant_role": "public-official"}, respondent_type="national-administration"
    )

    async def routed(event: ComplaintReceived) -> dict[str, Any]:
        await decide_over_the_bus(event)

        async def announced() -> dict[str, Any] | None:
            envelope = await last_event("complaint.routed")
            if envelope is None or envelope.subject != event.reference:
                return None
            return envelope.event().model_dump(mode="json")

        return await eventually(announced)

    accredited = await routed(here)
    not_accredited = await routed(elsewhere)

    assert [(c["institution_id"], c["relay_accredited"]) for c in accredited["competent"]] == [
        ("fr-hatvp", True)
    ]
    assert accredited["relayed_by"] == relay.model_dump(mode="json")
    assert [(c["institution_id"], c["relay_accredited"]) for c in not_accredited["competent"]] == [
        ("fr-ddd", False)
    ]
