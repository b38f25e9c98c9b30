"""Who may read which case: the complainant holding the receipt, and the institutions in it."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from case_tracking_support import Caller, institution, open_case, publish, received, staff
from fastapi import FastAPI

from case_tracking.app import create_app
from case_tracking.settings import CaseTrackingSettings
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.ids import new_reference
from nowrongdoor.testing.apps import eventually, internal_headers, running


async def receive(client: httpx.AsyncClient, bus: Bus, received_by: str | None = None) -> str:
    """A complaint intake accepted and routing has not decided yet."""
    reference = new_reference()
    await publish(bus, received(reference, received_at=datetime.now(UTC), received_by=received_by))

    async def seen() -> bool:
        return (await client.get(f"/internal/cases/{reference}")).status_code == 200

    await eventually(seen)
    return reference


async def read(
    client: httpx.AsyncClient, app: FastAPI, reference: str, caller: Principal
) -> httpx.Response:
    return await client.get(
        f"/internal/cases/{reference}", headers=internal_headers(app.state.data_dir, caller)
    )


async def listed(
    client: httpx.AsyncClient, app: FastAPI, caller: Principal, institution_id: str
) -> list[str]:
    response = await client.get(
        "/internal/cases",
        params={"institution_id": institution_id, "limit": 100},
        headers=internal_headers(app.state.data_dir, caller),
    )
    assert response.status_code == 200
    return [item["reference"] for item in response.json()["items"]]


async def test_each_institution_in_the_case_reads_it_and_no_other(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    reference = await open_case(client, bus, "ma-inpplc", "ma-mediateur")

    lead = await read(client, app, reference, institution("ma-inpplc"))
    associated = await read(client, app, reference, institution("ma-mediateur"))
    outsider = await read(client, app, reference, institution("ma-cndh"))
    unknown = await read(client, app, "NWD-0000000000AA", institution("ma-cndh"))

    assert lead.status_code == associated.status_code == 200
    assert outsider.status_code == unknown.status_code == 404
    assert outsider.json() == unknown.json()


async def test_the_public_reads_only_the_case_whose_receipt_was_verified(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    other = await open_case(client, bus, "ma-mediateur")

    verified = await read(client, app, reference, Principal.public().holding_receipt_for(reference))
    unverified = await read(client, app, reference, Principal.public())
    crossed = await read(client, app, reference, Principal.public().holding_receipt_for(other))

    assert verified.status_code == 200
    assert unverified.status_code == crossed.status_code == 404


async def test_the_complainant_follows_a_received_complaint_before_any_decision(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    reference = await receive(client, bus)

    response = await read(client, app, reference, Principal.public().holding_receipt_for(reference))

    assert response.status_code == 200
    view = response.json()
    assert view["status"] == "received"
    assert view["institutions"] == []
    assert [(e["kind"], e["summary"]) for e in view["timeline"]] == [
        ("received", "Plainte reçue par le portail commun")
    ]


async def test_the_complainants_first_look_waits_for_the_complaint_on_its_way(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    reference = new_reference()
    complainant = Principal.public().holding_receipt_for(reference)
    looking = asyncio.create_task(read(client, app, reference, complainant))

    async def waiting() -> bool:  # the gateway checked the receipt; case tracking has not heard
        return bool(app.state.arrivals.waiting == 1)

    await eventually(waiting)
    assert not looking.done()

    await publish(bus, received(reference, received_at=datetime.now(UTC)))
    response = await asyncio.wait_for(looking, timeout=4)

    assert response.status_code == 200
    assert response.json()["status"] == "received"


async def test_a_look_that_nothing_answers_gives_up_after_the_wait(
    service_environment: dict[str, Any],
) -> None:
    app = create_app(CaseTrackingSettings(**service_environment, received_wait_seconds=0.3))
    reference = new_reference()
    async with running(app) as client:
        started = asyncio.get_running_loop().time()
        response = await read(
            client, app, reference, Principal.public().holding_receipt_for(reference)
        )
        waited = asyncio.get_running_loop().time() - started

    assert response.status_code == 404
    assert 0.3 <= waited < 3


async def test_no_institution_sees_a_merely_received_complaint(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    reference = await receive(client, bus, received_by="ma-cndh")
    door = institution("ma-cndh")

    by_reference = await read(client, app, reference, door)
    unknown = await read(client, app, "NWD-0000000000AA", door)
    crossed = await read(client, app, reference, Principal.public())

    assert by_reference.status_code == unknown.status_code == crossed.status_code == 404
    assert by_reference.json() == unknown.json()
    assert reference not in await listed(client, app, door, "ma-cndh")
    # The operator sees it, so its absence above is the institution's, not the data's.
    assert (await client.get(f"/internal/cases/{reference}")).status_code == 200


async def test_a_call_without_the_gateway_token_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/internal/cases/NWD-0000000000AA", headers={"Authorization": "Bearer forged"}
    )
    bare = await client.get("/internal/cases/NWD-0000000000AA", headers={"Authorization": ""})

    assert response.status_code == bare.status_code == 401


async def test_an_institution_lists_its_own_cases_page_by_page(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    mine = {await open_case(client, bus, "be-unia") for _ in range(5)}
    await open_case(client, bus, "be-federal")
    headers = internal_headers(app.state.data_dir, institution("be-unia"))

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"institution_id": "be-unia", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/internal/cases", params=params, headers=headers)).json()
        seen.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break

    assert {item["reference"] for item in seen} == mine
    assert len(seen) == 5
    assert all(item["role"] == "lead" for item in seen)


async def test_another_institutions_list_is_empty_and_a_forged_cursor_refused(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    await open_case(client, bus, "be-unia")
    headers = internal_headers(app.state.data_dir, institution("be-federal"))

    foreign = await client.get(
        "/internal/cases", params={"institution_id": "be-unia"}, headers=headers
    )
    forged = await client.get(
        "/internal/cases",
        params={"institution_id": "be-federal", "cursor": "not-a-cursor"},
        headers=headers,
    )

    assert foreign.json() == {"items": [], "next_cursor": None}
    assert forged.status_code == 422
    assert forged.json()["errors"][0]["field"] == "cursor"


async def test_an_institution_narrows_its_list_by_status_category_territory_and_time(
    client: httpx.AsyncClient, bus: Bus, as_: Callable[[Principal], Caller]
) -> None:
    early = datetime(2026, 10, 1, 9, tzinfo=UTC)
    late = datetime(2026, 11, 20, 9, tzinfo=UTC)
    casablanca = await open_case(
        client, bus, "ma-cndh", facts={"respondent_territory": "MA-06", "received_at": early}
    )
    tangier = await open_case(
        client,
        bus,
        "ma-cndh",
        facts={"respondent_territory": "MA-01", "category": "human-rights", "received_at": late},
    )
    brussels = await open_case(
        client, bus, "ma-cndh", facts={"respondent_territory": "BE-BRU", "received_at": late}
    )
    cndh = as_(staff("ma-cndh"))
    await cndh.step(tangier, "acknowledged")

    assert set(await cndh.listed("ma-cndh", territory="MA")) == {casablanca, tangier}
    assert await cndh.listed("ma-cndh", territory="MA-06") == [casablanca]
    assert await cndh.listed("ma-cndh", territory="BE") == [brussels]
    assert await cndh.listed("ma-cndh", category="human-rights") == [tangier]
    assert await cndh.listed("ma-cndh", status="acknowledged") == [tangier]
    assert set(await cndh.listed("ma-cndh", status="routed")) == {casablanca, brussels}
    assert await cndh.listed("ma-cndh", received_until="2026-10-31T00:00:00Z") == [casablanca]
    assert set(await cndh.listed("ma-cndh", received_from="2026-11-01")) == {tangier, brussels}
    assert await cndh.listed(
        "ma-cndh", territory="MA", received_from="2026-11-01T00:00:00+00:00"
    ) == [tangier]
    refused = await cndh.get("/internal/cases", institution_id="ma-cndh", territory="MA%")
    assert refused.status_code == 422


async def test_a_part_transferred_away_stays_on_the_list_as_transferred(
    client: httpx.AsyncClient, bus: Bus, as_: Callable[[Principal], Caller]
) -> None:
    reference = await open_case(client, bus, "ma-cndh")
    cndh = as_(staff("ma-cndh"))
    tag = (await cndh.read(reference)).headers["etag"]
    await cndh.post(
        f"/internal/cases/{reference}/transfer",
        {"reason": "corruption", "to_institution_id": "ma-inpplc"},
        if_match=tag,
    )

    listed = await cndh.get("/internal/cases", institution_id="ma-cndh")
    read = await cndh.read(reference)

    assert [(i["reference"], i["part_status"]) for i in listed.json()["items"]] == [
        (reference, "transferred")
    ]
    assert read.status_code == 200
    assert [i["institution_id"] for i in read.json()["institutions"]] == ["ma-inpplc"]
