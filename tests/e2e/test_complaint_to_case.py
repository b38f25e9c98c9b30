"""A citizen files complaints through the gateway and follows each one to its case."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from nowrongdoor.testing.apps import eventually


def complaint(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "description": "The commune has not answered my request for a birth certificate "
        "for five months despite three visits.",
        "category": "maladministration",
        "respondent": {
            "name": "Commune de Casablanca",
            "type": "local-authority",
            "territory": "MA-06",
        },
        "complainant": {"role": "citizen", "anonymous": True},
        "administration_contacted": True,
        "court_case_pending": False,
        "language": "fr",
    }
    body.update(overrides)
    return body


async def file(gateway: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, str]:
    response = await gateway.post("/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    accepted: dict[str, str] = response.json()
    return accepted


async def follow_until(
    gateway: httpx.AsyncClient, accepted: dict[str, str], *statuses: str, timeout: float = 30
) -> dict[str, Any]:
    async def settled() -> dict[str, Any] | None:
        response = await gateway.get(
            f"/v1/cases/{accepted['reference']}", headers={"X-Receipt": accepted["receipt"]}
        )
        assert response.status_code == 200, response.text
        case: dict[str, Any] = response.json()
        return case if case["status"] in statuses else None

    return await eventually(settled, timeout=timeout, interval=0.2)


async def test_a_complaint_reaches_an_open_case_at_the_competent_office(
    gateway: httpx.AsyncClient,
) -> None:
    accepted = await file(gateway, complaint())

    case = await follow_until(gateway, accepted, "routed")

    assert case["reference"] == accepted["reference"]
    lead = case["institutions"][0]
    assert (lead["institution_id"], lead["role"]) == ("ma-mediateur", "lead")
    assert "Casablanca-Settat" in (lead["office_name"] or "")
    assert [entry["kind"] for entry in case["timeline"]][:2] == ["received", "routed"]
    # The complaint was written in French, so the reason is given in French.
    assert case["explanation"].startswith("L'institution compétente pour votre plainte est")
    assert "Casablanca-Settat" in case["explanation"]


async def test_a_complaint_at_the_wrong_door_is_transferred_under_the_same_reference(
    gateway: httpx.AsyncClient,
) -> None:
    accepted = await file(gateway, complaint(received_by="ma-cndh"))

    case = await follow_until(gateway, accepted, "routed")

    assert case["institutions"][0]["institution_id"] == "ma-mediateur"
    # The timeline reads in the complaint's language, French here.
    assert case["timeline"][0]["summary"].startswith("Plainte reçue par Conseil National")
    assert case["timeline"][1]["summary"].startswith("Plainte transférée par Conseil National")


async def test_corruption_by_a_local_authority_goes_to_the_anti_corruption_body(
    gateway: httpx.AsyncClient,
) -> None:
    accepted = await file(gateway, complaint(category="corruption"))

    case = await follow_until(gateway, accepted, "routed")

    assert case["institutions"][0]["institution_id"] == "ma-inpplc"


async def test_a_private_dispute_gets_advice_and_no_institution(
    gateway: httpx.AsyncClient,
) -> None:
    body = complaint()
    body["respondent"] = {"name": "Telecom SA", "type": "private-company", "territory": "MA-06"}
    accepted = await file(gateway, body)

    case = await follow_until(gateway, accepted, "closed")

    assert case["institutions"] == []
    assert case["advice"] == "private-dispute"
    assert case["explanation"].startswith("Aucune institution du réseau")


async def test_invalid_input_names_each_bad_field(gateway: httpx.AsyncClient) -> None:
    body = complaint(description="too short", language="es")
    body["respondent"]["type"] = "ministry"

    response = await gateway.post("/v1/complaints", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"description", "language", "respondent.type"}


async def test_a_wrong_receipt_cannot_open_a_case(gateway: httpx.AsyncClient) -> None:
    accepted = await file(gateway, complaint())
    wrong = str((int(accepted["receipt"]) + 1) % 10**16).zfill(16)

    response = await gateway.get(f"/v1/cases/{accepted['reference']}", headers={"X-Receipt": wrong})
    unknown = await gateway.get(
        "/v1/cases/NWD-0000000000AA", headers={"X-Receipt": accepted["receipt"]}
    )

    assert response.status_code == unknown.status_code == 404
    assert response.json() == unknown.json()


async def test_many_complaints_at_once_each_get_one_case(gateway: httpx.AsyncClient) -> None:
    accepted = await asyncio.gather(*(file(gateway, complaint()) for _ in range(10)))

    cases = [await follow_until(gateway, a, "routed") for a in accepted]

    assert len({case["reference"] for case in cases}) == 10
    assert all(len(case["institutions"]) == 1 for case in cases)


async def test_a_complaint_held_for_a_missing_step_comes_back_under_the_same_reference(
    gateway: httpx.AsyncClient,
) -> None:
    accepted = await file(gateway, complaint(administration_contacted=False))
    held = await follow_until(gateway, accepted, "inadmissible")
    assert held["institutions"] == []
    assert held["advice"] is not None

    response = await gateway.post(
        f"/v1/cases/{accepted['reference']}/resubmission",
        json={"administration_contacted": True},
        headers={"X-Receipt": accepted["receipt"]},
    )
    assert response.status_code == 202, response.text
    case = await follow_until(gateway, accepted, "routed")

    assert case["reference"] == accepted["reference"]
    assert case["institutions"][0]["institution_id"] == "ma-mediateur"
    kinds = [entry["kind"] for entry in case["timeline"]]
    assert kinds.index("inadmissible") < kinds.index("routed")
    again = await gateway.post(
        f"/v1/cases/{accepted['reference']}/resubmission",
        json={"administration_contacted": True},
        headers={"X-Receipt": accepted["receipt"]},
    )
    assert again.status_code == 409
