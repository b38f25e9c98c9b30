"""An accredited NGO files a verified alert: routing checks the accreditation it relies on
first, and intake stores nothing when it does not carry the alert."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ..fakes import FakeServices, complaint
from .test_accreditations import APPLICATION, GRANT, READ_WRITE, token


def alert(**overrides: Any) -> dict[str, Any]:
    """An anonymous person's alert about a mayor's integrity, as an NGO relays it."""
    body = complaint(
        description="The mayor awarded the school canteen contract to his brother-in-law.",
        category="integrity",
        respondent={"name": "Mairie", "type": "public-official", "territory": "FR-IDF"},
        complainant={"role": "ngo", "anonymous": True},
    )
    return body | overrides


@pytest.fixture
async def sherpa(app: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
    return await token(app, client, "ngo", "fr-sherpa", "complaints:write", *READ_WRITE)


@pytest.fixture
async def accreditation(app: FastAPI, client: httpx.AsyncClient, sherpa: dict[str, str]) -> str:
    hatvp = await token(app, client, "institution", "fr-hatvp", *READ_WRITE)
    applied = await client.post("/v1/accreditations", json=APPLICATION, headers=sherpa)
    accreditation_id: str = applied.json()["id"]
    granted = await client.post(
        f"/v1/accreditations/{accreditation_id}/grant", json=GRANT, headers=hatvp
    )
    assert granted.status_code == 200, granted.text
    return accreditation_id


async def test_an_alert_under_an_accreditation_is_filed_verified(
    client: httpx.AsyncClient, sherpa: dict[str, str], accreditation: str, services: FakeServices
) -> None:
    response = await client.post(
        "/v1/complaints", json=alert(accreditation_id=accreditation), headers=sherpa
    )

    assert response.status_code == 201, response.text
    filed = services.submissions[response.json()["reference"]].complaint
    assert filed.channel == "ngo"
    assert filed.relayed_by is not None
    assert filed.relayed_by.model_dump() == {
        "ngo_id": "fr-sherpa",
        "ngo_name": "Sherpa",
        "accreditation_id": accreditation,
        "accredited_by": "fr-hatvp",
    }
    assert filed.relayed_by.verified
    assert filed.submission.complainant.name is None


async def test_an_alert_without_an_accreditation_names_the_ngo_unverified(
    client: httpx.AsyncClient, sherpa: dict[str, str], services: FakeServices
) -> None:
    response = await client.post("/v1/complaints", json=alert(), headers=sherpa)

    assert response.status_code == 201, response.text
    filed = services.submissions[response.json()["reference"]].complaint
    assert filed.relayed_by is not None
    assert (filed.relayed_by.ngo_id, filed.relayed_by.verified) == ("fr-sherpa", False)


@pytest.mark.parametrize(
    ("step", "body", "slug"),
    [
        ("suspend", {"reason": "Annual report overdue."}, "accreditation-suspended"),
        ("revoke", {"reason": "No longer independent."}, "accreditation-revoked"),
    ],
)
async def test_an_alert_under_an_accreditation_not_in_force_stores_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    sherpa: dict[str, str],
    accreditation: str,
    services: FakeServices,
    step: str,
    body: dict[str, str],
    slug: str,
) -> None:
    hatvp = await token(app, client, "institution", "fr-hatvp", *READ_WRITE)
    taken = await client.post(
        f"/v1/accreditations/{accreditation}/{step}", json=body, headers=hatvp
    )
    assert taken.status_code == 200, taken.text

    response = await client.post(
        "/v1/complaints", json=alert(accreditation_id=accreditation), headers=sherpa
    )

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith(f"/{slug}")
    assert services.submissions == {}


async def test_an_alert_outside_the_accreditations_scope_stores_nothing(
    client: httpx.AsyncClient, sherpa: dict[str, str], accreditation: str, services: FakeServices
) -> None:
    outside = alert(accreditation_id=accreditation, category="maladministration")

    response = await client.post("/v1/complaints", json=outside, headers=sherpa)

    assert response.status_code == 422
    assert response.json()["type"].endswith("/accreditation-out-of-scope")
    assert services.submissions == {}


async def test_only_an_ngo_files_under_an_accreditation(
    app: FastAPI, client: httpx.AsyncClient, accreditation: str, services: FakeServices
) -> None:
    counter = await token(app, client, "institution", "fr-hatvp", "complaints:write")

    by_institution = await client.post(
        "/v1/complaints", json=alert(accreditation_id=accreditation), headers=counter
    )
    by_citizen = await client.post("/v1/complaints", json=alert(accreditation_id=accreditation))

    assert by_institution.status_code == by_citizen.status_code == 403
    assert "Only an NGO's client files under an accreditation" in by_citizen.json()["detail"]
    assert services.submissions == {}


async def test_another_ngos_accreditation_is_not_found_and_stores_nothing(
    app: FastAPI, client: httpx.AsyncClient, accreditation: str, services: FakeServices
) -> None:
    other = await token(app, client, "ngo", "fr-anticor", "complaints:write")

    response = await client.post(
        "/v1/complaints", json=alert(accreditation_id=accreditation), headers=other
    )

    assert response.status_code == 404
    assert services.submissions == {}
