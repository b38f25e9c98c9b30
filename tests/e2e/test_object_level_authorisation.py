"""Every client sees and changes only what is its own.

Two institutions get real API clients, made with the operator's command, and each tries every
operation of the public API with the other's identifiers. A case, a mandate or a triage item of
another institution answers exactly like one that does not exist. The matrix is checked against
the OpenAPI document, so an operation added later without a row here fails this test.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from nowrongdoor.testing.apps import eventually

from .conftest import Platform
from .test_complaint_to_case import complaint, file, follow_until
from .test_webhooks import touch_anothers_webhook

UNKNOWN_REFERENCE = "NWD-0000000000AA"
SCOPES = (
    "cases:read",
    "cases:write",
    "mandate:write",
    "complaints:write",
    "accreditations:read",
    "accreditations:write",
)
NGO_SCOPES = ("accreditations:read", "accreditations:write", "cases:read", "cases:write")
UNKNOWN_ACCREDITATION = "acc-00000000000000000000000000000000"


@dataclass
class Institution:
    institution_id: str
    headers: dict[str, str]
    case: dict[str, str]


@dataclass
class World:
    gateway: httpx.AsyncClient
    mine: Institution
    theirs: Institution
    triage_reference: str
    ngo: dict[str, str]
    other_ngo: dict[str, str]
    accreditation_id: str = ""


async def token(gateway: httpx.AsyncClient, client_id: str, secret: str) -> dict[str, str]:
    response = await gateway.post(
        "/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def world(platform: Platform, gateway: httpx.AsyncClient) -> World:
    mediateur = await token(
        gateway, *platform.create_client("institution", "ma-mediateur", *SCOPES)
    )
    cndh = await token(gateway, *platform.create_client("institution", "ma-cndh", *SCOPES))
    maladministration = await file(gateway, complaint())
    rights = complaint(category="human-rights")
    human_rights = await file(gateway, rights)
    undecidable = await file(gateway, complaint(category="other", received_by="ma-mediateur"))
    await follow_until(gateway, maladministration, "routed")
    await follow_until(gateway, human_rights, "routed")
    await follow_until(gateway, undecidable, "triage")
    ngo = await token(gateway, *platform.create_client("ngo", "ma-ngo-one", *NGO_SCOPES))
    other_ngo = await token(gateway, *platform.create_client("ngo", "ma-ngo-two", *NGO_SCOPES))
    return World(
        gateway=gateway,
        mine=Institution("ma-cndh", cndh, human_rights),
        theirs=Institution("ma-mediateur", mediateur, maladministration),
        triage_reference=undecidable["reference"],
        ngo=ngo,
        other_ngo=other_ngo,
    )


Check = Callable[[World], Awaitable[None]]


async def same_as_unknown(
    world: World,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    caller: dict[str, str] | None = None,
    **kwargs: Any,
) -> None:
    """The other's identifier and a made-up one give the same answer, and never data; the
    caller is the other institution unless another is named."""
    gateway, me = world.gateway, (caller or world.mine.headers) | (headers or {})
    theirs = await gateway.request(
        method, path.format(ref=world.theirs.case["reference"]), headers=me, **kwargs
    )
    unknown = await gateway.request(
        method, path.format(ref=UNKNOWN_REFERENCE), headers=me, **kwargs
    )
    assert theirs.status_code in (403, 404), (path, theirs.status_code, theirs.text)
    assert (theirs.status_code, theirs.json()) == (unknown.status_code, unknown.json())


async def read_their_case(world: World) -> None:
    await same_as_unknown(world, "GET", "/v1/cases/{ref}")
    # An NGO reads only the alerts it relayed; it relayed none of these.
    await same_as_unknown(world, "GET", "/v1/cases/{ref}", caller=world.ngo)
    own = await world.gateway.get(
        f"/v1/cases/{world.mine.case['reference']}", headers=world.mine.headers
    )
    assert own.status_code == 200


async def read_their_complaint(world: World) -> None:
    await same_as_unknown(world, "GET", "/v1/cases/{ref}/complaint")
    own = await world.gateway.get(
        f"/v1/cases/{world.mine.case['reference']}/complaint", headers=world.mine.headers
    )
    assert own.status_code == 200
    assert own.json()["description"].startswith("The commune has not answered")


async def list_cases(world: World) -> None:
    everything = {"limit": 100}
    # Filters that fit the other's case, not the caller's own: still never the other's case.
    theirs = everything | {"category": "maladministration", "territory": "MA-06"}
    mine = everything | {"status": "routed", "category": "human-rights", "overdue": "false"}
    for query, own in ((everything, True), (theirs, False), (mine, True)):
        response = await world.gateway.get("/v1/cases", params=query, headers=world.mine.headers)
        assert response.status_code == 200, (query, response.text)
        listed = {item["reference"] for item in response.json()["items"]}
        assert (world.mine.case["reference"] in listed) is own, query
        assert world.theirs.case["reference"] not in listed, query
    relayed = await world.gateway.get("/v1/cases", params=everything, headers=world.ngo)
    assert relayed.status_code == 200, relayed.text
    assert relayed.json()["items"] == []


async def their_case_as_they_see_it(world: World) -> tuple[dict[str, Any], str]:
    """The other's case as its own institution reads it, with its entity tag.

    Notifications merge what one mailbox is owed over a window of a minute, so the email about
    the case reaches its timeline at a time no check here controls; such entries are left out,
    and the comparisons stay about what a client could change."""
    response = await world.gateway.get(
        f"/v1/cases/{world.theirs.case['reference']}", headers=world.theirs.headers
    )
    assert response.status_code == 200, response.text
    case = response.json()
    case["timeline"] = [
        entry for entry in case["timeline"] if entry["kind"] not in ("notice-sent", "notice-failed")
    ]
    return case, response.headers["etag"]


async def change_their_case_status(world: World) -> None:
    before, tag = await their_case_as_they_see_it(world)
    # Even the other's true tag opens nothing: the answer is the unknown case's.
    await same_as_unknown(
        world,
        "POST",
        "/v1/cases/{ref}/status",
        json={"status": "acknowledged"},
        headers={"If-Match": tag},
    )
    assert await their_case_as_they_see_it(world) == (before, tag)
    own = await world.gateway.get(
        f"/v1/cases/{world.mine.case['reference']}", headers=world.mine.headers
    )
    acknowledged = await world.gateway.post(
        f"/v1/cases/{world.mine.case['reference']}/status",
        json={"status": "acknowledged"},
        headers=world.mine.headers | {"If-Match": own.headers["etag"]},
    )
    assert acknowledged.status_code == 200, acknowledged.text


async def transfer_their_case(world: World) -> None:
    before, tag = await their_case_as_they_see_it(world)
    transfer = {"reason": "taking it over", "to_institution_id": world.mine.institution_id}
    await same_as_unknown(
        world, "POST", "/v1/cases/{ref}/transfer", json=transfer, headers={"If-Match": tag}
    )
    assert await their_case_as_they_see_it(world) == (before, tag)


async def invite_into_their_case(world: World) -> None:
    before, tag = await their_case_as_they_see_it(world)
    asked = {"institution_id": world.mine.institution_id, "reason": "let us take part"}
    await same_as_unknown(
        world, "POST", "/v1/cases/{ref}/invitations", json=asked, headers={"If-Match": tag}
    )
    assert await their_case_as_they_see_it(world) == (before, tag)


async def answer_for_their_case(world: World) -> None:
    before, tag = await their_case_as_they_see_it(world)
    for answer in ({"accept": True}, {"accept": False, "reason": "not ours"}):
        await same_as_unknown(
            world,
            "POST",
            "/v1/cases/{ref}/invitation-answer",
            json=answer,
            headers={"If-Match": tag},
        )
    assert await their_case_as_they_see_it(world) == (before, tag)


async def leave_their_case(world: World) -> None:
    before, tag = await their_case_as_they_see_it(world)
    await same_as_unknown(
        world,
        "POST",
        "/v1/cases/{ref}/leave",
        json={"reason": "not competent"},
        headers={"If-Match": tag},
    )
    assert await their_case_as_they_see_it(world) == (before, tag)


async def write_in_their_case(world: World) -> None:
    before, tag = await their_case_as_they_see_it(world)
    for audience in ("complainant", "institutions", "internal"):
        note = {"body": f"Written by another institution to {audience}", "audience": audience}
        await same_as_unknown(world, "POST", "/v1/cases/{ref}/messages", json=note)
        await same_as_unknown(
            world, "POST", "/v1/cases/{ref}/messages", json=note, caller=world.ngo
        )
    assert await their_case_as_they_see_it(world) == (before, tag)
    own = await world.gateway.post(
        f"/v1/cases/{world.mine.case['reference']}/messages",
        json={"body": "An internal note of our own.", "audience": "internal"},
        headers=world.mine.headers,
    )
    assert own.status_code == 201, own.text


async def read_their_attachment(world: World) -> None:
    note = {
        "body": "A file of our own",
        "audience": "complainant",
        "attachments": [{"content": base64.b64encode(b"Dossier 4411-B").decode()}],
    }
    posted = await world.gateway.post(
        f"/v1/cases/{world.theirs.case['reference']}/messages",
        json=note,
        headers=world.theirs.headers,
    )
    assert posted.status_code == 201, posted.text
    their_file = posted.json()["attachments"][0]["id"]
    await same_as_unknown(world, "GET", f"/v1/cases/{{ref}}/attachments/{their_file}")
    await same_as_unknown(
        world, "GET", f"/v1/cases/{{ref}}/attachments/{their_file}", caller=world.ngo
    )
    # The receipt of one's own case opens no file of another.
    await same_as_unknown(
        world,
        "GET",
        f"/v1/cases/{{ref}}/attachments/{their_file}",
        headers={"X-Receipt": world.mine.case["receipt"]},
    )
    own = await world.gateway.get(
        f"/v1/cases/{world.theirs.case['reference']}/attachments/{their_file}",
        headers=world.theirs.headers,
    )
    assert (own.status_code, own.content) == (200, b"Dossier 4411-B")


async def withdraw_the_ngo_from_their_case(world: World) -> None:
    before, tag = await their_case_as_they_see_it(world)
    await same_as_unknown(world, "POST", "/v1/cases/{ref}/relay/withdrawal")
    by_ngo = await world.gateway.post(
        f"/v1/cases/{world.theirs.case['reference']}/relay/withdrawal", headers=world.ngo
    )
    assert by_ngo.status_code == 403, by_ngo.text
    assert await their_case_as_they_see_it(world) == (before, tag)


async def withdraw_their_case(world: World) -> None:
    before, tag = await their_case_as_they_see_it(world)
    await same_as_unknown(world, "POST", "/v1/cases/{ref}/withdraw", json={})
    # The receipt of one's own case opens no other.
    await same_as_unknown(
        world,
        "POST",
        "/v1/cases/{ref}/withdraw",
        json={},
        headers={"X-Receipt": world.mine.case["receipt"]},
    )
    assert await their_case_as_they_see_it(world) == (before, tag)


async def session_of(world: World, case: dict[str, str]) -> dict[str, str]:
    """The Authorization header of a case session opened with the case's receipt."""
    opened = await world.gateway.post(
        f"/v1/cases/{case['reference']}/session", headers={"X-Receipt": case["receipt"]}
    )
    assert opened.status_code == 201, opened.text
    return {"Authorization": f"Bearer {opened.json()['access_token']}"}


