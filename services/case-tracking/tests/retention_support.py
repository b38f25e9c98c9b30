"""What the tests of forgetting and key rotation share: a case full of words, and the raw rows."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from case_tracking_support import Caller, complainant, open_case, staff
from fastapi import FastAPI
from sqlmodel import SQLModel

from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import ComplaintPersonalDataRemoved
from nowrongdoor.envelope import Envelope

As = Callable[[Principal], Caller]

# What people wrote in the case; none of it may outlive the case's personal data.
WORDS = {
    "message": "Canary-message-4HV: my neighbour Youssef Amrani took the bribe",
    "answer": "Canary-answer-8RT: we called Mr Amrani's office",
    "internal": "Canary-internal-2PL: his cousin works here",
    "pause": "Canary-pause-6WD: send the receipt Youssef kept",
    "reason": "Canary-reason-9KQ: Mr Amrani repaid the sum",
    "asked": "Canary-asked-3BD: Mr Amrani is a police officer",
    "declined": "Canary-declined-7MM: nothing about Mr Amrani is for us",
}


async def removal_announced(bus: Bus, reference: str, reason: str = "retention") -> str:
    """Intake's word that the complaint's personal data is gone; the event's id."""
    event = ComplaintPersonalDataRemoved.model_validate(
        {"reference": reference, "reason": reason, "removed_at": datetime.now(UTC)}
    )
    envelope = Envelope.wrap(event, source="/tests", subject=reference)
    await bus.publish(envelope, event.subject)
    return envelope.id


async def worked_to_closure(client: httpx.AsyncClient, bus: Bus, as_: As) -> str:
    """A case with messages each way, an internal note, a noted pause and a reason; closed."""
    reference = await open_case(client, bus, "ma-mediateur")
    person, mediateur = as_(complainant(reference)), as_(staff("ma-mediateur"))
    path = f"/internal/cases/{reference}/messages"
    for caller, body, audience in [
        (person, WORDS["message"], "complainant"),
        (mediateur, WORDS["answer"], "complainant"),
        (mediateur, WORDS["internal"], "internal"),
    ]:
        posted = await caller.post(path, {"body": body, "audience": audience})
        assert posted.status_code == 201, posted.text
    for status, change in [
        ("acknowledged", {}),
        ("awaiting-complainant", {"reason": WORDS["pause"]}),
        ("acknowledged", {}),
        ("admissible", {}),
        ("investigating", {}),
        ("resolved", {"outcome": "upheld", "reason": WORDS["reason"]}),
        ("closed", {}),
    ]:
        moved = await mediateur.step(reference, status, **change)
        assert moved.status_code == 200, moved.text
    return reference


async def asked_and_declined(as_: As, reference: str) -> None:
    """The Médiateur asks the INPPLC to take part, saying why; the INPPLC declines, saying why."""
    steps: list[tuple[Caller, str, dict[str, Any]]] = [
        (
            as_(staff("ma-mediateur")),
            "invitations",
            {"institution_id": "ma-inpplc", "reason": WORDS["asked"]},
        ),
        (
            as_(staff("ma-inpplc")),
            "invitation-answer",
            {"accept": False, "reason": WORDS["declined"]},
        ),
    ]
    for caller, path, body in steps:
        tag = (await as_(staff("ma-mediateur")).read(reference)).headers["etag"]
        changed = await caller.post(f"/internal/cases/{reference}/{path}", body, if_match=tag)
        assert changed.status_code == 200, changed.text


async def everything_stored(app: FastAPI) -> str:
    """Every row of every table case tracking has, as text."""
    async with app.state.runtime.engine.connect() as connection:
        present = set(await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names()))
        rows = [
            (await connection.execute(sa.select(table))).all()
            for table in SQLModel.metadata.sorted_tables
            if table.name in present
        ]
    return repr(rows)


async def sealed_values(app: FastAPI) -> list[str]:
    """Every message body, note and reason as stored."""
    statements = [
        "SELECT sealed_body FROM case_messages",
        "SELECT sealed_note FROM timeline_entries WHERE sealed_note IS NOT NULL",
        "SELECT sealed_outcome_reason FROM case_parts WHERE sealed_outcome_reason IS NOT NULL",
        "SELECT sealed_reason FROM case_invitations",
        "SELECT sealed_decline_reason FROM case_invitations "
        "WHERE sealed_decline_reason IS NOT NULL",
    ]
    async with app.state.runtime.engine.connect() as connection:
        return [
            row[0]
            for statement in statements
            for row in (await connection.execute(sa.text(statement))).all()
        ]
