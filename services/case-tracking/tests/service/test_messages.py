"""What a person wrote is sealed at rest: the columns hold no word of it."""

from collections.abc import Callable

import httpx
import pytest
import sqlalchemy as sa
from case_tracking_support import Caller, complainant, open_case, staff
from cryptography.exceptions import InvalidTag
from fastapi import FastAPI

from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus

As = Callable[[Principal], Caller]
SECRET = "My neighbour Youssef Amrani took the bribe"


async def column(app: FastAPI, statement: str) -> list[str]:
    async with app.state.runtime.engine.connect() as connection:
        return [row[0] for row in (await connection.execute(sa.text(statement))).all()]


async def test_messages_reasons_and_notes_are_sealed_at_rest(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    person, mediateur = as_(complainant(reference)), as_(staff("ma-mediateur"))
    await person.post(f"/internal/cases/{reference}/messages", {"body": SECRET})
    await mediateur.step(reference, "acknowledged")
    await mediateur.step(reference, "inadmissible", reason=SECRET)

    sealed = [
        *await column(app, "SELECT sealed_body FROM case_messages"),
        *await column(
            app, "SELECT sealed_note FROM timeline_entries WHERE sealed_note IS NOT NULL"
        ),
        *await column(app, "SELECT sealed_outcome_reason FROM case_parts"),
    ]

    assert len(sealed) == 3
    assert all(value.startswith("v1.") and "Youssef" not in value for value in sealed)
    assert "Youssef" not in " ".join(await column(app, "SELECT summary FROM timeline_entries"))
    view = (await person.read(reference)).json()
    assert [m["body"] for m in view["messages"]] == [SECRET]
    assert view["outcome_reason"] == SECRET
    assert view["timeline"][-1]["summary"].endswith(SECRET)


async def test_a_sealed_body_opens_only_in_its_own_row(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    person = as_(complainant(reference))
    first = (await person.post(f"/internal/cases/{reference}/messages", {"body": SECRET})).json()
    second = (await person.post(f"/internal/cases/{reference}/messages", {"body": "other"})).json()
    sealer = app.state.sealer
    [sealed] = await column(app, "SELECT sealed_body FROM case_messages ORDER BY id LIMIT 1")

    assert sealer.open(sealed, f"{reference}/message/{first['id']}") == SECRET
    with pytest.raises(InvalidTag):
        sealer.open(sealed, f"{reference}/message/{second['id']}")
