"""Accredited NGOs at the public edge, over a stand-in routing: who may do what, what they see."""

import base64
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from nowrongdoor.contracts.accreditations import AccreditationApplication

from ..api_clients import access_token, bearer, register
from ..fakes import FakeServices
from ..fakes.accreditations import CRITERIA

READ_WRITE = ("accreditations:read", "accreditations:write")
APPLICATION = {
    "institution_id": "fr-hatvp",
    "ngo_name": "Sherpa",
    "answers": [{"criterion_id": "anti-corruption-purpose", "answer": "Article 2."}],
}
GRANT = {
    "scope": {"categories": ["integrity"], "territories": ["FR"]},
    "expires_on": "2027-12-31",
}


async def token(
    app: FastAPI, client: httpx.AsyncClient, kind: str, organisation: str, *scopes: str
) -> dict[str, str]:
    registered = await register(app, kind=kind, institution=organisation, scopes=scopes)
    return bearer(await access_token(client, registered))


@pytest.fixture
async def sherpa(app: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
    return await token(app, client, "ngo", "fr-sherpa", *READ_WRITE)


@pytest.fixture
async def hatvp(app: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
    return await token(app, client, "institution", "fr-hatvp", *READ_WRITE)


async def applied(client: httpx.AsyncClient, headers: dict[str, str], **changes: Any) -> str:
    response = await client.post("/v1/accreditations", json=APPLICATION | changes, headers=headers)
    assert response.status_code == 201, response.text
    accreditation_id: str = response.json()["id"]
    return accreditation_id


async def test_anyone_reads_an_institutions_criteria(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    response = await client.get("/v1/institutions/fr-hatvp/accreditation-criteria")
    unknown = await client.get("/v1/institutions/xx-nobody/accreditation-criteria")

    assert response.status_code == 200
    assert response.json()["criteria"] == [c.model_dump(mode="json") for c in CRITERIA]
    assert response.headers["cache-control"].startswith("public")
    assert unknown.status_code == 404
    assert services.routing.calls[0].caller.kind == "public"


async def test_an_institution_publishes_its_criteria_and_an_ngo_may_not(
    client: httpx.AsyncClient,
    sherpa: dict[str, str],
    hatvp: dict[str, str],
    services: FakeServices,
) -> None:
    change = {"criteria": [{"id": "independence", "text": {"fr": "Indépendante."}}]}
    path = "/v1/institutions/fr-hatvp/accreditation-criteria"

    by_ngo = await client.put(path, json=change, headers=sherpa)
    anonymous = await client.put(path, json=change)
    published = await client.put(path, json=change, headers=hatvp)

    assert by_ngo.status_code == 403
    assert anonymous.status_code == 401
    assert published.status_code == 200
    assert (await client.get(path)).json()["criteria"][0]["id"] == "independence"
    assert [call.operation for call in services.routing.calls][:1] == [
        "publish_accreditation_criteria"
    ]


async def test_an_ngo_applies_as_itself_and_follows_its_application(
    client: httpx.AsyncClient, sherpa: dict[str, str], services: FakeServices
) -> None:
    accreditation_id = await applied(client, sherpa)

    mine = await client.get("/v1/accreditations", headers=sherpa)
    one = await client.get(f"/v1/accreditations/{accreditation_id}", headers=sherpa)

    assert [a["id"] for a in mine.json()] == [accreditation_id]
    assert one.json()["status"] == "applied"
    assert one.json()["ngo_id"] == "fr-sherpa"
    assert one.headers["cache-control"] == "no-store"
    [asked] = [call for call in services.routing.calls if call.operation.startswith("apply")]
    assert asked.caller.institution_id == "fr-sherpa"
    assert asked.sent == AccreditationApplication.model_validate(APPLICATION)


async def test_only_an_ngo_with_the_scope_applies(
    app: FastAPI, client: httpx.AsyncClient, hatvp: dict[str, str], services: FakeServices
) -> None:
    unscoped = await token(app, client, "ngo", "fr-sherpa", "accreditations:read")

    by_institution = await client.post("/v1/accreditations", json=APPLICATION, headers=hatvp)
    by_unscoped = await client.post("/v1/accreditations", json=APPLICATION, headers=unscoped)
    anonymous = await client.post("/v1/accreditations", json=APPLICATION)

    assert by_institution.status_code == 403
    assert by_institution.json()["type"] == "/problems/wrong-client-kind"
    assert by_unscoped.status_code == 403
    assert by_unscoped.json()["type"] == "/problems/insufficient-scope"
    assert anonymous.status_code == 401
    assert services.routing.calls == []


async def test_a_second_pending_application_is_routings_409(
    client: httpx.AsyncClient, sherpa: dict[str, str]
) -> None:
    await applied(client, sherpa)

    again = await client.post("/v1/accreditations", json=APPLICATION, headers=sherpa)

    assert again.status_code == 409
    assert again.json()["type"] == "/problems/application-pending"


async def test_the_institution_grants_suspends_and_revokes_and_the_ngo_reads_each_step(
    client: httpx.AsyncClient, sherpa: dict[str, str], hatvp: dict[str, str]
) -> None:
    accreditation_id = await applied(client, sherpa)
    path = f"/v1/accreditations/{accreditation_id}"

    grant = await client.post(f"{path}/grant", json=GRANT, headers=hatvp)
    suspend = await client.post(f"{path}/suspend", json={"reason": "Late report."}, headers=hatvp)
    revoke = await client.post(f"{path}/revoke", json={"reason": "Not independent."}, headers=hatvp)

    assert [r.status_code for r in (grant, suspend, revoke)] == [200, 200, 200]
    assert grant.json()["allowed"] == ["suspend", "renew", "revoke"]
    seen = (await client.get(path, headers=sherpa)).json()
    assert seen["status"] == "revoked"
    assert [(s["action"], s["reason"]) for s in seen["history"]] == [
        ("apply", None),
        ("grant", None),
        ("suspend", "Late report."),
        ("revoke", "Not independent."),
    ]


async def test_an_illegal_step_is_409_naming_the_allowed_ones(
    client: httpx.AsyncClient, sherpa: dict[str, str], hatvp: dict[str, str]
) -> None:
    accreditation_id = await applied(client, sherpa)

    response = await client.post(
        f"/v1/accreditations/{accreditation_id}/reinstate", json={}, headers=hatvp
    )

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/illegal-transition"
    assert [e["message"] for e in response.json()["errors"]] == ["grant", "refuse"]


async def test_an_ngo_never_decides_even_on_its_own_accreditation(
    client: httpx.AsyncClient, sherpa: dict[str, str], services: FakeServices
) -> None:
    accreditation_id = await applied(client, sherpa)

    response = await client.post(
        f"/v1/accreditations/{accreditation_id}/grant", json=GRANT, headers=sherpa
    )

    assert response.status_code == 403
    assert response.json()["type"] == "/problems/wrong-client-kind"
    assert services.count("decide_accreditation") == 0


async def test_an_ngo_never_sees_another_ngos_applications(
    app: FastAPI, client: httpx.AsyncClient, sherpa: dict[str, str]
) -> None:
    accreditation_id = await applied(client, sherpa)
    other = await token(app, client, "ngo", "ma-transparency-maroc", *READ_WRITE)

    listed = await client.get("/v1/accreditations", headers=other)
    one = await client.get(f"/v1/accreditations/{accreditation_id}", headers=other)
    unknown = await client.get(
        "/v1/accreditations/acc-00000000000000000000000000000000", headers=other
    )

    assert listed.json() == []
    assert one.status_code == unknown.status_code == 404
    assert one.json() == unknown.json()


async def test_an_institution_never_sees_nor_decides_another_institutions_accreditations(
    app: FastAPI, client: httpx.AsyncClient, sherpa: dict[str, str], hatvp: dict[str, str]
) -> None:
    accreditation_id = await applied(client, sherpa)
    inpplc = await token(app, client, "institution", "ma-inpplc", *READ_WRITE)

    listed = await client.get("/v1/accreditations", headers=inpplc)
    one = await client.get(f"/v1/accreditations/{accreditation_id}", headers=inpplc)
    grant = await client.post(
        f"/v1/accreditations/{accreditation_id}/grant", json=GRANT, headers=inpplc
    )

    assert listed.json() == []
    assert one.status_code == grant.status_code == 404
    seen = await client.get(f"/v1/accreditations/{accreditation_id}", headers=hatvp)
    assert seen.json()["status"] == "applied"


async def test_reading_accreditations_needs_a_token_and_the_scope(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    unscoped = await token(app, client, "institution", "fr-hatvp", "cases:read")

    anonymous = await client.get("/v1/accreditations")
    without_scope = await client.get("/v1/accreditations", headers=unscoped)

    assert anonymous.status_code == 401
    assert without_scope.status_code == 403
    assert without_scope.json()["type"] == "/problems/insufficient-scope"


async def test_the_public_list_shows_only_granted_accreditations_not_expired(
    app: FastAPI,
    client: httpx.AsyncClient,
    hatvp: dict[str, str],
    services: FakeServices,
) -> None:
    async def accredited(organisation: str, name: str, **grant: Any) -> str:
        headers = await token(app, client, "ngo", organisation, *READ_WRITE)
        accreditation_id = await applied(client, headers, ngo_name=name)
        response = await client.post(
            f"/v1/accreditations/{accreditation_id}/grant", json=GRANT | grant, headers=hatvp
        )
        assert response.status_code == 200, response.text
        return accreditation_id

    await accredited("fr-sherpa", "Sherpa")
    await accredited("fr-short", "Short-lived", expires_on="2026-12-31")
    suspended = await accredited("fr-suspended", "Suspended")
    await client.post(
        f"/v1/accreditations/{suspended}/suspend", json={"reason": "Late."}, headers=hatvp
    )
    pending = await token(app, client, "ngo", "fr-pending", *READ_WRITE)
    await applied(client, pending, ngo_name="Pending")
    services.routing.today = date(2027, 1, 1)

    response = await client.get("/v1/institutions/fr-hatvp/accredited-ngos")

    assert response.status_code == 200
    assert response.json() == [
        {
            "ngo_id": "fr-sherpa",
            "name": "Sherpa",
            "scope": GRANT["scope"],
            "since": "2026-12-03",
            "until": "2027-12-31",
        }
    ]
    assert response.headers["cache-control"].startswith("public")


# --- Evidence -----------------------------------------------------------------------------------

STATUTES = b"Article 2 : la lutte contre la corruption.\n"


def with_evidence(content: bytes) -> dict[str, Any]:
    statutes = {"filename": "statuts.txt", "content": base64.b64encode(content).decode()}
    answer = {"criterion_id": "anti-corruption-purpose", "answer": "Article 2."}
    return APPLICATION | {"answers": [answer | {"attachments": [statutes]}]}


async def applied_with_evidence(
    client: httpx.AsyncClient, sherpa: dict[str, str], content: bytes = STATUTES
) -> tuple[str, dict[str, Any]]:
    response = await client.post("/v1/accreditations", json=with_evidence(content), headers=sherpa)
    assert response.status_code == 201, response.text
    [attachment] = response.json()["answers"][0]["attachments"]
    return response.json()["id"], attachment


async def test_the_ngo_and_the_institution_read_the_evidence_listed_beside_its_answer(
    client: httpx.AsyncClient,
    sherpa: dict[str, str],
    hatvp: dict[str, str],
    services: FakeServices,
) -> None:
    accreditation_id, attachment = await applied_with_evidence(client, sherpa)
    path = f"/v1/accreditations/{accreditation_id}/attachments/{attachment['id']}"

    seen_by_hatvp = await client.get(f"/v1/accreditations/{accreditation_id}", headers=hatvp)
    by_hatvp = await client.get(path, headers=hatvp)
    by_sherpa = await client.get(path, headers=sherpa)

    assert seen_by_hatvp.json()["answers"][0]["attachments"] == [attachment]
    assert set(attachment) == {"id", "name", "media_type", "size", "metadata_removed"}
    assert attachment["name"] == "anti-corruption-purpose-1.txt"
    assert attachment["size"] == len(STATUTES)
    for download in (by_hatvp, by_sherpa):
        assert (download.status_code, download.content) == (200, STATUTES)
        assert download.headers["content-type"].startswith("text/plain")
        assert download.headers["x-attachment-name"] == "anti-corruption-purpose-1.txt"
        assert download.headers["content-disposition"] == (
            'attachment; filename="anti-corruption-purpose-1.txt"'
        )
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["cache-control"] == "no-store"
        assert "sandbox" in download.headers["content-security-policy"]
    [asked] = [call for call in services.routing.calls if call.operation.startswith("apply")]
    assert isinstance(asked.sent, AccreditationApplication)
    assert asked.sent.answers[0].attachments[0].content == STATUTES


async def test_another_ngo_and_another_institution_get_the_evidence_like_no_file(
    app: FastAPI, client: httpx.AsyncClient, sherpa: dict[str, str]
) -> None:
    accreditation_id, attachment = await applied_with_evidence(client, sherpa)
    other_ngo = await token(app, client, "ngo", "ma-transparency-maroc", *READ_WRITE)
    inpplc = await token(app, client, "institution", "ma-inpplc", *READ_WRITE)
    path = f"/v1/accreditations/{accreditation_id}/attachments/{{}}"
    unknown_file = await client.get(path.format("a-0000000000000000"), headers=sherpa)

    for stranger in (other_ngo, inpplc):
        theirs = await client.get(path.format(attachment["id"]), headers=stranger)
        assert (theirs.status_code, theirs.json()) == (404, unknown_file.json())
        assert theirs.content != STATUTES
    assert unknown_file.json()["detail"] == "No attachment with this id."


async def test_reading_evidence_needs_a_token_and_the_scope(
    app: FastAPI, client: httpx.AsyncClient, sherpa: dict[str, str], services: FakeServices
) -> None:
    accreditation_id, attachment = await applied_with_evidence(client, sherpa)
    path = f"/v1/accreditations/{accreditation_id}/attachments/{attachment['id']}"
    unscoped = await token(app, client, "institution", "fr-hatvp", "cases:read")

    anonymous = await client.get(path)
    without_scope = await client.get(path, headers=unscoped)
    malformed = await client.get(
        f"/v1/accreditations/{accreditation_id}/attachments/statuts.pdf", headers=sherpa
    )

    assert anonymous.status_code == 401
    assert without_scope.status_code == 403
    assert malformed.status_code == 422
    assert services.count("accreditation_attachment") == 0


async def test_an_application_may_carry_files_past_the_ordinary_body_limit(
    client: httpx.AsyncClient, sherpa: dict[str, str]
) -> None:
    large = b"Comptes annuels 2025.\n" * 70_000  # 1.5 MB, over the 1 MB general limit

    _, attachment = await applied_with_evidence(client, sherpa, large)

    assert attachment["size"] == len(large)


async def test_evidence_that_is_not_base64_is_a_422_naming_it_and_reaches_no_service(
    client: httpx.AsyncClient, sherpa: dict[str, str], services: FakeServices
) -> None:
    body = with_evidence(STATUTES)
    body["answers"][0]["attachments"][0]["content"] = "not base64!"

    response = await client.post("/v1/accreditations", json=body, headers=sherpa)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["answers.0.attachments.0.content"]
    assert services.routing.calls == []


async def test_the_openapi_document_describes_the_evidence_route(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    route = paths["/v1/accreditations/{accreditation_id}/attachments/{attachment_id}"]["get"]
    applying = paths["/v1/accreditations"]["post"]

    assert {"200", "401", "403", "404", "422", "503"} <= set(route["responses"])
    assert "application/pdf" in route["responses"]["200"]["content"]
    assert (
        route["responses"]["404"]["content"]["application/problem+json"]["example"]["detail"]
        == "No attachment with this id."
    )
    assert "not taken yet" not in applying["description"]
    assert "attachments" in applying["description"]
