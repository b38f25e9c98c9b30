"""A complainant gives the receipt once for a case session, then follows the case and writes in it
with the session's bearer token, as an API caller would."""

from __future__ import annotations

from typing import Any

import httpx

from nowrongdoor.testing.apps import eventually

from .test_complaint_to_case import complaint, file

# Béni Mellal-Khénifra: no other test files a complaint about a body there.
TERRITORY = "MA-05"
UNKNOWN_REFERENCE = "NWD-0000000000AA"


async def test_a_case_session_follows_and_writes_without_the_receipt(
    gateway: httpx.AsyncClient,
) -> None:
    respondent = {"name": "Commune de Béni Mellal", "type": "local-authority"}
    accepted = await file(gateway, complaint(respondent=respondent | {"territory": TERRITORY}))
    reference = accepted["reference"]

    opened = await gateway.post(
        f"/v1/cases/{reference}/session", headers={"X-Receipt": accepted["receipt"]}
    )

    assert opened.status_code == 201, opened.text
    assert opened.headers["cache-control"] == "no-store"
    session = opened.json()
    assert (session["token_type"], session["reference"]) == ("Bearer", reference)
    assert session["access_token"].startswith("nwdt_")
    assert session["expires_in"] > 0
    bearer = {"Authorization": f"Bearer {session['access_token']}"}

    async def routed() -> dict[str, Any] | None:
        response = await gateway.get(f"/v1/cases/{reference}", headers=bearer)
        assert response.status_code in (200, 409), response.text  # 409: still being opened
        case: dict[str, Any] = response.json()
        return case if response.status_code == 200 and case["status"] == "routed" else None

    case = await eventually(routed, timeout=30, interval=0.2)
    assert case["institutions"][0]["institution_id"] == "ma-mediateur"

    posted = await gateway.post(
        f"/v1/cases/{reference}/messages",
        json={"body": "J'ai déposé ma demande au guichet de la commune le 3 mars."},
        headers=bearer,
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["author"] == "complainant"
    read = await gateway.get(f"/v1/cases/{reference}", headers=bearer)
    assert read.json()["messages"] == [posted.json()]

    # The session opens its own case only; ended, it opens nothing.
    elsewhere = await gateway.get(f"/v1/cases/{UNKNOWN_REFERENCE}", headers=bearer)
    assert elsewhere.status_code == 404
    ended = await gateway.delete(f"/v1/cases/{reference}/session", headers=bearer)
    assert ended.status_code == 204
    after = await gateway.get(f"/v1/cases/{reference}", headers=bearer)
    assert after.status_code == 401
    assert after.json()["type"] == "/problems/invalid-token"
