"""The triage desk's queue: the cases waiting for its decision, listed like any other cases."""

from collections.abc import Callable

import httpx
from case_tracking_support import Caller, competent, institution, publish, routed, triage_required

from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.ids import new_reference
from nowrongdoor.testing.apps import eventually

As = Callable[[Principal], Caller]


async def queue(caller: Caller, institution_id: str, **params: str | int) -> list[str]:
    answer = await caller.get("/internal/triage", institution_id=institution_id, **params)
    assert answer.status_code == 200, answer.text
    return [item["reference"] for item in answer.json()["items"]]


async def held(client: httpx.AsyncClient, bus: Bus, desk: str) -> str:
    reference = new_reference()
    await publish(
        bus,
        triage_required(
            reference=reference, triage_institution_id=desk, triage_institution_name=desk
        ),
    )

    async def arrived() -> bool:
        return (await client.get(f"/internal/cases/{reference}")).status_code == 200

    await eventually(arrived)
    return reference


async def test_the_desk_lists_what_waits_for_it_until_it_is_decided(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    first = await held(client, bus, "ma-mediateur")
    second = await held(client, bus, "ma-mediateur")
    elsewhere = await held(client, bus, "be-federal")
    desk = as_(institution("ma-mediateur"))

    waiting = await queue(desk, "ma-mediateur")
    page = await desk.get("/internal/triage", institution_id="ma-mediateur", limit=1)
    await publish(bus, routed(reference=first, competent=[competent("ma-cndh")]))

    async def decided() -> bool:
        return first not in await queue(desk, "ma-mediateur")

    await eventually(decided)
    assert set(waiting) == {first, second}
    assert elsewhere not in waiting
    items = page.json()["items"]
    assert len(items) == 1 and page.json()["next_cursor"]
    assert (items[0]["status"], items[0]["part_status"]) == ("triage", "triage")
    assert await queue(desk, "ma-mediateur") == [second]


async def test_the_desk_reads_a_case_while_it_waits_and_no_other_institution_does(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await held(client, bus, "ma-mediateur")
    desk, other = as_(institution("ma-mediateur")), as_(institution("ma-cndh"))

    read = await desk.read(reference)
    foreign = await other.read(reference)
    foreign_queue = await queue(other, "ma-mediateur")

    assert read.status_code == 200
    assert read.json()["status"] == "triage"
    assert read.json()["messages"] == [] and read.json()["parts"] is None
    assert foreign.status_code == 404
    assert foreign_queue == []


async def test_a_forged_cursor_is_refused(client: httpx.AsyncClient, as_: As) -> None:
    answer = await as_(institution("ma-mediateur")).get(
        "/internal/triage", institution_id="ma-mediateur", cursor="forged"
    )

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "cursor"
