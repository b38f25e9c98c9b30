"""A case's files are removed with it, and sealed again under a new key when keys rotate."""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import Callable
from pathlib import Path

import httpx
from case_tracking_support import Caller, complainant, open_case, staff
from fastapi import FastAPI

from case_tracking.service import attachments
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.crypto import Sealer, StaticKeys
from nowrongdoor.db import unit_of_work

As = Callable[[Principal], Caller]


async def with_files(caller: Caller, reference: str, *contents: bytes) -> list[str]:
    draft = {
        "body": "Files",
        "attachments": [{"content": base64.b64encode(c).decode()} for c in contents],
    }
    posted = await caller.post(f"/internal/cases/{reference}/messages", draft)
    assert posted.status_code == 201, posted.text
    return [attachment["id"] for attachment in posted.json()["attachments"]]


async def stored(app: FastAPI) -> dict[str, bytes]:
    root: Path = app.state.store.root
    return await asyncio.to_thread(
        lambda: {p.name: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    )


async def test_removing_a_cases_files_takes_rows_and_files_and_leaves_other_cases(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    other = await open_case(client, bus, "ma-mediateur")
    removed_ids = await with_files(as_(complainant(reference)), reference, b"one", b"two")
    kept_ids = await with_files(as_(complainant(other)), other, b"three")

    async with unit_of_work(app.state.runtime.sessions) as session:
        removed = await attachments.remove_all(session, app.state.store, reference)
    async with unit_of_work(app.state.runtime.sessions) as session:
        again = await attachments.remove_all(session, app.state.store, reference)

    assert (removed, again) == (2, 0)
    assert sorted(await stored(app)) == kept_ids
    mediateur = as_(staff("ma-mediateur"))
    [message] = (await mediateur.read(reference)).json()["messages"]
    assert message["attachments"] == []
    gone = await mediateur.get(f"/internal/cases/{reference}/attachments/{removed_ids[0]}")
    assert gone.status_code == 404


async def test_key_rotation_seals_every_file_again_under_the_active_key(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    ids = await with_files(as_(complainant(reference)), reference, b"alpha", b"beta", b"gamma")
    old: StaticKeys = app.state.sealer.keys
    new_key = secrets.token_bytes(32)
    rotated = Sealer(StaticKeys(keys={"knew": new_key, **old.keys}, active_key_id="knew"))
    seen: list[tuple[int, int]] = []

    count = await attachments.reseal(
        app.state.runtime.sessions,
        app.state.store,
        rotated,
        batch_size=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    again = await attachments.reseal(
        app.state.runtime.sessions, app.state.store, rotated, batch_size=2
    )
    app.state.sealer = rotated
    read = await as_(staff("ma-mediateur")).get(f"/internal/cases/{reference}/attachments/{ids[1]}")

    assert (count, again) == (3, 0)
    assert seen == [(2, 3), (3, 3)]
    assert all(blob.startswith(b"v1.knew.") for blob in (await stored(app)).values())
    assert (read.status_code, read.content) == (200, b"beta")