async def open_a_session_on_their_case(world: World) -> None:
    # The receipt of one's own case opens no session on another.
    await same_as_unknown(
        world, "POST", "/v1/cases/{ref}/session", headers={"X-Receipt": world.mine.case["receipt"]}
    )
    # A session of one's own case opens no other, and is no institution's token.
    own = await session_of(world, world.mine.case)
    before, tag = await their_case_as_they_see_it(world)
    await same_as_unknown(world, "GET", "/v1/cases/{ref}", caller=own)
    note = {"body": "Written with the session of another case"}
    await same_as_unknown(world, "POST", "/v1/cases/{ref}/messages", json=note, caller=own)
    await same_as_unknown(world, "POST", "/v1/cases/{ref}/withdraw", json={}, caller=own)
    assert await their_case_as_they_see_it(world) == (before, tag)
    listed = await world.gateway.get("/v1/cases", headers=own)
    assert listed.status_code == 401, listed.text
    read = await world.gateway.get(f"/v1/cases/{world.mine.case['reference']}", headers=own)
    assert read.status_code == 200, read.text


async def end_a_session_on_their_case(world: World) -> None:
    own = await session_of(world, world.mine.case)
    await same_as_unknown(world, "DELETE", "/v1/cases/{ref}/session", caller=own)
    by_institution = await world.gateway.delete(
        f"/v1/cases/{world.mine.case['reference']}/session", headers=world.theirs.headers
    )
    assert by_institution.status_code == 401, by_institution.text
    mine = f"/v1/cases/{world.mine.case['reference']}"
    assert (await world.gateway.get(mine, headers=own)).status_code == 200
    ended = await world.gateway.delete(f"{mine}/session", headers=own)
    assert ended.status_code == 204, ended.text
    assert (await world.gateway.get(mine, headers=own)).status_code == 401


