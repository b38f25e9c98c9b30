"""Webhook endpoints at the public edge: owners manage their own, and no one sees another's."""

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from nowrongdoor.contracts.webhooks import WebhookDelivery

from ..api_clients import access_token, bearer, register
from ..fakes import FakeServices

OPENED = "org.nowrongdoor.case.opened.v1"
DRAFT = {"url": "https://cases.example.org/hooks", "event_types": [OPENED], "description": "CMS"}
UNKNOWN = "/v1/webhooks/wh-00000000000000000000000000000000"


async def token(
    app: FastAPI, client: httpx.AsyncClient, kind: str, institution: str | None, *scopes: str
) -> dict[str, str]:
    registered = await register(app, kind=kind, institution=institution, scopes=scopes)
    return bearer(await access_token(client, registered))


async def owner(app: FastAPI, client: httpx.AsyncClient, institution: str) -> dict[str, str]:
    return await token(app, client, "institution", institution, "cases:read", "cases:write")


async def test_an_institution_registers_an_endpoint_and_sees_its_secret_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    mine = await owner(app, client, "ma-mediateur")

    created = await client.post("/v1/webhooks", json=DRAFT, headers=mine)
    listed = await client.get("/v1/webhooks", headers=mine)
    one = await client.get(f"/v1/webhooks/{created.json()['id']}", headers=mine)

    assert created.status_code == 201, created.text
    assert created.json()["secret"].startswith("whsec_")
    assert created.headers["cache-control"] == "no-store"
    assert [e["url"] for e in listed.json()] == [DRAFT["url"]]
    assert "secret" not in listed.json()[0]
    assert one.status_code == 200
    assert "secret" not in one.json()
    assert one.json()["event_types"] == [OPENED]


async def test_an_unknown_event_type_is_refused_naming_the_allowed_ones(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    mine = await owner(app, client, "ma-mediateur")

    response = await client.post(
        "/v1/webhooks",
        json=DRAFT | {"event_types": ["org.nowrongdoor.case.gossip.v1"]},
        headers=mine,
    )

    assert response.status_code == 422
    message = response.json()["errors"][0]["message"]
    assert "org.nowrongdoor.case.transferred.v1" in message
    assert "org.nowrongdoor.complaint.triage-required.v1" in message


async def test_a_refused_url_reaches_the_client_with_its_reason(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    mine = await owner(app, client, "ma-mediateur")

    response = await client.post(
        "/v1/webhooks", json=DRAFT | {"url": "http://cases.example.org/hooks"}, headers=mine
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "url", "message": "the URL must use https outside development"}
    ]


async def test_another_owners_endpoint_answers_like_a_missing_one(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    mediateur = await owner(app, client, "ma-mediateur")
    cndh = await owner(app, client, "ma-cndh")
    theirs = (await client.post("/v1/webhooks", json=DRAFT, headers=mediateur)).json()["id"]
    path = f"/v1/webhooks/{theirs}"

    attempts = [
        ("GET", "", None),
        ("PATCH", "", {"description": "mine now"}),
        ("POST", "/secret", None),
        ("GET", "/deliveries", None),
        ("POST", "/replay", {"since": "2026-01-01T00:00:00Z"}),
        ("DELETE", "", None),
    ]
    for method, tail, body in attempts:
        other = await client.request(method, path + tail, json=body, headers=cndh)
        unknown = await client.request(method, UNKNOWN + tail, json=body, headers=cndh)
        assert other.status_code == 404, (method, tail, other.text)
        assert (other.status_code, other.json()) == (unknown.status_code, unknown.json())
    listed = await client.get("/v1/webhooks", headers=cndh)

    assert listed.json() == []
    still = await client.get(path, headers=mediateur)
    assert still.json()["description"] == "CMS"
    assert services.notifications.endpoints[theirs].secrets == [
        services.notifications.endpoints[theirs].secrets[0]
    ]


async def test_only_institution_and_ngo_clients_with_the_scope_manage_endpoints(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    reader = await token(app, client, "institution", "ma-mediateur", "cases:read")
    admin = await token(app, client, "admin", None, "clients:admin")
    ngo = await token(app, client, "ngo", "sherpa", "cases:read", "cases:write")

    anonymous = await client.get("/v1/webhooks")
    as_admin = await client.get("/v1/webhooks", headers=admin)
    read = await client.get("/v1/webhooks", headers=reader)
    write = await client.post("/v1/webhooks", json=DRAFT, headers=reader)
    as_ngo = await client.post("/v1/webhooks", json=DRAFT, headers=ngo)

    assert anonymous.status_code == 401
    assert as_admin.status_code == 403
    assert read.status_code == 200
    assert write.status_code == 403
    assert write.json()["type"] == "/problems/insufficient-scope"
    assert as_ngo.status_code == 201


async def test_rotating_changing_and_deleting(app: FastAPI, client: httpx.AsyncClient) -> None:
    mine = await owner(app, client, "ma-mediateur")
    created = (await client.post("/v1/webhooks", json=DRAFT, headers=mine)).json()
    path = f"/v1/webhooks/{created['id']}"

    rotated = await client.post(f"{path}/secret", headers=mine)
    changed = await client.patch(path, json={"enabled": False}, headers=mine)
    deleted = await client.delete(path, headers=mine)
    gone = await client.get(path, headers=mine)

    assert rotated.status_code == 200
    assert rotated.json()["secret"] != created["secret"]
    assert rotated.json()["previous_secret_valid_until"] is not None
    assert changed.json()["enabled"] is False
    assert deleted.status_code == 204
    assert gone.status_code == 404


async def test_the_delivery_log_pages_and_replay_is_accepted(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    mine = await owner(app, client, "ma-mediateur")
    endpoint_id = (await client.post("/v1/webhooks", json=DRAFT, headers=mine)).json()["id"]
    start = datetime(2026, 12, 1, tzinfo=UTC)
    services.notifications.endpoints[endpoint_id].deliveries = [
        WebhookDelivery(
            id=f"d-{n}",
            event_type=OPENED,
            reference="NWD-7K3M9QX2VD4H",
            status="delivered",
            attempts=1,
            created_at=start - timedelta(hours=n),
        )
        for n in range(3)
    ]
    path = f"/v1/webhooks/{endpoint_id}"

    first = await client.get(f"{path}/deliveries", params={"limit": 2}, headers=mine)
    second = await client.get(
        f"{path}/deliveries",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=mine,
    )
    replayed = await client.post(f"{path}/replay", json={"delivery_id": "d-1"}, headers=mine)
    neither = await client.post(f"{path}/replay", json={}, headers=mine)

    assert [d["id"] for d in first.json()["items"]] == ["d-0", "d-1"]
    assert [d["id"] for d in second.json()["items"]] == ["d-2"]
    assert second.json().get("next_cursor") is None
    assert (replayed.status_code, replayed.json()) == (202, {"replayed": 1})
    assert services.notifications.endpoints[endpoint_id].replayed == ["d-1"]
    assert neither.status_code == 422


async def test_notifications_down_is_a_503(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    mine = await owner(app, client, "ma-mediateur")
    services.down.add("notifications")

    response = await client.get("/v1/webhooks", headers=mine)

    assert response.status_code == 503
