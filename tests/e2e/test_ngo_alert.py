"""An NGO is accredited by the HATVP, relays an alert for a person who stays anonymous to it, and
the two talk through the case until it is closed; an accreditation not in force carries nothing."""

from __future__ import annotations

from typing import Any

import httpx

from nowrongdoor.testing.apps import eventually

from .conftest import Platform
from .test_case_lifecycle import Institution
from .test_complaint_to_case import complaint, follow_until
from .test_triage_decision import token

ACCREDITING = ("accreditations:read", "accreditations:write")
WORKING = ("cases:read", "cases:write")


def alert(accreditation_id: str, **overrides: Any) -> dict[str, Any]:
    """A mayor's conflict of interest, reported by someone who will only speak to the NGO."""
    body = complaint(
        description="The mayor awarded the school canteen contract to his brother-in-law's firm.",
        category="integrity",
        respondent={
            "name": "Maire de la commune",
            "type": "public-official",
            "territory": "FR-IDF",
        },
        complainant={"role": "ngo", "anonymous": True},
        accreditation_id=accreditation_id,
    )
    return body | overrides


async def accredited(
    gateway: httpx.AsyncClient, hatvp: dict[str, str], ngo: dict[str, str], name: str = "Anticor"
) -> str:
    """The NGO applies to the HATVP, answering each published criterion; the HATVP grants."""
    criteria = (await gateway.get("/v1/institutions/fr-hatvp/accreditation-criteria")).json()
    answers = [
        {"criterion_id": c["id"], "answer": "See our statutes, article 2."}
        for c in criteria["criteria"]
    ]
    applied = await gateway.post(
        "/v1/accreditations",
        json={"institution_id": "fr-hatvp", "ngo_name": name, "answers": answers},
        headers=ngo,
    )
    assert applied.status_code == 201, applied.text
    accreditation_id: str = applied.json()["id"]
    grant = {
        "scope": {"categories": ["integrity", "corruption"], "territories": ["FR"]},
        "expires_on": "2099-12-31",
    }
    granted = await gateway.post(
        f"/v1/accreditations/{accreditation_id}/grant", json=grant, headers=hatvp
    )
    assert granted.status_code == 200, granted.text
    return accreditation_id


async def relayed(institution: Institution, reference: str) -> dict[str, Any]:
    """The case once case tracking has the complaint's facts: `complaint.routed` can reach it
    before `complaint.received`, and the relaying NGO comes with the latter."""

    async def with_facts() -> dict[str, Any] | None:
        case, _ = await institution.read(reference)
        return case if case["relayed_by"] is not None else None

    return await eventually(with_facts, timeout=30, interval=0.2)