async def read_triage_queue(world: World) -> None:
    async def queued(headers: dict[str, str]) -> set[str]:
        response = await world.gateway.get("/v1/triage/cases", headers=headers)
        assert response.status_code == 200, response.text
        return {item["reference"] for item in response.json()["items"]}

    assert world.triage_reference not in await queued(world.mine.headers)
    assert world.triage_reference in await queued(world.theirs.headers)


async def export_their_personal_data(world: World) -> None:
    await same_as_unknown(world, "GET", "/v1/cases/{ref}/personal-data")


async def erase_their_personal_data(world: World) -> None:
    await same_as_unknown(world, "DELETE", "/v1/cases/{ref}/personal-data")
    still_there = await world.gateway.get(
        f"/v1/cases/{world.theirs.case['reference']}/personal-data",
        headers={"X-Receipt": world.theirs.case["receipt"]},
    )
    assert still_there.status_code == 200
    assert still_there.json()["erased"] is False


async def resubmit_their_complaint(world: World) -> None:
    await same_as_unknown(
        world, "POST", "/v1/cases/{ref}/resubmission", json={"administration_contacted": True}
    )


async def change_their_mandate(world: World) -> None:
    gateway = world.gateway
    current = (await gateway.get(f"/v1/institutions/{world.theirs.institution_id}/mandate")).json()
    body = {"rules": current["rules"], "summary": "an attempt by another institution"}
    theirs = await gateway.put(
        f"/v1/institutions/{world.theirs.institution_id}/mandate",
        json=body,
        headers=world.mine.headers,
    )
    unknown = await gateway.put(
        "/v1/institutions/xx-nobody/mandate", json=body, headers=world.mine.headers
    )
    assert theirs.status_code == unknown.status_code == 404
    after = (await gateway.get(f"/v1/institutions/{world.theirs.institution_id}/mandate")).json()
    assert after == current


