"""The institution inbox and notification contacts at the public edge: each institution its own."""

import uuid

import httpx
from fastapi import FastAPI

from ..api_clients import access_token, bearer, register
from ..fakes import FakeServices


async def token(
    app: FastAPI, client: httpx.AsyncClient, kind: str, institution: str | None, *scopes: str
) -> dict[str, str]:
    registered = await register(app, kind=kind, institution=institution, scopes=scopes)
    return bearer(await access_token(client, registered))


async def staff(app: FastAPI, client: httpx.AsyncClient, institution: str) -> dict[str, str]:
    return await token(app, client, "institution", institution, "cases:read", "cases:write")


async def test_an_institution_pages_through_its_inbox_oldest_first(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    told = [
        services.notifications.tell("be-unia", f"NWD-7K3M9QX2VD{index:02d}", "case-opened")
        for index in range(3)
    ]
    services.notifications.tell("be-federal", "NWD-7K3M9QX2VDZZ", "triage-waiting")
    headers = await staff(app, client, "be-unia")

    first = await client.get("/v1/inbox", params={"limit": 2}, headers=headers)
    second = await client.get(
        "/v1/inbox", params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=headers
    )

    assert first.status_code == second.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    seen = [item["id"] for answer in (first, second) for item in answer.json()["items"]]
    assert seen == [entry.id for entry in told]
    assert second.json()["next_cursor"] is None
    assert first.json()["items"][0]["link"] == "/v1/cases/NWD-7K3M9QX2VD00"
    [call, _] = [call for call in services.calls if call.operation == "inbox"]
    assert call.caller.institution_id == "be-unia"


async def test_acknowledging_hides_entries_from_the_unacknowledged_view(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    told = [services.notifications.tell("be-unia", "NWD-7K3M9QX2VD4H", "case-opened").id]
    told.append(services.notifications.tell("be-unia", "NWD-7K3M9QX2VD4H", "status-changed").id)
    headers = await staff(app, client, "be-unia")

    done = await client.post("/v1/inbox/acknowledgements", json={"up_to": told[0]}, headers=headers)
    waiting = await client.get("/v1/inbox", params={"unacknowledged": "true"}, headers=headers)

    assert done.status_code == 200
    assert done.json() == {"acknowledged": 1}
    assert [item["id"] for item in waiting.json()["items"]] == [told[1]]


async def test_another_institutions_entry_is_a_404_naming_nothing(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    theirs = services.notifications.tell("be-federal", "NWD-7K3M9QX2VD4H", "case-opened")
    mine = services.notifications.tell("be-unia", "NWD-7K3M9QX2VD4H", "case-opened")
    headers = await staff(app, client, "be-unia")

    mixed = await client.post(
        "/v1/inbox/acknowledgements", json={"ids": [mine.id, theirs.id]}, headers=headers
    )
    unknown = await client.post(
        "/v1/inbox/acknowledgements", json={"ids": [str(uuid.uuid4())]}, headers=headers
    )

    assert mixed.status_code == unknown.status_code == 404
    assert mixed.json() == unknown.json()
    assert theirs.id not in mixed.text
    assert theirs.acknowledged_at is None and mine.acknowledged_at is None


async def test_only_institution_clients_with_the_scope_read_an_inbox(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await token(app, client, "admin", None, "clients:admin")
    no_scope = await token(app, client, "institution", "be-unia", "complaints:write")
    reader = await token(app, client, "institution", "be-unia", "cases:read")

    anonymous = await client.get("/v1/inbox")
    as_admin = await client.get("/v1/inbox", headers=admin)
    without = await client.get("/v1/inbox", headers=no_scope)
    change = await client.put(
        "/v1/notification-contacts",
        json=[{"email": "plaintes@be-unia.example", "language": "fr"}],
        headers=reader,
    )

    assert anonymous.status_code == 401
    assert as_admin.status_code == without.status_code == change.status_code == 403


async def test_an_institution_sets_and_reads_its_notification_contacts(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    headers = await staff(app, client, "be-vlaanderen")
    contacts = [
        {"email": "klachten@be-vlaanderen.example", "language": "nl", "kinds": ["case-opened"]},
        {"phone": "+32 2 552 48 48", "language": "nl"},
    ]

    put = await client.put("/v1/notification-contacts", json=contacts, headers=headers)
    got = await client.get("/v1/notification-contacts", headers=headers)
    elsewhere = await client.get(
        "/v1/notification-contacts", headers=await staff(app, client, "be-unia")
    )

    assert put.status_code == got.status_code == 200
    assert got.json() == [
        {
            "email": "klachten@be-vlaanderen.example",
            "phone": None,
            "language": "nl",
            "kinds": ["case-opened"],
        },
        {"email": None, "phone": "+32 2 552 48 48", "language": "nl", "kinds": []},
    ]
    assert elsewhere.json() == []


async def test_a_contact_must_be_well_formed(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    headers = await staff(app, client, "be-unia")
    bad = [
        [{"email": "nope", "language": "fr"}],
        [{"email": "plaintes@be-unia.example", "language": "es"}],
        [{"email": "plaintes@be-unia.example", "language": "fr", "kinds": ["all"]}],
        [{"language": "fr"}],
    ]

    answers = [
        await client.put("/v1/notification-contacts", json=body, headers=headers) for body in bad
    ]

    assert [answer.status_code for answer in answers] == [422] * len(bad)
    assert services.count("replace_notification_contacts") == 0


async def test_notifications_down_is_a_503(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    headers = await staff(app, client, "be-unia")
    services.down.add("notifications")

    response = await client.get("/v1/inbox", headers=headers)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
