"""Joint cases: an institution asks another to take part, which accepts or declines; a part
leaves a case the others carry on."""

from collections.abc import Callable
from typing import Any

import httpx
from case_tracking_support import (
    Caller,
    complainant,
    event_type,
    institution,
    open_case,
    outbox,
    staff,
    status_changes,
)
from fastapi import FastAPI

from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus

As = Callable[[Principal], Caller]
ASKED = "The officials named are police officers: a question of human rights."


async def events(app: FastAPI, subject: str, reference: str) -> list[dict[str, Any]]:
    return [e for e in await outbox(app, event_type(subject)) if e["reference"] == reference]


async def changed(
    caller: Caller, reference: str, path: str, body: dict[str, Any]
) -> httpx.Response:
    """Read the case for its tag, then make the change as `caller`."""
    tag = (await caller.read(reference)).headers.get("etag")
    if tag is None:  # a caller that cannot read the case names some tag all the same
        tag = (await caller.client.get(f"/internal/cases/{reference}")).headers["etag"]
    return await caller.post(f"/internal/cases/{reference}/{path}", body, if_match=tag)


async def invite(caller: Caller, reference: str, invited: str) -> httpx.Response:
    return await changed(
        caller, reference, "invitations", {"institution_id": invited, "reason": ASKED}
    )


async def answer(caller: Caller, reference: str, **given: Any) -> httpx.Response:
    return await changed(caller, reference, "invitation-answer", given)