async def decide_their_triage(world: World) -> None:
    choice = {
        "lead_institution_id": world.mine.institution_id,
        "associated_institution_ids": [],
        "reason": "taking it over",
    }
    theirs = await world.gateway.post(
        f"/v1/triage/{world.triage_reference}/decision", json=choice, headers=world.mine.headers
    )
    unknown = await world.gateway.post(
        f"/v1/triage/{UNKNOWN_REFERENCE}/decision", json=choice, headers=world.mine.headers
    )
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()


async def read_triage_proposals(world: World) -> None:
    proposals = await world.gateway.get("/v1/triage/proposals", headers=world.mine.headers)
    assert proposals.status_code == 200
    assert all(p.get("institution_id") != world.theirs.institution_id for p in proposals.json())


async def file_at_their_counter(world: World) -> None:
    response = await world.gateway.post(
        "/v1/complaints",
        json=complaint(received_by=world.theirs.institution_id),
        headers=world.mine.headers,
    )
    assert response.status_code == 403


async def touch_their_webhook(world: World) -> None:
    await touch_anothers_webhook(world.gateway, world.mine.headers, world.theirs.headers)


async def change_their_contact(world: World) -> None:
    address = {"email": "not-theirs@example.org"}
    await same_as_unknown(world, "PUT", "/v1/cases/{ref}/contact", json=address)
    await same_as_unknown(
        world,
        "PUT",
        "/v1/cases/{ref}/contact",
        headers={"X-Receipt": world.mine.case["receipt"]},
        json=address,
    )
    await same_as_unknown(world, "DELETE", "/v1/cases/{ref}/contact")
    theirs = await world.gateway.get(
        f"/v1/cases/{world.theirs.case['reference']}/personal-data",
        headers={"X-Receipt": world.theirs.case["receipt"]},
    )
    assert theirs.status_code == 200
    assert theirs.json()["contact"] is None