async def test_an_accredited_ngo_relays_an_alert_and_talks_with_the_institution_to_closure(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    hatvp_headers = await token(
        gateway, *platform.create_client("institution", "fr-hatvp", *ACCREDITING, *WORKING)
    )
    ngo = await token(
        gateway,
        *platform.create_client("ngo", "fr-anticor", "complaints:write", *ACCREDITING, *WORKING),
    )
    another_ngo = await token(gateway, *platform.create_client("ngo", "fr-sherpa", *WORKING))
    hatvp = Institution(gateway, hatvp_headers)
    accreditation_id = await accredited(gateway, hatvp_headers, ngo)

    filed = await gateway.post("/v1/complaints", json=alert(accreditation_id), headers=ngo)
    assert filed.status_code == 201, filed.text
    accepted = filed.json()
    reference = accepted["reference"]
    await follow_until(gateway, accepted, "routed")

    case = await relayed(hatvp, reference)
    complaint_read = await gateway.get(f"/v1/cases/{reference}/complaint", headers=hatvp_headers)
    assert case["relayed_by"] == {
        "ngo_id": "fr-anticor",
        "ngo_name": "Anticor",
        "accreditation_id": accreditation_id,
        "accredited_by": "fr-hatvp",
    }
    assert [(p["institution_id"], p["relay_accredited"]) for p in case["parts"]] == [
        ("fr-hatvp", True)
    ]
    assert complaint_read.status_code == 200, complaint_read.text
    assert complaint_read.json()["channel"] == "ngo"
    assert complaint_read.json()["identity"] is None

    question = "Could the person send the council's award decision?"
    asked = await gateway.post(
        f"/v1/cases/{reference}/messages",
        json={"body": question, "audience": "complainant"},
        headers=hatvp_headers,
    )
    assert asked.status_code == 201, asked.text

    async def relayed_question() -> dict[str, Any] | None:
        response = await gateway.get(f"/v1/cases/{reference}", headers=ngo)
        assert response.status_code == 200, response.text
        seen: dict[str, Any] = response.json()
        return seen if seen["messages"] else None

    seen_by_ngo = await eventually(relayed_question, timeout=30, interval=0.2)

    async def told_in_its_inbox() -> list[dict[str, Any]] | None:
        response = await gateway.get("/v1/inbox", headers=ngo)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return [i for i in items if i["kind"] == "message-received"] or None

    (told,) = await eventually(told_in_its_inbox, timeout=30, interval=0.2)
    assert told["reference"] == reference
    answer = "The person sent us the decision of 12 May; it names the brother-in-law's firm."
    answered = await gateway.post(
        f"/v1/cases/{reference}/messages",
        json={"body": answer, "audience": "complainant"},
        headers=ngo,
    )
    for status in ("acknowledged", "admissible", "investigating"):
        moved = await hatvp.step(reference, status=status)
        assert moved.status_code == 200, moved.text
    resolved = await hatvp.step(
        reference, status="resolved", outcome="upheld", reason="Referred to the prosecutor."
    )
    closed = await hatvp.step(reference, status="closed")
    by_hatvp, _ = await hatvp.read(reference)
    listed = await gateway.get("/v1/cases", headers=ngo)
    final = await gateway.get(f"/v1/cases/{reference}", headers=ngo)
    not_theirs = await gateway.get(f"/v1/cases/{reference}", headers=another_ngo)
    unknown = await gateway.get("/v1/cases/NWD-0000000000AA", headers=another_ngo)

    assert [m["body"] for m in seen_by_ngo["messages"]] == [question]
    assert answered.status_code == 201, answered.text
    assert [(m["body"], m["relayed_by_ngo"]) for m in by_hatvp["messages"]] == [
        (question, None),
        (answer, "fr-anticor"),
    ]
    assert resolved.status_code == closed.status_code == 200
    assert [item["reference"] for item in listed.json()["items"]] == [reference]
    assert final.json()["status"] == "closed"
    assert final.json()["outcome"] == "upheld"
    assert not_theirs.status_code == unknown.status_code == 404
    assert not_theirs.json() == unknown.json()


async def test_an_alert_relying_on_an_accreditation_not_in_force_stores_nothing(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    hatvp = await token(gateway, *platform.create_client("institution", "fr-hatvp", *ACCREDITING))
    ngo = await token(
        gateway,
        *platform.create_client(
            "ngo", "fr-observatoire-ethique", "complaints:write", *ACCREDITING, *WORKING
        ),
    )
    accreditation_id = await accredited(gateway, hatvp, ngo, "Observatoire de l'éthique")

    outside = await gateway.post(
        "/v1/complaints", json=alert(accreditation_id, category="maladministration"), headers=ngo
    )
    suspended = await gateway.post(
        f"/v1/accreditations/{accreditation_id}/suspend",
        json={"reason": "The annual report is three months overdue."},
        headers=hatvp,
    )
    while_suspended = await gateway.post(
        "/v1/complaints", json=alert(accreditation_id), headers=ngo
    )
    listed = await gateway.get("/v1/cases", headers=ngo)

    assert outside.status_code == 422, outside.text
    assert outside.json()["type"].endswith("/accreditation-out-of-scope")
    assert [e["field"] for e in outside.json()["errors"]] == ["category"]
    assert suspended.status_code == 200, suspended.text
    assert while_suspended.status_code == 409, while_suspended.text
    assert while_suspended.json()["type"].endswith("/accreditation-suspended")
    assert "suspended" in while_suspended.json()["detail"]
    assert listed.json()["items"] == []


async def test_an_alert_for_an_institution_that_did_not_accredit_the_ngo_is_routed_and_marked(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    hatvp = await token(gateway, *platform.create_client("institution", "fr-hatvp", *ACCREDITING))
    ngo = await token(
        gateway,
        *platform.create_client(
            "ngo", "fr-lanceurs-alerte", "complaints:write", *ACCREDITING, *WORKING
        ),
    )
    ddd = Institution(
        gateway, await token(gateway, *platform.create_client("institution", "fr-ddd", *WORKING))
    )
    accreditation_id = await accredited(gateway, hatvp, ngo, "Maison des lanceurs d'alerte")
    # An administration's integrity, reported by one of its officials: the Défenseur des droits'.
    whistle = alert(
        accreditation_id,
        respondent={"name": "Préfecture", "type": "national-administration", "territory": "FR-IDF"},
        complainant={"role": "public-official", "anonymous": True},
    )

    filed = await gateway.post("/v1/complaints", json=whistle, headers=ngo)
    assert filed.status_code == 201, filed.text
    await follow_until(gateway, filed.json(), "routed")
    case = await relayed(ddd, filed.json()["reference"])

    assert case["relayed_by"]["accredited_by"] == "fr-hatvp"
    assert [(p["institution_id"], p["relay_accredited"]) for p in case["parts"]] == [
        ("fr-ddd", False)
    ]


async def test_once_its_accreditation_is_suspended_the_ngo_only_reads_until_withdrawn(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    hatvp_headers = await token(
        gateway, *platform.create_client("institution", "fr-hatvp", *ACCREDITING, *WORKING)
    )
    ngo = await token(
        gateway,
        *platform.create_client(
            "ngo", "fr-cercle-ethique", "complaints:write", *ACCREDITING, *WORKING
        ),
    )
    accreditation_id = await accredited(gateway, hatvp_headers, ngo, "Cercle d'éthique publique")
    filed = await gateway.post("/v1/complaints", json=alert(accreditation_id), headers=ngo)
    assert filed.status_code == 201, filed.text
    reference = filed.json()["reference"]
    await follow_until(gateway, filed.json(), "routed")
    suspended = await gateway.post(
        f"/v1/accreditations/{accreditation_id}/suspend",
        json={"reason": "The annual report is three months overdue."},
        headers=hatvp_headers,
    )
    assert suspended.status_code == 200, suspended.text

    async def writing_refused() -> bool:
        written = await gateway.post(
            f"/v1/cases/{reference}/messages",
            json={"body": "One more document from the person.", "audience": "complainant"},
            headers=ngo,
        )
        return written.status_code == 404

    await eventually(writing_refused, timeout=30, interval=0.5)
    still_read = await gateway.get(f"/v1/cases/{reference}", headers=ngo)
    withdrawn = await gateway.post(f"/v1/cases/{reference}/relay/withdrawal", headers=hatvp_headers)
    after = await gateway.get(f"/v1/cases/{reference}", headers=ngo)

    assert still_read.status_code == 200
    assert withdrawn.status_code == 204, withdrawn.text
    assert after.status_code == 404
