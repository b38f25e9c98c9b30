"""Files sent with messages: kept without metadata, sealed, read only by the message's readers."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from case_tracking_support import Caller, complainant, open_case, staff
from fastapi import FastAPI
from PIL import Image
from pypdf import PdfReader, PdfWriter

from case_tracking.models import AuditEntry
from case_tracking.service.attachments import AttachmentRules
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.storage import StorageError

As = Callable[[Principal], Caller]
GPS_IFD = 0x8825
EXECUTABLE = b"\x7fELF\x02\x01\x01\x00" + bytes(300)


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Youssef's phone"
    exif[GPS_IFD] = {1: "N", 2: (33.0, 35.0, 22.0), 3: "W", 4: (7.0, 36.0, 10.0)}
    output = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 120, 200)).save(output, format="JPEG", exif=exif.tobytes())
    return output.getvalue()


def pdf_with_author() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.add_metadata({"/Author": "Youssef Amrani"})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def upload(content: bytes, filename: str | None = None) -> dict[str, Any]:
    return {"filename": filename, "content": base64.b64encode(content).decode()}


async def post(
    caller: Caller, reference: str, *files: dict[str, Any], audience: str | None = None
) -> httpx.Response:
    draft: dict[str, Any] = {"body": "See the files", "attachments": list(files)}
    if audience:
        draft["audience"] = audience
    return await caller.post(f"/internal/cases/{reference}/messages", draft)


async def stored_files(app: FastAPI) -> list[Path]:
    root: Path = app.state.store.root
    return await asyncio.to_thread(lambda: [p for p in root.rglob("*") if p.is_file()])


async def count(app: FastAPI, table: str) -> int:
    async with app.state.runtime.engine.connect() as connection:
        counted = sa.select(sa.func.count()).select_from(sa.table(table))
        return int((await connection.execute(counted)).scalar_one())


async def test_files_are_kept_without_metadata_sealed_and_listed_with_their_message(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    person, mediateur = as_(complainant(reference)), as_(staff("ma-mediateur"))

    posted = await post(
        person, reference, upload(photo_with_gps(), "IMG_1.jpg"), upload(pdf_with_author())
    )

    assert posted.status_code == 201, posted.text
    listed = posted.json()["attachments"]
    assert [(a["name"], a["media_type"], a["metadata_removed"]) for a in listed] == [
        ("attachment-1.jpg", "image/jpeg", True),
        ("attachment-2.pdf", "application/pdf", True),
    ]
    seen = (await mediateur.read(reference)).json()["messages"][0]["attachments"]
    assert seen == listed
    photo = await mediateur.get(f"/internal/cases/{reference}/attachments/{listed[0]['id']}")
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-attachment-name"] == "attachment-1.jpg"
    assert photo.headers["content-disposition"] == 'attachment; filename="attachment-1.jpg"'
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert dict(Image.open(io.BytesIO(photo.content)).getexif()) == {}
    document = await person.get(f"/internal/cases/{reference}/attachments/{listed[1]['id']}")
    assert document.status_code == 200
    metadata = PdfReader(io.BytesIO(document.content)).metadata
    assert metadata is None or "/Author" not in metadata
    kept = await stored_files(app)
    assert sorted(p.name for p in kept) == sorted(a["id"] for a in listed)
    for path in kept:
        sealed = await asyncio.to_thread(path.read_bytes)
        assert sealed.startswith(b"v1.")
        assert b"Youssef" not in sealed and b"%PDF" not in sealed


async def test_a_lying_file_refuses_the_whole_message_and_keeps_nothing(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    person = as_(complainant(reference))

    refused = await post(
        person, reference, upload(pdf_with_author(), "ok.pdf"), upload(EXECUTABLE, "facture.pdf")
    )

    assert refused.status_code == 415
    problem = refused.json()
    assert problem["type"] == "/problems/unsupported-attachment"
    assert problem["errors"][0]["field"] == "attachments.1"
    assert "facture" not in refused.text
    assert (await person.read(reference)).json()["messages"] == []
    assert await stored_files(app) == []


async def test_a_file_over_the_limit_and_too_many_files_are_refused(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    person = as_(complainant(reference))
    app.state.attachment_rules = AttachmentRules(max_bytes=200, per_message=2)
    small = upload(b"Numero de dossier 4411-B", "note.txt")

    too_large = await post(person, reference, small, upload(pdf_with_author()))
    too_many = await post(person, reference, small, small, small)

    assert too_large.status_code == 413, too_large.text
    assert too_large.json()["type"] == "/problems/attachment-too-large"
    assert too_large.json()["errors"][0]["field"] == "attachments.1"
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "attachments"
    assert await count(app, "case_messages") == 0


async def test_a_store_that_fails_leaves_no_message_and_no_row(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    kept = app.state.store

    class SecondPutFails:
        def __init__(self) -> None:
            self.puts = 0

        async def put(self, key: str, data: bytes) -> None:
            self.puts += 1
            if self.puts > 1:
                raise StorageError("the disk is full")
            await kept.put(key, data)

        async def get(self, key: str) -> bytes:
            return bytes(await kept.get(key))

        async def delete(self, key: str) -> None:
            await kept.delete(key)

    app.state.store = SecondPutFails()
    failed = await post(
        as_(complainant(reference)), reference, upload(b"one", "a.txt"), upload(b"two", "b.txt")
    )

    app.state.store = kept

    assert failed.status_code == 503
    assert await count(app, "case_messages") == await count(app, "case_attachments") == 0
    assert await stored_files(app) == []


async def test_only_the_readers_of_a_message_read_its_files_and_staff_reads_are_audited(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-inpplc", "ma-cndh")
    elsewhere = await open_case(client, bus, "ma-mediateur")
    person, inpplc = as_(complainant(reference)), as_(staff("ma-inpplc"))
    cndh, mediateur = as_(staff("ma-cndh")), as_(staff("ma-mediateur"))
    note = await post(inpplc, reference, upload(b"internal memo"), audience="internal")
    [memo] = note.json()["attachments"]
    path = f"/internal/cases/{reference}/attachments/{memo['id']}"

    own = await inpplc.get(path)
    answers = {
        "complainant": await person.get(path),
        "other part": await cndh.get(path),
        "other institution": await mediateur.get(path),
        "by another reference": await inpplc.get(
            f"/internal/cases/{elsewhere}/attachments/{memo['id']}"
        ),
        "unknown id": await inpplc.get(f"/internal/cases/{reference}/attachments/a-{'0' * 16}"),
    }

    assert (own.status_code, own.content) == (200, b"internal memo")
    assert {who: a.status_code for who, a in answers.items()} == dict.fromkeys(answers, 404)
    assert len({a.text for a in answers.values()}) == 1
    async with app.state.runtime.sessions() as session:
        audited = (
            await session.scalars(
                sa.select(AuditEntry).where(AuditEntry.action == "read-attachment")  # type: ignore[arg-type]
            )
        ).all()
    assert [(e.actor_institution_id, e.reference) for e in audited] == [("ma-inpplc", reference)]
    assert memo["id"] in (audited[0].detail or "")
