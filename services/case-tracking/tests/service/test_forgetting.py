"""Once intake removed a complaint's personal data, its case keeps its facts and loses its words."""

import asyncio
import base64
import io
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from case_tracking_support import complainant, open_case, staff
from fastapi import FastAPI
from PIL import Image
from retention_support import (
    WORDS,
    As,
    asked_and_declined,
    everything_stored,
    removal_announced,
    worked_to_closure,
)

from case_tracking.models import AuditEntry
from nowrongdoor.bus import Bus
from nowrongdoor.inbox import InboxEntry
from nowrongdoor.testing.apps import eventually

CONSUMER = "case-tracking-complaint-personal-data-removed"
RETENTION_NOTICE = "This message was removed after the retention period."
ERASURE_NOTICE = "This message was removed at the complainant's request."


async def test_a_closed_case_past_retention_still_reads_without_a_word_of_what_was_written(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await worked_to_closure(client, bus, as_)
    person, mediateur = as_(complainant(reference)), as_(staff("ma-mediateur"))
    before = (await mediateur.read(reference)).json()
    assert WORDS["pause"] in repr(before["timeline"])
    assert before["outcome_reason"] == WORDS["reason"]

    await removal_announced(bus, reference)

    async def forgotten() -> dict[str, Any] | None:
        view: dict[str, Any] = (await mediateur.read(reference)).json()
        return view if view["outcome_reason"] is None else None

    after = await eventually(forgotten)
    seen_by_person = (await person.read(reference)).json()

    assert after["status"] == before["status"] == "closed"
    assert after["outcome"] == "upheld"
    assert [p["status"] for p in after["parts"]] == [p["status"] for p in before["parts"]]
    assert [(m["id"], m["at"], m["author"], m["audience"]) for m in after["messages"]] == [
        (m["id"], m["at"], m["author"], m["audience"]) for m in before["messages"]
    ]
    assert [m["body"] for m in after["messages"]] == [RETENTION_NOTICE] * 3
    assert [m["body"] for m in seen_by_person["messages"]] == [RETENTION_NOTICE] * 2
    assert [(e["at"], e["kind"]) for e in after["timeline"]] == [
        (e["at"], e["kind"]) for e in before["timeline"]
    ]
    stored = await everything_stored(app)
    for marker in ("Canary", "Youssef", "Amrani"):
        assert marker not in repr(after) + repr(seen_by_person)
        assert marker not in stored


async def test_forgetting_is_audited_with_counts_and_no_words(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await worked_to_closure(client, bus, as_)

    await removal_announced(bus, reference)

    async def audited() -> list[AuditEntry]:
        async with app.state.runtime.sessions() as session:
            rows = await session.scalars(
                sa.select(AuditEntry).where(
                    AuditEntry.reference == reference,  # type: ignore[arg-type]
                    AuditEntry.action == "remove-personal-data",  # type: ignore[arg-type]
                )
            )
            return list(rows.all())

    [entry] = await eventually(audited)

    assert entry.actor_kind == "system"
    assert entry.detail is not None
    assert entry.detail.startswith("retention: 3 message bodies, 2 notes, 1 outcome reasons")
    assert "Canary" not in entry.detail


async def test_an_erasure_says_so_and_an_open_case_goes_on(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    person, mediateur = as_(complainant(reference)), as_(staff("ma-mediateur"))
    path = f"/internal/cases/{reference}/messages"
    await person.post(path, {"body": WORDS["message"]})

    await removal_announced(bus, reference, "erasure")

    async def erased() -> list[str] | None:
        bodies = [m["body"] for m in (await person.read(reference)).json()["messages"]]
        return bodies if bodies == [ERASURE_NOTICE] else None

    await eventually(erased)
    later = await mediateur.post(
        path, {"body": "Could you tell us more?", "audience": "complainant"}
    )
    acknowledged = await mediateur.step(reference, "acknowledged")
    bodies = [m["body"] for m in (await person.read(reference)).json()["messages"]]

    assert later.status_code == 201, later.text
    assert acknowledged.status_code == 200, acknowledged.text
    assert bodies == [ERASURE_NOTICE, "Could you tell us more?"]


async def test_a_removal_for_a_case_never_heard_of_is_handled_and_changes_nothing(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    person = as_(complainant(reference))
    await person.post(f"/internal/cases/{reference}/messages", {"body": WORDS["message"]})

    unknown = await removal_announced(bus, "NWD-0000000000AA")

    async def handled() -> bool:
        async with app.state.runtime.sessions() as session:
            return await session.get(InboxEntry, (unknown, CONSUMER)) is not None

    await eventually(handled)
    messages = (await person.read(reference)).json()["messages"]

    assert [m["body"] for m in messages] == [WORDS["message"]]


async def test_the_cases_files_go_with_its_messages(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    person = as_(complainant(reference))
    image = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(image, format="PNG")
    draft = {
        "body": WORDS["message"],
        "attachments": [{"content": base64.b64encode(image.getvalue()).decode()}],
    }
    posted = (await person.post(f"/internal/cases/{reference}/messages", draft)).json()
    [attachment] = posted["attachments"]
    path = f"/internal/cases/{reference}/attachments/{attachment['id']}"
    assert (await person.get(path)).status_code == 200

    await removal_announced(bus, reference)

    async def forgotten() -> list[dict[str, Any]] | None:
        messages: list[dict[str, Any]] = (await person.read(reference)).json()["messages"]
        return messages if messages[0]["body"] == RETENTION_NOTICE else None

    [message] = await eventually(forgotten)
    root: Path = app.state.store.root
    files = await asyncio.to_thread(lambda: [p for p in root.rglob("*") if p.is_file()])

    assert message["attachments"] == []
    assert (await person.get(path)).status_code == 404
    assert files == []


async def test_the_reasons_given_with_an_invitation_go_too(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    mediateur = as_(staff("ma-mediateur"))
    await asked_and_declined(as_, reference)
    [before] = (await mediateur.read(reference)).json()["invitations"]
    assert (before["reason"], before["decline_reason"]) == (WORDS["asked"], WORDS["declined"])

    await removal_announced(bus, reference)

    async def forgotten() -> list[dict[str, Any]] | None:
        invitations: list[dict[str, Any]] = (await mediateur.read(reference)).json()["invitations"]
        return invitations if invitations[0]["decline_reason"] is None else None

    [after] = await eventually(forgotten)

    assert after["reason"] == "Removed after the retention period."
    assert (after["institution_id"], after["status"]) == ("ma-inpplc", "declined")
    assert "Canary" not in await everything_stored(app)