async def test_an_institution_asked_reads_the_case_without_its_messages_then_takes_part(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    await open_case(client, bus, "ma-cndh")  # a decision that named the CNDH once
    reference = await open_case(client, bus, "ma-mediateur")
    mediateur, cndh = as_(staff("ma-mediateur")), as_(staff("ma-cndh"))
    await mediateur.step(reference, "acknowledged")
    note = {"body": "Internal: call the commune.", "audience": "internal"}
    assert (await mediateur.post(f"/internal/cases/{reference}/messages", note)).is_success
    before = await cndh.read(reference)

    invited = await invite(mediateur, reference, "ma-cndh")
    asked = await cndh.read(reference)
    reading_only = await as_(institution("ma-cndh")).read(reference)
    accepted = await answer(cndh, reference, accept=True)

    assert before.status_code == 404
    assert invited.status_code == 200, invited.text
    assert invited.headers["etag"] != before.headers.get("etag")
    [invitation] = invited.json()["invitations"]
    assert (invitation["institution_id"], invitation["invited_by"], invitation["status"]) == (
        "ma-cndh",
        "ma-mediateur",
        "pending",
    )
    assert invitation["id"].startswith("i-")
    assert invitation["reason"] == ASKED
    assert asked.status_code == reading_only.status_code == 200, asked.text
    assert asked.json()["messages"] == []
    assert [i["institution_id"] for i in asked.json()["invitations"]] == ["ma-cndh"]
    assert [p["institution_id"] for p in asked.json()["parts"]] == ["ma-mediateur"]
    assert accepted.status_code == 200, accepted.text
    view = accepted.json()
    assert [(p["institution_id"], p["role"], p["status"]) for p in view["parts"]] == [
        ("ma-mediateur", "lead", "acknowledged"),
        ("ma-cndh", "associated", "routed"),
    ]
    assert view["invitations"][0]["status"] == "accepted"
    assert view["invitations"][0]["answered_at"] is not None
    assert view["status"] == "routed"  # the case stands where its slowest part is
    assert [m["body"] for m in view["messages"]] == []  # another's internal note stays its own
    assert {p["institution_id"] for p in view["promised"]} == {"ma-mediateur", "ma-cndh"}
    assert (await cndh.step(reference, "acknowledged")).status_code == 200

    seen = (await as_(complainant(reference)).read(reference)).json()
    assert seen.get("invitations") is None and seen.get("parts") is None
    summaries = [entry["summary"] for entry in seen["timeline"]]
    assert (
        "Institution ma-mediateur a demandé à Institution ma-cndh de participer au traitement "
        "de la plainte" in summaries
    )
    assert "Institution ma-cndh participe désormais au traitement de la plainte" in summaries
    assert ASKED not in str(seen)
    [sent] = await events(app, "case.invitation-sent", reference)
    assert (sent["from_institution_id"], sent["institution_id"]) == ("ma-mediateur", "ma-cndh")
    [answered] = await events(app, "case.invitation-answered", reference)
    assert (answered["institution_id"], answered["accepted"]) == ("ma-cndh", True)
    opened = await events(app, "case.opened", reference)
    assert [e["institution_ids"] for e in opened] == [["ma-mediateur"], ["ma-cndh"]]
    assert ASKED not in str(await outbox(app, event_type("case.invitation-sent")))
    statuses = [
        (c["previous_status"], c["status"])
        for c in await status_changes(app)
        if c["reference"] == reference
    ]
    assert ("acknowledged", "routed") in statuses


async def test_an_institution_that_declines_says_why_and_then_sees_no_case(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    mediateur, inpplc = as_(staff("ma-mediateur")), as_(staff("ma-inpplc"))
    assert (await invite(mediateur, reference, "ma-inpplc")).status_code == 200

    silent = await answer(inpplc, reference, accept=False)
    blank = await answer(inpplc, reference, accept=False, reason="   ")
    declined = await answer(inpplc, reference, accept=False, reason="No corruption is alleged.")
    afterwards = await inpplc.read(reference)
    again = await answer(inpplc, reference, accept=True)

    assert silent.status_code == blank.status_code == 422
    assert silent.json()["errors"][0]["field"] == "reason"
    assert declined.status_code == 200, declined.text
    [invitation] = declined.json()["invitations"]
    assert (invitation["status"], invitation["decline_reason"]) == (
        "declined",
        "No corruption is alleged.",
    )
    assert afterwards.status_code == 404
    assert again.status_code == 404
    as_lead = (await mediateur.read(reference)).json()
    assert as_lead["invitations"][0]["decline_reason"] == "No corruption is alleged."
    assert [p["institution_id"] for p in as_lead["parts"]] == ["ma-mediateur"]
    seen = (await as_(complainant(reference)).read(reference)).json()
    assert seen["timeline"][-1]["summary"] == (
        "ma-inpplc ne participera pas au traitement de la plainte"
    )
    assert "No corruption" not in str(seen)
    [answered] = await events(app, "case.invitation-answered", reference)
    assert answered["accepted"] is False
    assert "No corruption" not in str(answered)
    # Declined, it may be asked again.
    assert (await invite(mediateur, reference, "ma-inpplc")).status_code == 200


async def test_an_invitation_is_refused_to_who_takes_part_or_was_asked_already(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-inpplc", "ma-cndh")
    inpplc, outsider = as_(staff("ma-inpplc")), as_(staff("ma-mediateur"))
    path = f"/internal/cases/{reference}/invitations"
    body = {"institution_id": "fr-ddd", "reason": ASKED}

    itself = await invite(inpplc, reference, "ma-inpplc")
    partner = await invite(inpplc, reference, "ma-cndh")
    first = await invite(inpplc, reference, "fr-ddd")
    twice = await invite(inpplc, reference, "fr-ddd")
    without_tag = await inpplc.post(path, body)
    stale = await inpplc.post(path, body | {"institution_id": "fr-hatvp"}, if_match='"1"')
    by_outsider = await invite(outsider, reference, "fr-hatvp")
    reader_only = await invite(as_(institution("ma-cndh")), reference, "fr-hatvp")

    assert itself.status_code == partner.status_code == 409
    assert itself.json()["type"] == "/problems/already-taking-part"
    assert first.status_code == 200
    assert twice.status_code == 409
    assert twice.json()["type"] == "/problems/already-invited"
    assert without_tag.status_code == 428
    assert stale.status_code == 412
    assert by_outsider.status_code == reader_only.status_code == 404
    invited = (await inpplc.read(reference)).json()["invitations"]
    assert [(i["institution_id"], i["status"]) for i in invited] == [("fr-ddd", "pending")]


async def test_an_institution_leaves_a_joint_case_which_the_other_carries_on(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-inpplc", "ma-cndh")
    inpplc, cndh = as_(staff("ma-inpplc")), as_(staff("ma-cndh"))
    for status in ("acknowledged", "admissible"):
        await cndh.step(reference, status)
    await inpplc.step(reference, "acknowledged")
    await inpplc.step(reference, "awaiting-complainant", reason="Which ministry?")
    held_back = (await cndh.read(reference)).json()["status"]

    left = await changed(inpplc, reference, "leave", {"reason": "No corruption is alleged."})
    note = {"body": "Still here?", "audience": "institutions"}
    written = await inpplc.post(f"/internal/cases/{reference}/messages", note)
    last = await changed(cndh, reference, "leave", {"reason": "Not ours either."})

    assert left.status_code == 200, left.text
    view = left.json()
    assert [(p["institution_id"], p["role"], p["status"]) for p in view["parts"]] == [
        ("ma-inpplc", "lead", "transferred"),
        ("ma-cndh", "lead", "admissible"),
    ]
    assert [i["institution_id"] for i in view["institutions"]] == ["ma-cndh"]
    assert held_back == "awaiting-complainant"
    assert view["status"] == "admissible"  # no longer held back by the part that left
    assert written.status_code == 404
    assert last.status_code == 409
    assert last.json()["type"] == "/problems/last-part"
    assert "transfer" in last.json()["detail"]
    seen = (await as_(complainant(reference)).read(reference)).json()
    assert seen["status"] == "admissible"
    assert seen["timeline"][-1]["summary"] == (
        "Institution ma-inpplc ne participe plus au traitement de la plainte ; les autres "
        "institutions le poursuivent : No corruption is alleged."
    )
    assert [p for p in seen["promised"] if p["institution_id"] == "ma-inpplc"] == []
    [event] = await events(app, "case.part-left", reference)
    assert (event["institution_id"], event["lead_institution_id"]) == ("ma-inpplc", "ma-cndh")
    assert "No corruption" not in str(event)
    statuses = [
        (c["previous_status"], c["status"])
        for c in await status_changes(app)
        if c["reference"] == reference
    ]
    assert statuses[-1] == ("awaiting-complainant", "admissible")
    assert (await cndh.step(reference, "investigating")).status_code == 200


async def test_a_part_that_decided_cannot_leave(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-inpplc", "ma-cndh")
    cndh = as_(staff("ma-cndh"))
    await cndh.step(reference, "acknowledged")
    await cndh.step(reference, "inadmissible", reason="Before a court.")

    refused = await changed(cndh, reference, "leave", {"reason": "Not ours."})
    outsider = await changed(as_(staff("ma-mediateur")), reference, "leave", {"reason": "Hm."})

    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/cannot-leave"
    assert outsider.status_code == 404
