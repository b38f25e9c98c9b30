"""The institution inbox and notification contacts, through notifications' internal API."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select

from notifications.models import Delivery, InstitutionContact
from notifications.service.contacts_institution import demo_contacts, seed_demo_contacts, seeds
from notifications.settings import NotificationsSettings
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import CaseOpened
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.db import SessionMaker
from nowrongdoor.envelope import Envelope
from nowrongdoor.testing.apps import eventually, internal_headers

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def as_institution(app: FastAPI, institution_id: str, *scopes: str) -> dict[str, str]:
    principal = Principal(
        client_id=f"{institution_id}-client",
        kind="institution",
        institution_id=institution_id,
        scopes=frozenset(scopes or {"cases:read", "cases:write"}),
    )
    return internal_headers(app.state.data_dir, principal)


async def told(app: FastAPI, institution_id: str, count: int, *, channel: str = "") -> list[str]:
    """`count` inbox entries for the institution, a minute apart; their ids, oldest first."""
    sessions: SessionMaker = app.state.runtime.sessions
    rows = [
        Delivery.model_validate(
            {
                "id": str(uuid.uuid4()),
                "cause_event_id": str(uuid.uuid4()),
                "reference": f"NWD-7K3M9QX2VD{index:02d}",
                "recipient": institution_id,
                "channel": channel or "institution-inbox",
                "kind": "case-opened",
                "status": "delivered",
                "details": {"status": "routed", "institution_names": ["Unia"]},
                "created_at": START + timedelta(minutes=index),
                "delivered_at": START + timedelta(minutes=index),
            }
        )
        for index in range(count)
    ]
    async with sessions() as session:
        session.add_all(rows)
        await session.commit()
    return [row.id for row in rows]


async def page(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await client.get("/internal/inbox", params=params, headers=headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_a_case_opened_reaches_the_inbox_of_its_institution_only(
    app: FastAPI, client: httpx.AsyncClient, bus: Bus
) -> None:
    event = CaseOpened(
        reference="NWD-7K3M9QX2VD4H",
        status=CaseStatus.ROUTED,
        institution_ids=["be-unia"],
        lead_institution_id="be-unia",
        language="fr",
        opened_at=datetime.now(UTC),
    )
    await bus.publish(Envelope.wrap(event, source="/t", subject=event.reference), event.subject)

    async def arrived() -> list[dict[str, Any]] | None:
        return (await page(client, as_institution(app, "be-unia")))["items"] or None

    [entry] = await eventually(arrived)
    others = await page(client, as_institution(app, "be-federal"))

    assert entry["kind"] == "case-opened"
    assert entry["reference"] == "NWD-7K3M9QX2VD4H"
    assert entry["link"] == "/v1/cases/NWD-7K3M9QX2VD4H"
    assert entry["acknowledged_at"] is None
    assert others == {"items": [], "next_cursor": None}


async def test_the_inbox_pages_oldest_first_without_skipping_or_repeating(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ids = await told(app, "be-unia", 5)
    await told(app, "be-unia", 1, channel="email")  # not an inbox entry
    headers = as_institution(app, "be-unia")

    first = await page(client, headers, limit=2)
    second = await page(client, headers, limit=2, cursor=first["next_cursor"])
    last = await page(client, headers, limit=2, cursor=second["next_cursor"])

    seen = [item["id"] for answer in (first, second, last) for item in answer["items"]]
    assert seen == ids
    assert last["next_cursor"] is None
    assert first["items"][0]["details"] == {"status": "routed", "institution_names": ["Unia"]}


async def test_acknowledged_entries_leave_the_unacknowledged_view(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ids = await told(app, "be-unia", 4)
    headers = as_institution(app, "be-unia")

    by_id = await client.post(
        "/internal/inbox/acknowledgements", json={"ids": [ids[1]]}, headers=headers
    )
    up_to = await client.post(
        "/internal/inbox/acknowledgements", json={"up_to": ids[2]}, headers=headers
    )
    waiting = await page(client, headers, unacknowledged="true")
    done = await page(client, headers, unacknowledged="false")

    assert by_id.json() == {"acknowledged": 1}
    assert up_to.json() == {"acknowledged": 2}  # ids[1] was acknowledged before
    assert [item["id"] for item in waiting["items"]] == [ids[3]]
    assert [item["id"] for item in done["items"]] == ids[:3]
    assert all(item["acknowledged_at"] for item in done["items"])


async def test_another_institutions_entries_are_none_of_the_callers(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    [theirs] = await told(app, "be-federal", 1)
    [mine] = await told(app, "be-unia", 1)
    headers = as_institution(app, "be-unia")

    mixed = await client.post(
        "/internal/inbox/acknowledgements", json={"ids": [mine, theirs]}, headers=headers
    )
    unknown = await client.post(
        "/internal/inbox/acknowledgements", json={"ids": [str(uuid.uuid4())]}, headers=headers
    )
    up_to = await client.post(
        "/internal/inbox/acknowledgements", json={"up_to": theirs}, headers=headers
    )
    cursor = await client.get("/internal/inbox", params={"cursor": theirs}, headers=headers)

    assert mixed.status_code == unknown.status_code == up_to.status_code == 404
    assert mixed.json()["detail"] == unknown.json()["detail"]
    assert theirs not in mixed.text
    assert cursor.status_code == 422
    federal = await page(client, as_institution(app, "be-federal"))
    assert federal["items"][0]["acknowledged_at"] is None
    assert (await page(client, headers))["items"][0]["acknowledged_at"] is None  # all or none


@pytest.mark.parametrize(
    "body", [{}, {"ids": []}, {"ids": ["a"], "up_to": "a"}, {"ids": ["a"], "more": 1}]
)
async def test_an_acknowledgement_names_ids_or_a_last_entry(
    app: FastAPI, client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    response = await client.post(
        "/internal/inbox/acknowledgements", json=body, headers=as_institution(app, "be-unia")
    )

    assert response.status_code == 422


async def test_the_public_has_no_inbox_and_no_contacts(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    public = internal_headers(app.state.data_dir)

    assert (await client.get("/internal/inbox", headers=public)).status_code == 403
    assert (await client.get("/internal/notification-contacts", headers=public)).status_code == 403


# -- notification contacts -------------------------------------------------------------------

MAILBOXES = [
    {"email": "plaintes@be-unia.example", "language": "fr", "kinds": []},
    {"phone": "+32 2 212 30 00", "language": "nl", "kinds": ["case-opened", "triage-waiting"]},
]


async def test_contacts_are_replaced_as_a_whole_and_read_back_in_order(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    headers = as_institution(app, "be-unia")

    before = await client.get("/internal/notification-contacts", headers=headers)
    first = await client.put("/internal/notification-contacts", json=MAILBOXES, headers=headers)
    second = await client.put(
        "/internal/notification-contacts", json=MAILBOXES[1:], headers=headers
    )
    after = await client.get("/internal/notification-contacts", headers=headers)
    elsewhere = await client.get(
        "/internal/notification-contacts", headers=as_institution(app, "be-federal")
    )

    assert before.json() == []
    assert first.status_code == 200
    assert [contact["language"] for contact in first.json()] == ["fr", "nl"]
    assert second.status_code == 200
    assert after.json() == [
        {
            "email": None,
            "phone": "+32 2 212 30 00",
            "language": "nl",
            "kinds": ["case-opened", "triage-waiting"],
        }
    ]
    assert elsewhere.json() == []


@pytest.mark.parametrize(
    "contact",
    [
        {"email": "not-an-address", "language": "fr"},
        {"email": "a@b.example", "language": "es"},
        {"email": "a@b.example", "language": "fr", "kinds": ["everything"]},
        {"language": "fr"},
        {"email": "a@b.example", "language": "fr", "name": "Jan"},
    ],
)
async def test_a_contact_is_validated(
    app: FastAPI, client: httpx.AsyncClient, contact: dict[str, Any]
) -> None:
    headers = as_institution(app, "be-unia")

    response = await client.put("/internal/notification-contacts", json=[contact], headers=headers)

    assert response.status_code == 422
    assert (await client.get("/internal/notification-contacts", headers=headers)).json() == []


async def test_the_demo_mailboxes_are_loaded_once_where_none_are_set(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sessions: SessionMaker = app.state.runtime.sessions
    await client.put(
        "/internal/notification-contacts",
        json=MAILBOXES[:1],
        headers=as_institution(app, "be-unia"),
    )

    first = await seed_demo_contacts(sessions)
    again = await seed_demo_contacts(sessions)
    unia = await client.get(
        "/internal/notification-contacts", headers=as_institution(app, "be-unia")
    )
    flanders = await client.get(
        "/internal/notification-contacts", headers=as_institution(app, "be-vlaanderen")
    )
    mediateur = await client.get(
        "/internal/notification-contacts", headers=as_institution(app, "ma-mediateur")
    )

    # Every demo institution but Unia, which already has a mailbox.
    assert (first, again) == (len(demo_contacts()) - 1, 0)
    assert len(demo_contacts()) == 12
    assert [contact["email"] for contact in unia.json()] == [MAILBOXES[0]["email"]]
    assert flanders.json() == [
        {"email": "klachten@be-vlaanderen.example", "phone": None, "language": "nl", "kinds": []}
    ]
    assert mediateur.json()[0]["email"] == "plaintes@ma-mediateur.example"
    async with sessions() as session:
        rows = await session.scalars(select(InstitutionContact))
        assert len(rows.all()) == len(demo_contacts())


def test_the_demo_mailboxes_are_seeded_in_development_only_unless_told() -> None:
    assert seeds(NotificationsSettings(environment="development"))
    assert not seeds(NotificationsSettings(environment="test"))
    assert seeds(NotificationsSettings(environment="test", seed_institution_contacts=True))
    assert not seeds(
        NotificationsSettings(environment="development", seed_institution_contacts=False)
    )
