"""A complaint the facts alone cannot route is decided by its triage institution, over the API."""

from __future__ import annotations

from typing import Any

import httpx

from nowrongdoor.testing.apps import eventually

from .conftest import Platform
from .test_complaint_to_case import complaint, file, follow_until


async def token(gateway: httpx.AsyncClient, client_id: str, secret: str) -> dict[str, str]:
    response = await gateway.post(
        "/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_the_triage_institution_routes_the_complaint_under_the_same_reference(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    body = complaint(received_by="be-vlaanderen", language="en")
    body["respondent"] = {
        "name": "A school board in Brussels",
        "type": "regional-administration",
        "territory": "BE-BRU",
    }
    accepted = await file(gateway, body)
    waiting = await follow_until(gateway, accepted, "triage")
    desk = await token(
        gateway,
        *platform.create_client("institution", "be-vlaanderen", "cases:read", "cases:write"),
    )
    read_before = await gateway.get(f"/v1/cases/{accepted['reference']}/complaint", headers=desk)
    admin = await token(gateway, *platform.create_client("admin", None, "clients:admin"))
    choice: dict[str, Any] = {
        "lead_institution_id": "be-wallonie",
        "associated_institution_ids": [],
        "reason": "The school belongs to the French-speaking Community.",
    }

    decided = await gateway.post(
        f"/v1/triage/{accepted['reference']}/decision", json=choice, headers=desk
    )
    case = await follow_until(gateway, accepted, "routed")

    async def desk_reads_no_more() -> bool:
        path = f"/v1/cases/{accepted['reference']}/complaint"
        return (await gateway.get(path, headers=desk)).status_code == 404

    assert waiting["institutions"] == []
    assert read_before.status_code == 200, read_before.text
    assert read_before.json()["description"] == body["description"]
    assert await eventually(desk_reads_no_more)
    assert decided.status_code == 200, decided.text
    assert case["reference"] == accepted["reference"]
    assert [(i["institution_id"], i["role"]) for i in case["institutions"]] == [
        ("be-wallonie", "lead")
    ]
    assert choice["reason"] not in str(case)
    again = await gateway.post(
        f"/v1/triage/{accepted['reference']}/decision", json=choice, headers=desk
    )
    assert again.status_code == 409
    proposals = (await gateway.get("/v1/triage/proposals", headers=admin)).json()
    [proposal] = [p for p in proposals if p["reference"] == accepted["reference"]]
    assert proposal["status"] == "proposed"
    assert proposal["suggested_rule"]["territories"] == ["BE-BRU"]