async def their_inbox_entry(world: World) -> str:
    """An entry of the other institution's inbox: it was told of its new case."""

    async def told() -> str | None:
        response = await world.gateway.get("/v1/inbox", headers=world.theirs.headers)
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        return str(items[0]["id"]) if items else None

    return await eventually(told, timeout=30, interval=0.2)


async def touch_their_inbox(world: World) -> None:
    entry_id = await their_inbox_entry(world)
    mine = await world.gateway.get("/v1/inbox", params={"limit": 100}, headers=world.mine.headers)
    assert entry_id not in {item["id"] for item in mine.json()["items"]}
    for body in ({"ids": [entry_id]}, {"up_to": entry_id}):
        theirs = await world.gateway.post(
            "/v1/inbox/acknowledgements", json=body, headers=world.mine.headers
        )
        unknown_id = "00000000-0000-4000-8000-000000000000"
        unknown = await world.gateway.post(
            "/v1/inbox/acknowledgements",
            json={key: [unknown_id] if key == "ids" else unknown_id for key in body},
            headers=world.mine.headers,
        )
        assert theirs.status_code == 404, theirs.text
        assert theirs.json() == unknown.json()
    paged = await world.gateway.get(
        "/v1/inbox", params={"cursor": entry_id}, headers=world.mine.headers
    )
    assert paged.status_code == 422
    after = await world.gateway.get("/v1/inbox", headers=world.theirs.headers)
    assert all(item["acknowledged_at"] is None for item in after.json()["items"])


async def touch_their_contacts(world: World) -> None:
    mailbox = {"email": "plaintes@ma-mediateur.example", "language": "fr", "kinds": []}
    await world.gateway.put(
        "/v1/notification-contacts", json=[mailbox], headers=world.theirs.headers
    )
    mine = await world.gateway.put(
        "/v1/notification-contacts",
        json=[mailbox | {"email": "plaintes@ma-cndh.example"}],
        headers=world.mine.headers,
    )
    listed = await world.gateway.get("/v1/notification-contacts", headers=world.mine.headers)
    theirs = await world.gateway.get("/v1/notification-contacts", headers=world.theirs.headers)
    assert mine.status_code == 200, mine.text
    assert [c["email"] for c in listed.json()] == ["plaintes@ma-cndh.example"]
    assert [c["email"] for c in theirs.json()] == ["plaintes@ma-mediateur.example"]


async def their_accreditation(world: World) -> str:
    """An NGO's application to the other institution, made once: its id."""
    if world.accreditation_id:
        return world.accreditation_id
    criterion = {"id": "registered", "text": {"ar": "جمعية مسجلة", "fr": "Association déclarée"}}
    published = await world.gateway.put(
        f"/v1/institutions/{world.theirs.institution_id}/accreditation-criteria",
        json={"criteria": [criterion]},
        headers=world.theirs.headers,
    )
    assert published.status_code == 200, published.text
    applied = await world.gateway.post(
        "/v1/accreditations",
        json={
            "institution_id": world.theirs.institution_id,
            "ngo_name": "Association one",
            "answers": [{"criterion_id": "registered", "answer": "Since 2004."}],
        },
        headers=world.ngo,
    )
    assert applied.status_code == 201, applied.text
    world.accreditation_id = str(applied.json()["id"])
    return world.accreditation_id


async def same_as_unknown_accreditation(
    world: World, headers: dict[str, str], method: str, path: str, **kwargs: Any
) -> None:
    their_id = await their_accreditation(world)
    theirs = await world.gateway.request(
        method, path.format(id=their_id), headers=headers, **kwargs
    )
    unknown = await world.gateway.request(
        method, path.format(id=UNKNOWN_ACCREDITATION), headers=headers, **kwargs
    )
    assert theirs.status_code == 404, (path, theirs.status_code, theirs.text)
    assert theirs.json() == unknown.json()


