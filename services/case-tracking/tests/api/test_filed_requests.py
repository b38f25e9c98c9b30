"""The requests an institution filed, as the Open311 facade lists them: the cases it filed through
Open311 or has a part in, for its own client only, narrowed, newest first."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from case_tracking_support import (
    RECEIVED_AT,
    Caller,
    competent,
    complainant,
    institution,
    publish,
    received,
    routed,
    staff,
)

from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.ids import new_reference
from nowrongdoor.testing.apps import eventually

EARLY = datetime(2026, 10, 1, 9, tzinfo=UTC)
LATE = datetime(2026, 11, 20, 9, tzinfo=UTC)


async def file_case(
    client: httpx.AsyncClient,
    bus: Bus,
    lead: str,
    *others: str,
    door: str | None = None,
    channel: str = "web",
    received_at: datetime = RECEIVED_AT,
    category: str = "maladministration",
) -> str:
    """A complaint received at `door` through `channel`, routed to `lead` and `others`."""
    reference = new_reference()
    await publish(
        bus,
        received(
            reference,
            received_at=received_at,
            received_by=door,
            channel=channel,
            category=category,
        ),
    )
    await eventually(lambda: _status_is(client, reference, "received"))
    decision = routed(
        reference=reference,
        received_by=door,
        received_at=received_at,
        competent=[competent(lead)] + [competent(other, "associated") for other in others],
    )
    await publish(bus, decision)
    await eventually(lambda: _status_is(client, reference, "routed"))
    return reference


async def _status_is(client: httpx.AsyncClient, reference: str, status: str) -> bool:
    response = await client.get(f"/internal/cases/{reference}")
    return response.status_code == 200 and response.json()["status"] == status


async def filed(caller: Caller, institution_id: str, **filters: Any) -> list[dict[str, Any]]:
    response = await caller.get(
        "/internal/filed-requests", institution_id=institution_id, limit=100, **filters
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


async def references(caller: Caller, institution_id: str, **filters: Any) -> list[str]:
    return [item["reference"] for item in await filed(caller, institution_id, **filters)]


async def test_an_institution_sees_the_cases_it_takes_part_in_and_those_it_filed_via_open311(
    client: httpx.AsyncClient, bus: Bus, as_: Callable[[Principal], Caller]
) -> None:
    lead = await file_case(client, bus, "ma-cndh", received_at=EARLY)
    associated = await file_case(client, bus, "ma-mediateur", "ma-cndh", received_at=LATE)
    through_open311 = await file_case(
        client, bus, "ma-mediateur", door="ma-cndh", channel="open311", received_at=RECEIVED_AT
    )
    await file_case(client, bus, "ma-mediateur", door="ma-cndh", channel="api")
    await file_case(client, bus, "ma-mediateur", door="ma-inpplc", channel="open311")

    seen = await references(as_(institution("ma-cndh")), "ma-cndh")

    assert seen == [through_open311, associated, lead]


async def test_a_request_tells_progress_institutions_promises_and_nothing_said(
    client: httpx.AsyncClient, bus: Bus, as_: Callable[[Principal], Caller]
) -> None:
    reference = await file_case(
        client, bus, "ma-mediateur", "ma-cndh", door="ma-cndh", channel="open311"
    )
    await as_(staff("ma-mediateur")).step(reference, "acknowledged")
    view = (await client.get(f"/internal/cases/{reference}")).json()

    [item] = await filed(as_(institution("ma-cndh")), "ma-cndh")

    running = [
        promise["due"]
        for promise in view["promised"]
        if promise["due"] is not None and promise["met_on"] is None and not promise["paused"]
    ]
    assert item == {
        "reference": reference,
        "status": view["status"],
        "category": "maladministration",
        "institutions": view["institutions"],
        "received_at": item["received_at"],
        "updated_at": item["updated_at"],
        "expected": min(running),
    }
    assert datetime.fromisoformat(item["received_at"]) == RECEIVED_AT
    last = max(datetime.fromisoformat(entry["at"]) for entry in view["timeline"])
    assert datetime.fromisoformat(item["updated_at"]) == last
    assert item["status"] == "routed"  # the associated part has not acknowledged yet
    assert [i["institution_id"] for i in item["institutions"]] == ["ma-mediateur", "ma-cndh"]


async def test_a_part_transferred_away_no_longer_shows_the_case(
    client: httpx.AsyncClient, bus: Bus, as_: Callable[[Principal], Caller]
) -> None:
    reference = await file_case(client, bus, "ma-cndh")
    cndh = as_(staff("ma-cndh"))
    tag = (await cndh.read(reference)).headers["etag"]
    await cndh.post(
        f"/internal/cases/{reference}/transfer",
        {"reason": "corruption", "to_institution_id": "ma-inpplc"},
        if_match=tag,
    )

    assert await references(cndh, "ma-cndh") == []
    assert await references(as_(institution("ma-inpplc")), "ma-inpplc") == [reference]


async def test_only_the_institutions_own_client_reading_cases_is_answered(
    client: httpx.AsyncClient, bus: Bus, as_: Callable[[Principal], Caller]
) -> None:
    reference = await file_case(client, bus, "ma-cndh", door="ma-cndh", channel="open311")
    ngo = Principal(
        client_id="ngo", kind="ngo", institution_id="ma-cndh", scopes=frozenset({"cases:read"})
    )
    operator = Principal(client_id="operator", kind="admin", scopes=frozenset({"cases:read"}))
    others = [
        institution("ma-mediateur"),
        institution("ma-cndh", "cases:write"),
        ngo,
        operator,
        complainant(reference),
    ]

    assert await references(as_(institution("ma-cndh")), "ma-cndh") == [reference]
    for other in others:
        assert await references(as_(other), "ma-cndh") == [], other.client_id


async def test_the_list_narrows_by_reference_category_and_inclusive_time(
    client: httpx.AsyncClient, bus: Bus, as_: Callable[[Principal], Caller]
) -> None:
    early = await file_case(client, bus, "ma-cndh", received_at=EARLY)
    late = await file_case(client, bus, "ma-cndh", received_at=LATE, category="human-rights")
    cndh = as_(institution("ma-cndh"))

    assert await references(cndh, "ma-cndh", references=[early]) == [early]
    assert await references(cndh, "ma-cndh", references=[early, late]) == [late, early]
    assert await references(cndh, "ma-cndh", references=["NWD-0000000000AA"]) == []
    assert await references(cndh, "ma-cndh", categories=["human-rights"]) == [late]
    both = ["human-rights", "maladministration"]
    assert await references(cndh, "ma-cndh", categories=both) == [late, early]
    assert await references(cndh, "ma-cndh", received_from=LATE.isoformat()) == [late]
    assert await references(cndh, "ma-cndh", received_until=EARLY.isoformat()) == [early]
    assert await references(cndh, "ma-cndh", received_until="2026-10-01T09:00:00") == [early]
    window = {"received_from": EARLY.isoformat(), "received_until": LATE.isoformat()}
    assert await references(cndh, "ma-cndh", **window) == [late, early]
    refused = await cndh.get(
        "/internal/filed-requests", institution_id="ma-cndh", limit=10, categories="gossip"
    )
    assert refused.status_code == 422


async def test_concluded_follows_the_whole_cases_status(
    client: httpx.AsyncClient, bus: Bus, as_: Callable[[Principal], Caller]
) -> None:
    joint = await file_case(client, bus, "ma-cndh", "ma-mediateur", received_at=EARLY)
    alone = await file_case(client, bus, "ma-cndh", received_at=RECEIVED_AT)
    withdrawn = await file_case(client, bus, "ma-cndh", received_at=LATE)
    cndh = as_(staff("ma-cndh"))
    for reference in (joint, alone):
        await cndh.step(reference, "acknowledged")
        await cndh.step(reference, "inadmissible", reason="Outside our remit")
    await as_(complainant(withdrawn)).post(f"/internal/cases/{withdrawn}/withdrawal", {})

    items = {item["reference"]: item for item in await filed(cndh, "ma-cndh")}

    # The joint case stands where its slowest part does: not concluded while one part runs.
    assert {reference: item["status"] for reference, item in items.items()} == {
        joint: "routed",
        alone: "inadmissible",
        withdrawn: "withdrawn",
    }
    assert items[alone]["expected"] is items[withdrawn]["expected"] is None
    assert items[joint]["expected"] is not None
    assert await references(cndh, "ma-cndh", concluded="true") == [alone, withdrawn]
    assert await references(cndh, "ma-cndh", concluded="false") == [joint]


async def test_the_newest_received_come_first_up_to_the_limit(
    client: httpx.AsyncClient, bus: Bus, as_: Callable[[Principal], Caller]
) -> None:
    oldest = await file_case(client, bus, "ma-cndh", received_at=EARLY)
    newest = await file_case(client, bus, "ma-cndh", received_at=RECEIVED_AT)
    middle = await file_case(client, bus, "ma-cndh", received_at=LATE)
    cndh = as_(institution("ma-cndh"))

    limited = await cndh.get("/internal/filed-requests", institution_id="ma-cndh", limit=2)
    too_few = await cndh.get("/internal/filed-requests", institution_id="ma-cndh", limit=0)
    too_many = await cndh.get("/internal/filed-requests", institution_id="ma-cndh", limit=1001)

    assert await references(cndh, "ma-cndh") == [newest, middle, oldest]
    assert [item["reference"] for item in limited.json()] == [newest, middle]
    assert too_few.status_code == too_many.status_code == 422
