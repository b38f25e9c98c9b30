"""Each step's events, the complainant's withdrawal, and transfers after opening."""

from collections.abc import Callable
from typing import Any

import httpx
import sqlalchemy as sa
from case_tracking_support import (
    Caller,
    competent,
    complainant,
    event_type,
    open_case,
    outbox,
    publish,
    received,
    routed,
    staff,
    status_changes,
)
from fastapi import FastAPI

from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.ids import new_reference
from nowrongdoor.inbox import InboxEntry
from nowrongdoor.testing.apps import eventually

As = Callable[[Principal], Caller]


async def events(app: FastAPI, subject: str, reference: str) -> list[dict[str, Any]]:
    return [e for e in await outbox(app, event_type(subject)) if e["reference"] == reference]


async def changes(app: FastAPI, reference: str) -> list[tuple[str | None, str]]:
    return [
        (change["previous_status"], change["status"])
        for change in await status_changes(app)
        if change["reference"] == reference
    ]


async def test_each_step_sends_its_own_event_and_the_case_status_when_it_moves(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    mediateur = as_(staff("ma-mediateur"))

    for status, extra in [
        ("acknowledged", {}),
        ("awaiting-complainant", {"reason": "Please send the town hall's letter"}),
        ("acknowledged", {}),
        ("admissible", {}),
        ("investigating", {}),
        ("resolved", {"outcome": "mediated", "reason": "Both sides agreed"}),
        ("closed", {}),
    ]:
        assert (await mediateur.step(reference, status, **extra)).status_code == 200

    steps = [
        (subject, e["previous_status"], e["status"])
        for subject in (
            "case.acknowledged",
            "case.awaiting-complainant",
            "case.resumed",
            "case.admissibility-decided",
            "case.investigation-started",
            "case.resolved",
            "case.closed",
        )
        for e in await events(app, subject, reference)
    ]
    assert steps == [
        ("case.acknowledged", "routed", "acknowledged"),
        ("case.awaiting-complainant", "acknowledged", "awaiting-complainant"),
        ("case.resumed", "awaiting-complainant", "acknowledged"),
        ("case.admissibility-decided", "acknowledged", "admissible"),
        ("case.investigation-started", "admissible", "investigating"),
        ("case.resolved", "investigating", "resolved"),
        ("case.closed", "resolved", "closed"),
    ]
    assert (await events(app, "case.resolved", reference))[0]["outcome"] == "mediated"
    assert all(
        e["institution_id"] == "ma-mediateur" for e in await outbox(app, event_type("case.closed"))
    )
    assert await changes(app, reference) == [
        (None, "received"),
        ("received", "routed"),
        ("routed", "acknowledged"),
        ("acknowledged", "awaiting-complainant"),
        ("awaiting-complainant", "acknowledged"),
        ("acknowledged", "admissible"),
        ("admissible", "investigating"),
        ("investigating", "resolved"),
        ("resolved", "closed"),
    ]
    timeline = (await as_(complainant(reference)).read(reference)).json()["timeline"]
    assert [entry["kind"] for entry in timeline][2:] == [
        "acknowledged",
        "awaiting-complainant",
        "resumed",
        "admissible",
        "investigating",
        "resolved",
        "closed",
    ]
    # The complainant of a French complaint reads the platform's words in French, the
    # institution's reason as it was written.
    assert timeline[3]["summary"] == (
        "Institution ma-mediateur attend la réponse de l'auteur de la plainte : "
        "Please send the town hall's letter"
    )


async def test_a_joint_case_moves_with_its_slowest_part(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-inpplc", "ma-cndh")
    inpplc, cndh = as_(staff("ma-inpplc")), as_(staff("ma-cndh"))

    await inpplc.step(reference, "acknowledged")
    after_one = (await inpplc.read(reference)).json()
    await cndh.step(reference, "acknowledged")
    await inpplc.step(reference, "admissible")
    after_both = (await cndh.read(reference)).json()

    assert after_one["status"] == "routed"
    assert [(p["institution_id"], p["status"]) for p in after_one["parts"]] == [
        ("ma-inpplc", "acknowledged"),
        ("ma-cndh", "routed"),
    ]
    assert after_both["status"] == "acknowledged"
    assert await changes(app, reference) == [
        (None, "received"),
        ("received", "routed"),
        ("routed", "acknowledged"),
    ]
    assert len(await events(app, "case.acknowledged", reference)) == 2


async def test_the_complainant_withdraws_and_every_open_part_ends(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-inpplc", "ma-cndh")
    inpplc = as_(staff("ma-inpplc"))
    await inpplc.step(reference, "acknowledged")
    person = as_(complainant(reference))
    path = f"/internal/cases/{reference}/withdrawal"

    by_institution = await inpplc.post(path, {"reason": "not ours to say"})
    withdrawn = await person.post(path, {"reason": "The town hall answered me"})
    again = await person.post(path, {})
    step_after = await inpplc.step(reference, "admissible")

    assert by_institution.status_code == 404
    assert withdrawn.status_code == 200, withdrawn.text
    view = withdrawn.json()
    assert (view["status"], view["outcome"], view["outcome_reason"]) == (
        "withdrawn",
        "withdrawn",
        "The town hall answered me",
    )
    assert view["timeline"][-1]["summary"] == (
        "Plainte retirée par son auteur : The town hall answered me"
    )
    assert view["promised"] == []
    assert again.status_code == step_after.status_code == 409
    parts = (await inpplc.read(reference)).json()["parts"]
    assert {(p["status"], p["outcome"]) for p in parts} == {("withdrawn", "withdrawn")}
    assert [
        (e["institution_id"], e["previous_status"])
        for e in await events(app, "case.withdrawn", reference)
    ] == [(None, "routed")]  # the whole case, which stood where its slowest part did
    assert (await changes(app, reference))[-1] == ("routed", "withdrawn")


async def test_a_complaint_not_yet_decided_can_be_withdrawn_and_stays_so(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = new_reference()
    await publish(bus, received(reference))
    person = as_(complainant(reference))
    await eventually(lambda: _status(person, reference, "received"))

    withdrawn = await person.post(f"/internal/cases/{reference}/withdrawal", {})
    await publish(bus, routed(reference=reference, competent=[competent("ma-mediateur")]))
    await eventually(lambda: _decided_or_not(app, reference))

    assert withdrawn.json()["status"] == "withdrawn"
    assert (await person.read(reference)).json()["status"] == "withdrawn"
    assert (await changes(app, reference)) == [(None, "received"), ("received", "withdrawn")]


async def _status(caller: Caller, reference: str, status: str) -> bool:
    answer = await caller.read(reference)
    return answer.status_code == 200 and answer.json()["status"] == status


async def _decided_or_not(app: FastAPI, reference: str) -> bool:
    """The decision was handled: its inbox row exists."""
    async with app.state.runtime.sessions() as session:
        rows = await session.scalars(
            sa.select(InboxEntry).where(
                InboxEntry.consumer == "case-tracking-complaint-routed"  # type: ignore[arg-type]
            )
        )
        return rows.first() is not None


async def test_a_transfer_to_a_named_institution_opens_its_part_in_the_same_case(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    await open_case(client, bus, "ma-inpplc")  # a decision that named INPPLC once
    reference = await open_case(client, bus, "ma-cndh")
    cndh, inpplc = as_(staff("ma-cndh")), as_(staff("ma-inpplc"))
    await cndh.step(reference, "acknowledged")
    tag = (await cndh.read(reference)).headers["etag"]

    moved = await cndh.post(
        f"/internal/cases/{reference}/transfer",
        {"reason": "This is about corruption", "to_institution_id": "ma-inpplc"},
        if_match=tag,
    )

    assert moved.status_code == 200, moved.text
    view = (await as_(complainant(reference)).read(reference)).json()
    assert view["reference"] == reference
    assert view["status"] == "routed"
    assert [(i["institution_id"], i["role"]) for i in view["institutions"]] == [
        ("ma-inpplc", "lead")
    ]
    assert view["timeline"][-1]["summary"] == (
        "Plainte transférée par Institution ma-cndh à Institution ma-inpplc : "
        "This is about corruption"
    )
    assert {p["standard"] for p in view["promised"]} == {
        "acknowledge",
        "admissibility",
        "resolution",
    }
    assert [(p["institution_id"], p["status"]) for p in moved.json()["parts"]] == [
        ("ma-cndh", "transferred"),
        ("ma-inpplc", "routed"),
    ]
    assert (await inpplc.step(reference, "acknowledged")).status_code == 200
    assert (await cndh.step(reference, "admissible")).status_code == 409
    transferred = await events(app, "case.transferred", reference)
    assert [
        (e["from_institution_id"], e["to_institution_id"], e["facts"]) for e in transferred
    ] == [("ma-cndh", "ma-inpplc", None)]
    opened = await events(app, "case.opened", reference)
    assert [e["institution_ids"] for e in opened] == [["ma-cndh"], ["ma-inpplc"]]
    assert (await changes(app, reference))[-3:] == [
        ("routed", "acknowledged"),
        ("acknowledged", "routed"),
        ("routed", "acknowledged"),
    ]


async def test_a_transfer_without_a_name_returns_the_case_to_routing_with_its_facts(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(
        client, bus, "ma-cndh", facts={"category": "corruption", "respondent_territory": "MA-01"}
    )
    cndh = as_(staff("ma-cndh"))
    tag = (await cndh.read(reference)).headers["etag"]

    moved = await cndh.post(
        f"/internal/cases/{reference}/transfer",
        {"reason": "Not a human-rights matter"},
        if_match=tag,
    )

    assert moved.status_code == 200
    assert moved.json()["status"] == "received"
    assert moved.json()["institutions"] == []
    [transferred] = await events(app, "case.transferred", reference)
    assert transferred["to_institution_id"] is None
    assert transferred["facts"]["category"] == "corruption"
    assert transferred["facts"]["respondent_territory"] == "MA-01"
    assert (await changes(app, reference))[-1] == ("routed", "received")
    timeline = (await as_(complainant(reference)).read(reference)).json()["timeline"]
    assert timeline[-1]["summary"] == (
        "Plainte transférée par Institution ma-cndh : une nouvelle décision sur l'institution "
        "compétente est attendue : Not a human-rights matter"
    )


async def test_a_transfer_is_refused_where_the_table_or_the_case_forbids_it(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-inpplc", "ma-cndh")
    inpplc = as_(staff("ma-inpplc"))
    path = f"/internal/cases/{reference}/transfer"

    async def transfer(to: str | None) -> httpx.Response:
        tag = (await inpplc.read(reference)).headers["etag"]
        body = {"reason": "Not ours"} | ({"to_institution_id": to} if to else {})
        return await inpplc.post(path, body, if_match=tag)

    to_itself = await transfer("ma-inpplc")
    to_a_partner = await transfer("ma-cndh")
    for status in ("acknowledged", "admissible", "investigating"):
        await inpplc.step(reference, status)
    too_late = await transfer("ma-mediateur")

    assert to_itself.status_code == to_a_partner.status_code == 409
    assert (
        to_itself.json()["type"] == to_a_partner.json()["type"] == ("/problems/already-taking-part")
    )
    assert too_late.status_code == 409
    assert too_late.json()["type"] == "/problems/illegal-transition"
    assert [e["message"] for e in too_late.json()["errors"]] == [
        "awaiting-complainant",
        "resolved",
    ]