async def the_accreditation_as_its_institution_reads_it(world: World) -> dict[str, Any]:
    response = await world.gateway.get(
        f"/v1/accreditations/{await their_accreditation(world)}", headers=world.theirs.headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def read_their_accreditation(world: World) -> None:
    for reader in (world.mine.headers, world.other_ngo):
        await same_as_unknown_accreditation(world, reader, "GET", "/v1/accreditations/{id}")
    own = await world.gateway.get(
        f"/v1/accreditations/{await their_accreditation(world)}", headers=world.ngo
    )
    assert own.status_code == 200, own.text


async def read_their_evidence(world: World) -> None:
    """A file an NGO sent with its application opens for that NGO and the institution it applied
    to; another institution's client and another NGO's get what an unknown file gets."""
    criterion = {"id": "registered", "text": {"ar": "جمعية مسجلة", "fr": "Association déclarée"}}
    institution = world.mine.institution_id
    published = await world.gateway.put(
        f"/v1/institutions/{institution}/accreditation-criteria",
        json={"criteria": [criterion]},
        headers=world.mine.headers,
    )
    assert published.status_code == 200, published.text
    statutes = {"filename": "statuts.txt", "content": base64.b64encode(b"Statuts 2004").decode()}
    answer = {"criterion_id": "registered", "answer": "Since 2004.", "attachments": [statutes]}
    applied = await world.gateway.post(
        "/v1/accreditations",
        json={"institution_id": institution, "ngo_name": "Association one", "answers": [answer]},
        headers=world.ngo,
    )
    assert applied.status_code == 201, applied.text
    accreditation_id = applied.json()["id"]
    [evidence] = applied.json()["answers"][0]["attachments"]
    path = f"/v1/accreditations/{accreditation_id}/attachments/{{}}"
    for stranger in (world.theirs.headers, world.other_ngo):
        theirs = await world.gateway.get(path.format(evidence["id"]), headers=stranger)
        unknown = await world.gateway.get(path.format("a-0000000000000000"), headers=stranger)
        assert theirs.status_code == 404, (theirs.status_code, theirs.text)
        assert (theirs.status_code, theirs.json()) == (unknown.status_code, unknown.json())
    for reader in (world.ngo, world.mine.headers):
        own = await world.gateway.get(path.format(evidence["id"]), headers=reader)
        assert (own.status_code, own.content) == (200, b"Statuts 2004")


async def list_accreditations(world: World) -> None:
    their_id = await their_accreditation(world)
    for reader, sees in ((world.mine.headers, False), (world.other_ngo, False), (world.ngo, True)):
        response = await world.gateway.get("/v1/accreditations", headers=reader)
        assert response.status_code == 200, response.text
        assert (their_id in {item["id"] for item in response.json()}) is sees


async def apply_to_them(world: World) -> None:
    """An application names the caller's own NGO: no client applies in another's name."""
    await their_accreditation(world)
    listed = await world.gateway.get("/v1/accreditations", headers=world.other_ngo)
    assert listed.json() == []
    as_institution = await world.gateway.post(
        "/v1/accreditations",
        json={
            "institution_id": world.theirs.institution_id,
            "ngo_name": "An institution posing as an NGO",
            "answers": [{"criterion_id": "registered", "answer": "Since 2004."}],
        },
        headers=world.mine.headers,
    )
    assert as_institution.status_code == 403, as_institution.text


def decide_on_their_accreditation(step: str, body: dict[str, Any]) -> Check:
    async def check(world: World) -> None:
        before = await the_accreditation_as_its_institution_reads_it(world)
        await same_as_unknown_accreditation(
            world, world.mine.headers, "POST", f"/v1/accreditations/{{id}}/{step}", json=body
        )
        own_ngo = await world.gateway.post(
            f"/v1/accreditations/{before['id']}/{step}", json=body, headers=world.ngo
        )
        assert own_ngo.status_code == 403, own_ngo.text
        assert await the_accreditation_as_its_institution_reads_it(world) == before

    return check


async def publish_their_criteria(world: World) -> None:
    path = f"/v1/institutions/{world.theirs.institution_id}/accreditation-criteria"
    before = (await world.gateway.get(path)).json()
    change = {"criteria": [{"id": "ours", "text": {"ar": "نص", "fr": "texte"}}]}
    theirs = await world.gateway.put(path, json=change, headers=world.mine.headers)
    unknown = await world.gateway.put(
        "/v1/institutions/xx-nobody/accreditation-criteria", json=change, headers=world.mine.headers
    )
    assert theirs.status_code == unknown.status_code == 404, theirs.text
    assert theirs.json() == unknown.json()
    assert (await world.gateway.get(path)).json() == before


async def follow_their_open311_request(world: World) -> None:
    """Through Open311 too, another institution's case answers like one that does not exist."""
    for path in ("/open311/v2/requests/{ref}.json", "/open311/v2/tokens/{ref}.json"):
        await same_as_unknown(world, "GET", path)


async def list_their_open311_requests(world: World) -> None:
    async def listed(headers: dict[str, str], reference: str) -> list[Any]:
        response = await world.gateway.get(
            "/open311/v2/requests.json",
            params={"service_request_id": reference},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        found: list[Any] = response.json()
        return found

    assert await listed(world.mine.headers, world.theirs.case["reference"]) == []
    [own] = await listed(world.mine.headers, world.mine.case["reference"])
    assert own["service_request_id"] == world.mine.case["reference"]


async def file_through_open311(world: World) -> None:
    """A request filed through Open311 is received at the caller's own door, and at no other:
    the form has no field to name another; an NGO's client may not file through it."""
    response = await world.gateway.post(
        "/open311/v2/requests.json", data={"service_code": "corruption"}, headers=world.ngo
    )
    assert response.status_code == 403, response.text


async def nothing_to_own(world: World) -> None:
    """Public information or the caller's own credentials: no other party's object exists."""


MATRIX: dict[str, Check] = {
    "POST /v1/complaints": file_at_their_counter,
    "GET /v1/cases": list_cases,
    "GET /v1/cases/{reference}": read_their_case,
    "GET /v1/cases/{reference}/complaint": read_their_complaint,
    "GET /v1/cases/{reference}/personal-data": export_their_personal_data,
    "DELETE /v1/cases/{reference}/personal-data": erase_their_personal_data,
    "POST /v1/cases/{reference}/resubmission": resubmit_their_complaint,
    "POST /v1/cases/{reference}/status": change_their_case_status,
    "POST /v1/cases/{reference}/transfer": transfer_their_case,
    "POST /v1/cases/{reference}/invitations": invite_into_their_case,
    "POST /v1/cases/{reference}/invitation-answer": answer_for_their_case,
    "POST /v1/cases/{reference}/leave": leave_their_case,
    "POST /v1/cases/{reference}/messages": write_in_their_case,
    "GET /v1/cases/{reference}/attachments/{attachment_id}": read_their_attachment,
    "POST /v1/cases/{reference}/withdraw": withdraw_their_case,
    "POST /v1/cases/{reference}/session": open_a_session_on_their_case,
    "DELETE /v1/cases/{reference}/session": end_a_session_on_their_case,
    "POST /v1/cases/{reference}/relay/withdrawal": withdraw_the_ngo_from_their_case,
    "PUT /v1/institutions/{institution_id}/mandate": change_their_mandate,
    "POST /v1/triage/{reference}/decision": decide_their_triage,
    "GET /v1/triage/cases": read_triage_queue,
    "GET /v1/triage/proposals": read_triage_proposals,
    "POST /v1/webhooks": touch_their_webhook,
    "GET /v1/webhooks": touch_their_webhook,
    "GET /v1/webhooks/{endpoint_id}": touch_their_webhook,
    "PATCH /v1/webhooks/{endpoint_id}": touch_their_webhook,
    "DELETE /v1/webhooks/{endpoint_id}": touch_their_webhook,
    "POST /v1/webhooks/{endpoint_id}/secret": touch_their_webhook,
    "GET /v1/webhooks/{endpoint_id}/deliveries": touch_their_webhook,
    "POST /v1/webhooks/{endpoint_id}/replay": touch_their_webhook,
    "PUT /v1/cases/{reference}/contact": change_their_contact,
    "DELETE /v1/cases/{reference}/contact": change_their_contact,
    "GET /v1/inbox": touch_their_inbox,
    "POST /v1/inbox/acknowledgements": touch_their_inbox,
    "GET /v1/notification-contacts": touch_their_contacts,
    "PUT /v1/notification-contacts": touch_their_contacts,
    "POST /v1/oauth/token": nothing_to_own,
    "GET /v1/institutions": nothing_to_own,
    "GET /v1/institutions/{institution_id}": nothing_to_own,
    "GET /v1/institutions/{institution_id}/mandate": nothing_to_own,
    "GET /v1/guide": nothing_to_own,
    "POST /v1/accreditations": apply_to_them,
    "GET /v1/accreditations": list_accreditations,
    "GET /v1/accreditations/{accreditation_id}": read_their_accreditation,
    "GET /v1/accreditations/{accreditation_id}/attachments/{attachment_id}": read_their_evidence,
    "POST /v1/accreditations/{accreditation_id}/grant": decide_on_their_accreditation(
        "grant",
        {
            "scope": {"categories": ["corruption"], "territories": ["MA"]},
            "expires_on": "2030-01-01",
        },
    ),
    "POST /v1/accreditations/{accreditation_id}/refuse": decide_on_their_accreditation(
        "refuse", {"reasons": ["Not ours to refuse."]}
    ),
    "POST /v1/accreditations/{accreditation_id}/suspend": decide_on_their_accreditation(
        "suspend", {"reason": "Not ours to suspend."}
    ),
    "POST /v1/accreditations/{accreditation_id}/reinstate": decide_on_their_accreditation(
        "reinstate", {"reason": "Not ours to reinstate."}
    ),
    "POST /v1/accreditations/{accreditation_id}/renew": decide_on_their_accreditation(
        "renew", {"expires_on": "2031-01-01"}
    ),
    "POST /v1/accreditations/{accreditation_id}/revoke": decide_on_their_accreditation(
        "revoke", {"reason": "Not ours to revoke."}
    ),
    "PUT /v1/institutions/{institution_id}/accreditation-criteria": publish_their_criteria,
    "GET /v1/institutions/{institution_id}/accreditation-criteria": nothing_to_own,
    "GET /v1/institutions/{institution_id}/accredited-ngos": nothing_to_own,
    "POST /v1/guide/answers": nothing_to_own,
    # The network's statistics are public and about no one: nothing in them belongs to a party.
    "GET /v1/statistics": nothing_to_own,
    "GET /v1/statistics/cases": nothing_to_own,
    "GET /v1/statistics/timings": nothing_to_own,
    "GET /v1/statistics/promises": nothing_to_own,
    "GET /v1/statistics/months": nothing_to_own,
    "GET /v1/statistics/running-month": nothing_to_own,
    "GET /v1/statistics/downloads/{month}/{dataset}.csv": nothing_to_own,
    "GET /v1/statistics/downloads/{month}/{dataset}.json": nothing_to_own,
    "GET /v1/statistics/downloads/{month}.json": nothing_to_own,
    "GET /v1/statistics/dictionary": nothing_to_own,
    "GET /v1/statistics/dictionary.csv": nothing_to_own,
    "GET /v1/statistics/catalogue.jsonld": nothing_to_own,
    "POST /open311/v2/requests.{format}": file_through_open311,
    "GET /open311/v2/requests.{format}": list_their_open311_requests,
    "GET /open311/v2/requests/{service_request_id}.{format}": follow_their_open311_request,
    "GET /open311/v2/tokens/{token}.{format}": follow_their_open311_request,
    "GET /open311/v2/discovery.{format}": nothing_to_own,
    "GET /open311/v2/services.{format}": nothing_to_own,
    "GET /open311/v2/services/{service_code}.{format}": nothing_to_own,
    "GET /healthz": nothing_to_own,
    "GET /readyz": nothing_to_own,
}


async def test_the_matrix_covers_every_documented_operation(gateway: httpx.AsyncClient) -> None:
    document = (await gateway.get("/openapi.json")).json()
    documented = {
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "put", "post", "patch", "delete"}
    }

    assert documented == set(MATRIX)


async def test_another_institutions_objects_answer_like_missing_ones(world: World) -> None:
    failures = []
    for operation, check in MATRIX.items():
        try:
            await check(world)
        except AssertionError as error:
            failures.append(f"{operation}: {error}")

    assert failures == []
