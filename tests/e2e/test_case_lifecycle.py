"""An institution works a case to closure while the anonymous complainant follows and talks."""

from __future__ import annotations

from typing import Any

import httpx

from nowrongdoor.testing.apps import eventually

from .conftest import Platform
from .test_complaint_to_case import complaint, file, follow_until
from .test_triage_decision import token


class Institution:
    """One institution's client, speaking to the gateway with its token and the case's ETag."""

    def __init__(self, gateway: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.gateway = gateway
        self.headers = headers

    async def read(self, reference: str) -> tuple[dict[str, Any], str]:
        response = await self.gateway.get(f"/v1/cases/{reference}", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json(), response.headers["etag"]

    async def step(self, reference: str, **change: Any) -> httpx.Response:
        _, etag = await self.read(reference)
        return await self.gateway.post(
            f"/v1/cases/{reference}/status", json=change, headers=self.headers | {"If-Match": etag}
        )


async def institution(platform: Platform, gateway: httpx.AsyncClient, name: str) -> Institution:
    client = platform.create_client("institution", name, "cases:read", "cases:write")
    return Institution(gateway, await token(gateway, *client))


async def test_a_case_is_worked_to_closure_while_the_complainant_talks_with_the_institution(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    accepted = await file(gateway, complaint())
    reference, as_complainant = accepted["reference"], {"X-Receipt": accepted["receipt"]}
    routed = await follow_until(gateway, accepted, "routed")
    mediateur = await institution(platform, gateway, "ma-mediateur")
    _, etag = await mediateur.read(reference)
    path = f"/v1/cases/{reference}/status"

    unconditional = await gateway.post(
        path, json={"status": "acknowledged"}, headers=mediateur.headers
    )
    too_early = await mediateur.step(reference, status="resolved", outcome="upheld", reason="x")
    acknowledged = await gateway.post(
        path, json={"status": "acknowledged"}, headers=mediateur.headers | {"If-Match": etag}
    )
    stale = await gateway.post(
        path, json={"status": "admissible"}, headers=mediateur.headers | {"If-Match": etag}
    )

    assert {p["standard"] for p in routed["promised"]} >= {"acknowledge"}
    assert all(p["due"] for p in routed["promised"] if p["standard"] == "acknowledge")
    assert unconditional.status_code == 428, unconditional.text
    assert too_early.status_code == 409, too_early.text
    assert "acknowledged" in too_early.json()["detail"]
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.headers["etag"] != etag
    assert stale.status_code == 412, stale.text

    written = await gateway.post(
        f"/v1/cases/{reference}/messages",
        json={"body": "Voici le numéro de dossier : 4411-B."},
        headers=as_complainant,
    )
    answer = await gateway.post(
        f"/v1/cases/{reference}/messages",
        json={"body": "Merci, nous l'avons reçu.", "audience": "complainant"},
        headers=mediateur.headers,
    )
    note = await gateway.post(
        f"/v1/cases/{reference}/messages",
        json={"body": "Vérifier auprès de la commune.", "audience": "internal"},
        headers=mediateur.headers,
    )
    for status in ("admissible", "investigating"):
        moved = await mediateur.step(reference, status=status)
        assert moved.status_code == 200, moved.text
    resolved = await mediateur.step(
        reference, status="resolved", outcome="upheld", reason="La commune a délivré l'acte."
    )
    closed = await mediateur.step(reference, status="closed")
    seen_by_staff, _ = await mediateur.read(reference)
    followed = await follow_until(gateway, accepted, "closed")

    assert written.status_code == answer.status_code == note.status_code == 201
    assert [m["body"] for m in seen_by_staff["messages"]] == [
        "Voici le numéro de dossier : 4411-B.",
        "Merci, nous l'avons reçu.",
        "Vérifier auprès de la commune.",
    ]
    assert [m["body"] for m in followed["messages"]] == [
        "Voici le numéro de dossier : 4411-B.",
        "Merci, nous l'avons reçu.",
    ]
    assert all(
        m["at"].endswith(":00Z") or m["at"].endswith(":00+00:00") for m in followed["messages"]
    )
    assert resolved.status_code == closed.status_code == 200
    assert (followed["outcome"], followed["outcome_reason"]) == (
        "upheld",
        "La commune a délivré l'acte.",
    )
    kinds = [entry["kind"] for entry in followed["timeline"]]
    assert kinds[:2] == ["received", "routed"]
    assert "closed" in kinds


async def test_the_complainant_withdraws_and_another_institution_cannot_touch_the_case(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    accepted = await file(gateway, complaint())
    reference, as_complainant = accepted["reference"], {"X-Receipt": accepted["receipt"]}
    await follow_until(gateway, accepted, "routed")
    outsider = await institution(platform, gateway, "ma-cndh")

    read_by_outsider = await gateway.get(f"/v1/cases/{reference}", headers=outsider.headers)
    written_by_outsider = await gateway.post(
        f"/v1/cases/{reference}/messages", json={"body": "Bonjour"}, headers=outsider.headers
    )
    wrong_receipt = await gateway.post(
        f"/v1/cases/{reference}/withdraw", json={}, headers={"X-Receipt": "0" * 16}
    )
    withdrawn = await gateway.post(
        f"/v1/cases/{reference}/withdraw", json={}, headers=as_complainant
    )

    assert read_by_outsider.status_code == written_by_outsider.status_code == 404
    assert wrong_receipt.status_code == 404
    assert withdrawn.status_code == 200, withdrawn.text
    assert (await follow_until(gateway, accepted, "withdrawn"))["status"] == "withdrawn"


async def test_a_case_transferred_after_opening_keeps_its_reference_and_receipt(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    accepted = await file(gateway, complaint())
    reference = accepted["reference"]
    await follow_until(gateway, accepted, "routed")
    mediateur = await institution(platform, gateway, "ma-mediateur")
    cndh = await institution(platform, gateway, "ma-cndh")
    _, etag = await mediateur.read(reference)

    moved = await gateway.post(
        f"/v1/cases/{reference}/transfer",
        json={"reason": "Il s'agit d'une atteinte aux droits.", "to_institution_id": "ma-cndh"},
        headers=mediateur.headers | {"If-Match": etag},
    )

    async def with_cndh() -> dict[str, Any] | None:
        response = await gateway.get(
            f"/v1/cases/{reference}", headers={"X-Receipt": accepted["receipt"]}
        )
        case: dict[str, Any] = response.json()
        ids = [i["institution_id"] for i in case["institutions"]]
        return case if "ma-cndh" in ids and "ma-mediateur" not in ids else None

    followed = await eventually(with_cndh)
    taken, _ = await cndh.read(reference)

    async def cndh_reads_the_complaint() -> bool:
        path = f"/v1/cases/{reference}/complaint"
        return (await gateway.get(path, headers=cndh.headers)).status_code == 200

    assert await eventually(cndh_reads_the_complaint)
    declined = await gateway.get(f"/v1/cases/{reference}/complaint", headers=mediateur.headers)
    assert declined.status_code == 404

    assert moved.status_code == 200, moved.text
    assert followed["reference"] == reference
    assert "Il s'agit d'une atteinte aux droits." in str(followed["timeline"])
    assert taken["reference"] == reference


async def test_two_institutions_work_a_joint_case_to_closure_with_an_anonymous_official(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    body = complaint(
        description="Un élu a attribué un marché à l'entreprise de son frère sans appel d'offres.",
        category="integrity",
        respondent={"name": "Un élu régional", "type": "public-official", "territory": "FR-IDF"},
        complainant={"role": "public-official", "anonymous": True},
    )
    accepted = await file(gateway, body)
    reference, as_complainant = accepted["reference"], {"X-Receipt": accepted["receipt"]}
    routed = await follow_until(gateway, accepted, "routed")
    hatvp = await institution(platform, gateway, "fr-hatvp")
    ddd = await institution(platform, gateway, "fr-ddd")
    messages = f"/v1/cases/{reference}/messages"

    for part in (hatvp, ddd):
        acknowledged = await part.step(reference, status="acknowledged")
        assert acknowledged.status_code == 200, acknowledged.text
    asked = await gateway.post(
        messages, json={"body": "Je peux fournir le contrat signé."}, headers=as_complainant
    )
    shared = await gateway.post(
        messages,
        json={"body": "La HATVP instruit le conflit d'intérêts.", "audience": "institutions"},
        headers=hatvp.headers,
    )
    for status in ("admissible", "investigating"):
        assert (await hatvp.step(reference, status=status)).status_code == 200
    resolved = await hatvp.step(
        reference, status="resolved", outcome="upheld", reason="Le conflit d'intérêts est établi."
    )
    halfway = (await gateway.get(f"/v1/cases/{reference}", headers=as_complainant)).json()
    seen_by_ddd, _ = await ddd.read(reference)
    for status in ("admissible", "investigating"):
        assert (await ddd.step(reference, status=status)).status_code == 200
    assert (
        await ddd.step(
            reference, status="resolved", outcome="partly-upheld", reason="Alerte protégée."
        )
    ).status_code == 200
    for part in (hatvp, ddd):
        closed = await part.step(reference, status="closed")
        assert closed.status_code == 200, closed.text
    followed = await follow_until(gateway, accepted, "closed")

    assert [(i["institution_id"], i["role"]) for i in routed["institutions"]] == [
        ("fr-hatvp", "lead"),
        ("fr-ddd", "associated"),
    ]
    assert asked.status_code == shared.status_code == 201
    assert resolved.status_code == 200, resolved.text
    assert halfway["status"] == "acknowledged"  # the case follows its slowest part
    assert "La HATVP instruit le conflit d'intérêts." in [
        m["body"] for m in seen_by_ddd["messages"]
    ]
    assert [m["body"] for m in followed["messages"]] == ["Je peux fournir le contrat signé."]
    assert {p["standard"] for p in followed["promised"]} == {
        "acknowledge",
        "admissibility",
        "resolution",
    }
    assert {p["institution_id"] for p in followed["promised"]} == {"fr-hatvp", "fr-ddd"}
