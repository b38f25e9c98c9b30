"""An institution declines an opened case without naming anyone; routing decides again."""

from __future__ import annotations

from typing import Any

import httpx

from nowrongdoor.testing.apps import eventually

from .conftest import Platform
from .test_case_lifecycle import institution
from .test_complaint_to_case import complaint, file, follow_until


def brussels_regional_complaint() -> dict[str, Any]:
    """A Brussels regional body: the Flemish and the Walloon ombudsmen are both competent."""
    body = complaint(language="en")
    body["respondent"] = {
        "name": "A regional housing office in Brussels",
        "type": "regional-administration",
        "territory": "BE-BRU",
    }
    return body


async def test_a_case_declined_without_a_name_reaches_the_institution_routing_chooses_next(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    accepted = await file(gateway, brussels_regional_complaint())
    reference, receipt = accepted["reference"], accepted["receipt"]
    as_complainant = {"X-Receipt": receipt}
    # The facts alone do not say which leads: the country's desk chooses the Walloon ombudsman.
    await follow_until(gateway, accepted, "triage")
    desk = await institution(platform, gateway, "be-federal")
    chose = await gateway.post(
        f"/v1/triage/{reference}/decision",
        json={
            "lead_institution_id": "be-wallonie",
            "associated_institution_ids": [],
            "reason": "The housing office reports to the Walloon region.",
        },
        headers=desk.headers,
    )
    assert chose.status_code == 200, chose.text
    routed = await follow_until(gateway, accepted, "routed")
    wallonie = await institution(platform, gateway, "be-wallonie")
    vlaanderen = await institution(platform, gateway, "be-vlaanderen")
    _, etag = await wallonie.read(reference)
    reason = "The office belongs to the Flemish Community, not to us."

    declined = await gateway.post(
        f"/v1/cases/{reference}/transfer",
        json={"reason": reason},
        headers=wallonie.headers | {"If-Match": etag},
    )

    async def with_the_next_institution() -> dict[str, Any] | None:
        response = await gateway.get(f"/v1/cases/{reference}", headers=as_complainant)
        assert response.status_code == 200, response.text
        case: dict[str, Any] = response.json()
        ids = [i["institution_id"] for i in case["institutions"]]
        return case if case["status"] == "routed" and "be-vlaanderen" in ids else None

    followed = await eventually(with_the_next_institution, timeout=30, interval=0.2)

    async def vlaanderen_reads_the_complaint() -> bool:
        path = f"/v1/cases/{reference}/complaint"
        return (await gateway.get(path, headers=vlaanderen.headers)).status_code == 200

    async def wallonie_reads_it_no_more() -> bool:
        path = f"/v1/cases/{reference}/complaint"
        return (await gateway.get(path, headers=wallonie.headers)).status_code == 404

    assert [i["institution_id"] for i in routed["institutions"]] == ["be-wallonie"]
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "received"
    # The same reference, opened by the same receipt, now at the institution routing chose.
    assert followed["reference"] == reference
    assert [(i["institution_id"], i["role"]) for i in followed["institutions"]] == [
        ("be-vlaanderen", "lead")
    ]
    summaries = [entry["summary"] for entry in followed["timeline"]]
    transferred = next(i for i, s in enumerate(summaries) if s.startswith("Transferred by"))
    wallonie_name = routed["institutions"][0]["name"]
    vlaanderen_name = followed["institutions"][0]["name"]
    assert summaries[transferred].startswith(f"Transferred by {wallonie_name}")
    assert summaries[transferred].endswith(reason)
    assert summaries[transferred + 1].startswith(f"Routed to {vlaanderen_name}")
    # The complainant is told why, and by whom, in their own language.
    assert followed["explanation"].startswith(
        f"{wallonie_name} found your complaint outside its competence and handed it on."
    )
    assert vlaanderen_name in followed["explanation"]
    assert await eventually(vlaanderen_reads_the_complaint)
    assert await eventually(wallonie_reads_it_no_more)
    taken, _ = await vlaanderen.read(reference)
    assert taken["reference"] == reference
    assert (await vlaanderen.step(reference, status="acknowledged")).status_code == 200
    # The institution that declined sees where the case went, and can no longer work it.
    seen_by_wallonie, _ = await wallonie.read(reference)
    assert [i["institution_id"] for i in seen_by_wallonie["institutions"]] == ["be-vlaanderen"]
    assert (await wallonie.step(reference, status="acknowledged")).status_code == 409
