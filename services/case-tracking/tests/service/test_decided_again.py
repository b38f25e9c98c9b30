"""A case handed back to routing is decided again: a new part opens, or a desk must decide."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from case_tracking_support import (
    Caller,
    competent,
    complainant,
    event_type,
    open_case,
    outbox,
    publish,
    routed,
    staff,
    status_changes,
    triage_required,
)
from fastapi import FastAPI

from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.testing.apps import eventually

As = Callable[[Principal], Caller]


async def hand_back(as_: As, reference: str, by: str, reason: str) -> dict[str, Any]:
    """`by` transfers its part without naming anyone; the case as it then reads."""
    caller = as_(staff(by))
    tag = (await caller.read(reference)).headers["etag"]
    moved = await caller.post(
        f"/internal/cases/{reference}/transfer", {"reason": reason}, if_match=tag
    )
    assert moved.status_code == 200, moved.text
    view: dict[str, Any] = moved.json()
    return view


async def followed_until(as_: As, reference: str, status: str) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        view: dict[str, Any] = (await as_(complainant(reference)).read(reference)).json()
        return view if view["status"] == status else None

    return await eventually(reached)


async def opened_for(app: FastAPI, reference: str) -> list[list[str]]:
    return [
        e["institution_ids"]
        for e in await outbox(app, event_type("case.opened"))
        if e["reference"] == reference
    ]


async def test_a_new_decision_opens_the_next_institutions_part_under_the_same_reference(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "be-wallonie")
    waiting = await hand_back(as_, reference, "be-wallonie", "Une administration flamande")

    await publish(
        bus,
        routed(
            reference=reference,
            decision_id="d-2",
            competent=[competent("be-vlaanderen", calendar="BE")],
            explanation="Wallonie s'est déclarée incompétente. Vlaanderen est compétente.",
            decided_at=datetime.now(UTC) + timedelta(seconds=1),
        ),
    )
    view = await followed_until(as_, reference, "routed")

    assert waiting["status"] == "received"
    assert [(i["institution_id"], i["role"]) for i in view["institutions"]] == [
        ("be-vlaanderen", "lead")
    ]
    assert view["reference"] == reference
    assert view["explanation"].startswith("Wallonie s'est déclarée incompétente.")
    summaries = [entry["summary"] for entry in view["timeline"]]
    assert summaries[-2:] == [
        "Plainte transférée par Institution be-wallonie : une nouvelle décision sur "
        "l'institution compétente est attendue : Une administration flamande",
        "Plainte transmise à Institution be-vlaanderen",
    ]
    assert await opened_for(app, reference) == [["be-wallonie"], ["be-vlaanderen"]]
    changes = [
        (c["previous_status"], c["status"])
        for c in await status_changes(app)
        if c["reference"] == reference
    ]
    assert changes[-2:] == [("routed", "received"), ("received", "routed")]
    vlaanderen = as_(staff("be-vlaanderen"))
    assert (await vlaanderen.step(reference, "acknowledged")).status_code == 200
    # The institution that declined sees where the case went, and can no longer move it.
    assert (await as_(staff("be-wallonie")).step(reference, "acknowledged")).status_code == 409


async def test_a_case_nobody_new_can_take_waits_at_the_triage_desk(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    await hand_back(as_, reference, "ma-mediateur", "Hors de notre mandat")

    await publish(
        bus,
        triage_required(
            reference=reference,
            triage_institution_id="ma-cndh",
            triage_institution_name="Institution ma-cndh",
            reason="declined-by-all",
            candidates=[],
            explanation="Le Médiateur s'est déclaré incompétent. Une personne décidera.",
            decided_at=datetime.now(UTC) + timedelta(seconds=1),
        ),
    )
    view = await followed_until(as_, reference, "triage")
    queue = await as_(staff("ma-cndh")).get("/internal/triage", institution_id="ma-cndh")

    assert view["institutions"] == []
    assert view["timeline"][-1]["summary"] == (
        "Institution ma-cndh doit décider quelle institution est compétente"
    )
    assert view["explanation"].startswith("Le Médiateur s'est déclaré incompétent.")
    assert reference in [item["reference"] for item in queue.json()["items"]]
    # The desk's decision then opens the chosen institution's part.
    await publish(
        bus,
        routed(
            reference=reference,
            decision_id="d-3",
            competent=[competent("ma-inpplc")],
            triaged_by="ma-cndh",
            decided_at=datetime.now(UTC) + timedelta(seconds=2),
        ),
    )
    decided = await followed_until(as_, reference, "routed")
    assert [i["institution_id"] for i in decided["institutions"]] == ["ma-inpplc"]


async def test_institutions_still_taking_part_are_not_told_of_the_case_again(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur", "ma-cndh")
    await hand_back(as_, reference, "ma-mediateur", "Hors de notre mandat")

    await publish(
        bus,
        routed(
            reference=reference,
            decision_id="d-2",
            competent=[competent("ma-inpplc"), competent("ma-cndh", "associated")],
            decided_at=datetime.now(UTC) + timedelta(seconds=1),
        ),
    )

    async def with_inpplc() -> dict[str, Any] | None:
        view: dict[str, Any] = (await as_(complainant(reference)).read(reference)).json()
        ids = [i["institution_id"] for i in view["institutions"]]
        return view if "ma-inpplc" in ids else None

    view = await eventually(with_inpplc)
    assert [(i["institution_id"], i["role"]) for i in view["institutions"]] == [
        ("ma-inpplc", "lead"),
        ("ma-cndh", "associated"),
    ]
    assert await opened_for(app, reference) == [["ma-mediateur", "ma-cndh"], ["ma-inpplc"]]


async def test_when_nobody_new_joins_the_institution_still_taking_part_leads(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur", "ma-cndh")
    await hand_back(as_, reference, "ma-mediateur", "Hors de notre mandat")

    await publish(
        bus,
        routed(
            reference=reference,
            decision_id="d-2",
            competent=[competent("ma-cndh")],
            decided_at=datetime.now(UTC) + timedelta(seconds=1),
        ),
    )

    async def led_by_cndh() -> dict[str, Any] | None:
        view: dict[str, Any] = (await as_(staff("ma-cndh")).read(reference)).json()
        roles = {(p["institution_id"], p["role"]) for p in view["parts"]}
        return view if ("ma-cndh", "lead") in roles else None

    view = await eventually(led_by_cndh)
    assert view["status"] == "routed"
    assert await opened_for(app, reference) == [["ma-mediateur", "ma-cndh"]]
