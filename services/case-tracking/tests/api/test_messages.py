"""Messages: who writes to whom, and what each reader of the case reads."""

from collections.abc import Callable
from datetime import datetime

import httpx
import sqlalchemy as sa
from case_tracking_support import (
    Caller,
    complainant,
    event_type,
    institution,
    open_case,
    outbox,
    staff,
)
from fastapi import FastAPI

from case_tracking.models import AuditEntry
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus

As = Callable[[Principal], Caller]


async def write(
    caller: Caller, reference: str, body: str, audience: str | None = None
) -> httpx.Response:
    draft = {"body": body} | ({"audience": audience} if audience else {})
    return await caller.post(f"/internal/cases/{reference}/messages", draft)


async def bodies(caller: Caller, reference: str) -> list[str]:
    return [message["body"] for message in (await caller.read(reference)).json()["messages"]]


async def test_each_reader_reads_what_is_written_to_it_and_nothing_else(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-inpplc", "ma-cndh")
    person = as_(complainant(reference))
    inpplc, cndh = as_(staff("ma-inpplc")), as_(staff("ma-cndh"))

    answers = [
        await write(person, reference, "I have the receipts"),
        await write(inpplc, reference, "Please send them", "complainant"),
        await write(inpplc, reference, "Shall we lead on this?", "institutions"),
        await write(inpplc, reference, "Looks like a kickback", "internal"),
        await write(cndh, reference, "Our own note", "internal"),
    ]

    assert [answer.status_code for answer in answers] == [201] * 5
    assert await bodies(person, reference) == ["I have the receipts", "Please send them"]
    assert await bodies(inpplc, reference) == [
        "I have the receipts",
        "Please send them",
        "Shall we lead on this?",
        "Looks like a kickback",
    ]
    assert await bodies(cndh, reference) == [
        "I have the receipts",
        "Please send them",
        "Shall we lead on this?",
        "Our own note",
    ]
    assert await bodies(as_(Principal(client_id="operator", kind="admin")), reference) == []


async def test_a_message_names_no_one_and_is_dated_to_the_minute(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")

    posted = await write(as_(complainant(reference)), reference, "Still nothing from the town hall")

    message = posted.json()
    assert set(message) == {
        "id",
        "at",
        "author",
        "institution_id",
        "relayed_by_ngo",
        "audience",
        "body",
        "attachments",
    }
    assert message["relayed_by_ngo"] is None
    assert message["attachments"] == []
    assert (message["author"], message["institution_id"], message["audience"]) == (
        "complainant",
        None,
        "complainant",
    )
    at = datetime.fromisoformat(message["at"])
    assert (at.second, at.microsecond) == (0, 0)
    [announced] = await outbox(app, event_type("case.message-posted"))
    assert announced["message_id"] == message["id"]
    assert announced["institution_ids"] == ["ma-mediateur"]
    assert "Still nothing" not in str(announced)


async def test_each_writer_writes_only_to_an_audience_it_may(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")

    complainant_aside = await write(as_(complainant(reference)), reference, "psst", "internal")
    alone = await write(as_(staff("ma-mediateur")), reference, "anyone?", "institutions")
    reading_only = await write(as_(institution("ma-mediateur")), reference, "hello")

    assert complainant_aside.status_code == alone.status_code == 422
    assert complainant_aside.json()["errors"][0]["field"] == "audience"
    assert reading_only.status_code == 404


async def test_nothing_more_is_written_in_a_withdrawn_case(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    person = as_(complainant(reference))
    await person.post(f"/internal/cases/{reference}/withdrawal", {})

    late = await write(as_(staff("ma-mediateur")), reference, "Any news?")

    assert late.status_code == 409
    assert late.json()["type"] == "/problems/case-finished"


async def test_every_staff_read_of_messages_is_audited_and_the_complainants_is_not(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    mediateur = as_(staff("ma-mediateur"))
    await mediateur.read(reference)  # no message yet: nothing read
    await write(as_(complainant(reference)), reference, "Here is my story")

    await mediateur.read(reference)
    await mediateur.read(reference)
    await as_(complainant(reference)).read(reference)

    async with app.state.runtime.sessions() as session:
        entries = (
            await session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))  # type: ignore[arg-type]
        ).all()
    assert [
        (e.actor_client_id, e.actor_institution_id, e.action, e.reference, e.detail)
        for e in entries
    ] == [("ma-mediateur-system", "ma-mediateur", "read-messages", reference, "1 messages")] * 2
