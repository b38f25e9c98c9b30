"""Joint cases through the gateway: invite, answer, leave, each with `If-Match` and the write
scope, and each another client's case answering as if it did not exist."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from nowrongdoor.contracts.cases import Invitation, InvitationAnswer, Leaving

from ..fakes import FakeServices
from .cases.parties import CNDH, MEDIATEUR, UNKNOWN, client_headers, institution_headers, routed

ASK_CNDH = {"institution_id": "ma-cndh", "reason": "A question of human rights."}
LEAVING = {"reason": "Not within our mandate after all."}


async def writer(app: FastAPI, client: httpx.AsyncClient, institution: str) -> dict[str, str]:
    return await institution_headers(app, client, institution, "cases:read", "cases:write")


async def tagged(client: httpx.AsyncClient, reference: str, headers: dict[str, str]) -> str:
    read = await client.get(f"/v1/cases/{reference}", headers=headers)
    assert read.status_code == 200, read.text
    return read.headers["etag"]


async def test_an_institution_asked_reads_the_case_without_messages_and_takes_part(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    mediateur, cndh = (
        await writer(app, client, "ma-mediateur"),
        await writer(app, client, "ma-cndh"),
    )
    await client.post(
        f"/v1/cases/{reference}/messages",
        json={"body": "Le numéro de dossier est 4411-B."},
        headers={"X-Receipt": receipt},
    )
    before = await client.get(f"/v1/cases/{reference}", headers=cndh)

    invited = await client.post(
        f"/v1/cases/{reference}/invitations",
        json=ASK_CNDH,
        headers=mediateur | {"If-Match": await tagged(client, reference, mediateur)},
    )
    asked = await client.get(f"/v1/cases/{reference}", headers=cndh)
    accepted = await client.post(
        f"/v1/cases/{reference}/invitation-answer",
        json={"accept": True},
        headers=cndh | {"If-Match": asked.headers["etag"]},
    )

    assert before.status_code == 404
    assert invited.status_code == 200, invited.text
    assert invited.headers["cache-control"] == "no-store"
    assert invited.headers["etag"] == asked.headers["etag"]
    assert [(i["institution_id"], i["status"]) for i in invited.json()["invitations"]] == [
        ("ma-cndh", "pending")
    ]
    [sent] = [call for call in services.cases.calls if call.operation == "invite"]
    assert (sent.sent, sent.caller.institution_id) == (
        Invitation.model_validate(ASK_CNDH),
        "ma-mediateur",
    )
    assert asked.status_code == 200
    assert asked.json()["messages"] == []
    assert accepted.status_code == 200, accepted.text
    assert accepted.headers["etag"] != asked.headers["etag"]
    assert [(i["institution_id"], i["role"]) for i in accepted.json()["institutions"]] == [
        ("ma-mediateur", "lead"),
        ("ma-cndh", "associated"),
    ]
    assert [m["body"] for m in accepted.json()["messages"]] == ["Le numéro de dossier est 4411-B."]
    answered = services.cases.calls[-1]
    assert (answered.operation, answered.sent, answered.if_match) == (
        "answer_invitation",
        InvitationAnswer(accept=True),
        asked.headers["etag"],
    )
    followed = await client.get(f"/v1/cases/{reference}", headers={"X-Receipt": receipt})
    assert followed.json().get("invitations") is None


async def test_an_institution_that_declines_then_finds_no_case(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _ = routed(services)
    mediateur, inpplc = (
        await writer(app, client, "ma-mediateur"),
        await writer(app, client, "ma-inpplc"),
    )
    ask = {"institution_id": "ma-inpplc", "reason": "Corruption may be involved."}
    await client.post(
        f"/v1/cases/{reference}/invitations",
        json=ask,
        headers=mediateur | {"If-Match": await tagged(client, reference, mediateur)},
    )
    tag = await tagged(client, reference, inpplc)
    path = f"/v1/cases/{reference}/invitation-answer"

    silent = await client.post(path, json={"accept": False}, headers=inpplc | {"If-Match": tag})
    declined = await client.post(
        path,
        json={"accept": False, "reason": "No corruption is alleged."},
        headers=inpplc | {"If-Match": tag},
    )
    afterwards = await client.get(f"/v1/cases/{reference}", headers=inpplc)
    unknown = await client.get(f"/v1/cases/{UNKNOWN}", headers=inpplc)

    assert silent.status_code == 422
    assert silent.json()["errors"][0]["field"] == "reason"
    assert declined.status_code == 200, declined.text
    assert declined.json()["invitations"][0]["status"] == "declined"
    assert (afterwards.status_code, afterwards.json()) == (404, unknown.json())
    as_lead = (await client.get(f"/v1/cases/{reference}", headers=mediateur)).json()
    assert as_lead["invitations"][0]["decline_reason"] == "No corruption is alleged."


async def test_an_institution_leaves_a_joint_case_and_the_last_one_cannot(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services, MEDIATEUR, CNDH)
    mediateur, cndh = (
        await writer(app, client, "ma-mediateur"),
        await writer(app, client, "ma-cndh"),
    )
    path = f"/v1/cases/{reference}/leave"

    left = await client.post(
        path,
        json=LEAVING,
        headers=mediateur | {"If-Match": await tagged(client, reference, mediateur)},
    )
    last = await client.post(
        path, json=LEAVING, headers=cndh | {"If-Match": await tagged(client, reference, cndh)}
    )

    assert left.status_code == 200, left.text
    assert [(i["institution_id"], i["role"]) for i in left.json()["institutions"]] == [
        ("ma-cndh", "lead")
    ]
    asked = [call for call in services.cases.calls if call.operation == "leave"]
    assert [call.caller.institution_id for call in asked] == ["ma-mediateur", "ma-cndh"]
    assert asked[0].sent == Leaving.model_validate(LEAVING)
    assert last.status_code == 409
    assert last.json()["type"] == "/problems/last-part"
    assert last.headers["cache-control"] == "no-store"
    followed = (await client.get(f"/v1/cases/{reference}", headers={"X-Receipt": receipt})).json()
    assert "Not within our mandate after all." in followed["timeline"][-1]["summary"]


CHANGES = [
    ("invitations", ASK_CNDH),
    ("invitation-answer", {"accept": True}),
    ("leave", LEAVING),
]


@pytest.mark.parametrize(("path", "body"), CHANGES, ids=[path for path, _ in CHANGES])
async def test_a_change_without_if_match_is_428_and_never_reaches_case_tracking(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices, path: str, body: dict[str, Any]
) -> None:
    reference, _ = routed(services)
    headers = await writer(app, client, "ma-mediateur")

    response = await client.post(f"/v1/cases/{reference}/{path}", json=body, headers=headers)

    assert response.status_code == 428
    assert response.json()["type"] == "/problems/precondition-required"
    assert services.cases.calls == []


@pytest.mark.parametrize(("path", "body"), CHANGES, ids=[path for path, _ in CHANGES])
async def test_a_stale_tag_is_412_and_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices, path: str, body: dict[str, Any]
) -> None:
    reference, _ = routed(services, MEDIATEUR, CNDH)
    headers = await writer(app, client, "ma-mediateur")
    if path == "invitation-answer":
        body = {"accept": True}
        await client.post(
            f"/v1/cases/{reference}/invitations",
            json={"institution_id": "ma-inpplc", "reason": "Corruption may be involved."},
            headers=headers | {"If-Match": await tagged(client, reference, headers)},
        )
        headers = await writer(app, client, "ma-inpplc")
    body = body | ({"institution_id": "fr-ddd"} if path == "invitations" else {})
    stale = '"1"'
    before = services.cases.tracked[reference].etag

    response = await client.post(
        f"/v1/cases/{reference}/{path}", json=body, headers=headers | {"If-Match": stale}
    )

    assert response.status_code == 412
    assert response.json()["type"] == "/problems/precondition-failed"
    assert services.cases.tracked[reference].etag == before


@pytest.mark.parametrize(("path", "body"), CHANGES, ids=[path for path, _ in CHANGES])
async def test_only_an_institution_client_with_the_write_scope_may_change(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices, path: str, body: dict[str, Any]
) -> None:
    reference, _ = routed(services)
    reader = await institution_headers(app, client, "ma-mediateur", "cases:read")
    operator = await client_headers(app, client, "admin", None, "cases:read", "cases:write")
    tag = {"If-Match": '"2"'}

    anonymous = await client.post(f"/v1/cases/{reference}/{path}", json=body, headers=tag)
    read_only = await client.post(f"/v1/cases/{reference}/{path}", json=body, headers=reader | tag)
    admin = await client.post(f"/v1/cases/{reference}/{path}", json=body, headers=operator | tag)

    assert anonymous.status_code == 401
    assert read_only.status_code == admin.status_code == 403
    assert services.cases.calls == []


@pytest.mark.parametrize(("path", "body"), CHANGES, ids=[path for path, _ in CHANGES])
async def test_another_institutions_case_answers_like_an_unknown_one(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices, path: str, body: dict[str, Any]
) -> None:
    reference, _ = routed(services)
    outsider = await writer(app, client, "ma-cndh")
    tag = {"If-Match": services.cases.tracked[reference].etag}

    theirs = await client.post(f"/v1/cases/{reference}/{path}", json=body, headers=outsider | tag)
    unknown = await client.post(f"/v1/cases/{UNKNOWN}/{path}", json=body, headers=outsider | tag)

    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    assert services.cases.tracked[reference].etag == tag["If-Match"]


async def test_the_joining_routes_are_documented_with_examples(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    for path in ("invitations", "invitation-answer", "leave"):
        operation = paths[f"/v1/cases/{{reference}}/{path}"]["post"]
        assert {"200", "401", "403", "404", "409", "412", "422", "428"} <= set(
            operation["responses"]
        ), path
        assert operation["requestBody"]["content"]["application/json"]["examples"], path
        assert any(p["name"] == "If-Match" and p["required"] for p in operation["parameters"])
