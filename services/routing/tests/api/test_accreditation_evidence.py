"""The evidence an NGO sends with its answers: kept without metadata, sealed, listed with each
answer, and read only by the NGO that applied and the institution it applied to."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import io
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from PIL import Image
from pydantic import ValidationError
from pypdf import PdfReader, PdfWriter

from nowrongdoor import attachments
from nowrongdoor.crypto import Sealer, StaticKeys
from nowrongdoor.storage import FolderStore, StorageError
from routing.models import AccreditationAttachment
from routing.service import evidence
from routing.service.evidence import Evidence, EvidenceRules
from routing.settings import RoutingSettings

Headers = Callable[..., dict[str, str]]
GPS_IFD = 0x8825
EXECUTABLE = b"\x7fELF\x02\x01\x01\x00" + bytes(300)
UNKNOWN_ACCREDITATION = "acc-00000000000000000000000000000000"
UNKNOWN_ATTACHMENT = "a-0000000000000000"
CRITERIA = "/internal/institutions/fr-hatvp/accreditation-criteria"
PUBLISHED = {
    "criteria": [
        {"id": "declared-since-5-years", "text": {"fr": "Déclarée depuis cinq ans."}},
        {"id": "anti-corruption-purpose", "text": {"fr": "Ses statuts visent la corruption."}},
    ]
}
ANSWERS = [
    {"criterion_id": "declared-since-5-years", "answer": "Declared in 2001."},
    {"criterion_id": "anti-corruption-purpose", "answer": "Article 2 of our statutes."},
]


def statutes_with_author() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.add_metadata({"/Author": "Marie Dupont, trésorière"})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)}
    output = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 120, 200)).save(output, format="JPEG", exif=exif.tobytes())
    return output.getvalue()


def upload(content: bytes, filename: str | None = None) -> dict[str, Any]:
    return {"filename": filename, "content": base64.b64encode(content).decode()}


def with_files(*files_per_answer: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The usual answers, the first ones carrying these files."""
    answers: list[dict[str, Any]] = [dict(answer) for answer in ANSWERS]
    for answer, files in zip(answers, files_per_answer, strict=False):
        answer["attachments"] = files
    return answers


@pytest.fixture
async def published(client: httpx.AsyncClient, hatvp: dict[str, str]) -> None:
    response = await client.put(CRITERIA, json=PUBLISHED, headers=hatvp)
    assert response.status_code == 200, response.text


async def apply(
    client: httpx.AsyncClient, headers: dict[str, str], answers: list[dict[str, Any]]
) -> httpx.Response:
    body = {"institution_id": "fr-hatvp", "ngo_name": "Sherpa", "answers": answers}
    return await client.post("/internal/accreditations", json=body, headers=headers)


async def stored_files(app: FastAPI) -> dict[str, bytes]:
    root: Path = app.state.evidence.store.root
    return await asyncio.to_thread(
        lambda: {p.name: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    )


async def count(app: FastAPI, table: str) -> int:
    async with app.state.runtime.engine.connect() as connection:
        counted = sa.select(sa.func.count()).select_from(sa.table(table))
        return int((await connection.execute(counted)).scalar_one())


class FullAfterOneFile(FolderStore):
    """A disk that fills up once it holds one file."""

    puts = 0

    async def put(self, key: str, data: bytes) -> None:
        self.puts += 1
        if self.puts > 1:
            raise StorageError("the disk is full")
        await super().put(key, data)


async def nothing_kept(app: FastAPI) -> bool:
    """No application, no row describing a file, no file in the store."""
    rows = await count(app, "accreditations") + await count(app, "accreditation_attachments")
    return rows == 0 and await stored_files(app) == {}


def file_path(accreditation_id: str, attachment_id: str) -> str:
    return f"/internal/accreditations/{accreditation_id}/attachments/{attachment_id}"


@pytest.mark.usefixtures("published")
async def test_evidence_is_kept_without_metadata_sealed_and_listed_beside_its_answer(
    client: httpx.AsyncClient, app: FastAPI, sherpa: dict[str, str], hatvp: dict[str, str]
) -> None:
    statutes, photo = statutes_with_author(), photo_with_gps()
    response = await apply(
        client,
        sherpa,
        answers=with_files(
            [upload(b"Declared at the Paris prefecture on 12 March 2001.", "recepisse.txt")],
            [upload(statutes, "statuts-2019.pdf"), upload(photo)],
        ),
    )

    assert response.status_code == 201, response.text
    answers = response.json()["answers"]
    listed = [
        [(a["name"], a["media_type"], a["metadata_removed"]) for a in answer["attachments"]]
        for answer in answers
    ]
    assert listed == [
        [("declared-since-5-years-1.txt", "text/plain", False)],
        [
            ("anti-corruption-purpose-1.pdf", "application/pdf", True),
            ("anti-corruption-purpose-2.jpg", "image/jpeg", True),
        ],
    ]
    assert all("content" not in a for answer in answers for a in answer["attachments"])
    accreditation_id = response.json()["id"]
    seen_by_hatvp = await client.get(f"/internal/accreditations/{accreditation_id}", headers=hatvp)
    assert seen_by_hatvp.json()["answers"] == answers
    pdf_id = answers[1]["attachments"][0]["id"]
    by_hatvp = await client.get(file_path(accreditation_id, pdf_id), headers=hatvp)
    by_sherpa = await client.get(file_path(accreditation_id, pdf_id), headers=sherpa)
    assert by_hatvp.status_code == by_sherpa.status_code == 200
    assert by_hatvp.content == by_sherpa.content
    assert by_hatvp.headers["content-type"] == "application/pdf"
    assert by_hatvp.headers["x-attachment-name"] == "anti-corruption-purpose-1.pdf"
    assert by_hatvp.headers["content-disposition"] == (
        'attachment; filename="anti-corruption-purpose-1.pdf"'
    )
    assert by_hatvp.headers["x-content-type-options"] == "nosniff"
    assert by_hatvp.headers["cache-control"] == "no-store"
    metadata = PdfReader(io.BytesIO(by_hatvp.content)).metadata
    assert metadata is None or "/Author" not in metadata
    photo_id = answers[1]["attachments"][1]["id"]
    read_photo = await client.get(file_path(accreditation_id, photo_id), headers=hatvp)
    assert dict(Image.open(io.BytesIO(read_photo.content)).getexif()) == {}
    kept = await stored_files(app)
    assert sorted(kept) == sorted(a["id"] for answer in answers for a in answer["attachments"])
    for sealed in kept.values():
        assert sealed.startswith(b"v1.")
        assert b"Dupont" not in sealed and b"%PDF" not in sealed and b"Paris" not in sealed


@pytest.mark.usefixtures("published")
async def test_nobody_else_reads_the_evidence_and_a_file_of_theirs_is_like_no_file(
    client: httpx.AsyncClient, headers_for: Headers, sherpa: dict[str, str]
) -> None:
    response = await apply(client, sherpa, answers=with_files([upload(b"Receipt of 2001")]))
    accreditation_id = response.json()["id"]
    [attachment] = response.json()["answers"][0]["attachments"]
    readers = {
        "another NGO": headers_for("ngo", "fr-anticor", "accreditations:read"),
        "another institution": headers_for("institution", "ma-inpplc", "accreditations:read"),
        "an administrator": headers_for("admin", None),
    }

    answers: dict[str, httpx.Response] = {}
    for who, headers in readers.items():
        answers[who] = await client.get(
            file_path(accreditation_id, attachment["id"]), headers=headers
        )
    answers["an unknown file"] = await client.get(
        file_path(accreditation_id, UNKNOWN_ATTACHMENT), headers=sherpa
    )
    answers["an unknown accreditation"] = await client.get(
        file_path(UNKNOWN_ACCREDITATION, attachment["id"]), headers=sherpa
    )

    assert {who: a.status_code for who, a in answers.items()} == dict.fromkeys(answers, 404)
    assert len({a.text for a in answers.values()}) == 1
    own = await client.get(file_path(accreditation_id, attachment["id"]), headers=sherpa)
    assert (own.status_code, own.content) == (200, b"Receipt of 2001")


@pytest.mark.parametrize(
    ("files", "field"),
    [
        ([upload(EXECUTABLE, "statuts.pdf")], "answers.1.attachments.0"),
        ([upload(statutes_with_author(), "accounts.txt")], "answers.1.attachments.0"),
        ([upload(b"x" * 2_000)], "answers.1.attachments.0"),
        ([upload(b"one"), upload(b"two"), upload(b"three")], "answers.1.attachments"),
        ([{"content": "not base64!"}], "answers.1.attachments.0.content"),
    ],
    ids=["not-what-it-claims", "named-as-another-type", "too-large", "too-many", "bad-base64"],
)
@pytest.mark.usefixtures("published")
async def test_a_refused_file_is_a_422_naming_it_and_nothing_is_kept(
    client: httpx.AsyncClient,
    app: FastAPI,
    sherpa: dict[str, str],
    files: list[dict[str, Any]],
    field: str,
) -> None:
    app.state.evidence = dataclasses.replace(
        app.state.evidence, rules=EvidenceRules(max_bytes=1_000, per_answer=2)
    )

    refused = await apply(client, sherpa, answers=with_files([upload(b"Fine.")], files))

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert "statuts" not in refused.text
    assert await nothing_kept(app)


@pytest.mark.usefixtures("published")
async def test_an_application_refused_for_its_answers_leaves_no_file_behind(
    client: httpx.AsyncClient, app: FastAPI, sherpa: dict[str, str]
) -> None:
    first = await apply(client, sherpa, answers=with_files([upload(b"First receipt")]))
    kept = await stored_files(app)

    pending = await apply(client, sherpa, answers=with_files([upload(b"Second receipt")]))
    unanswered = await apply(
        client,
        sherpa,
        answers=[ANSWERS[0] | {"attachments": [upload(b"Third receipt")]}],
    )

    assert first.status_code == 201, first.text
    assert pending.status_code == 409
    assert pending.json()["type"] == "/problems/application-pending"
    assert unanswered.status_code == 422
    assert await count(app, "accreditation_attachments") == 1
    assert await stored_files(app) == kept


@pytest.mark.usefixtures("published")
async def test_a_store_that_fails_keeps_no_application(
    client: httpx.AsyncClient, app: FastAPI, sherpa: dict[str, str]
) -> None:
    app.state.evidence = dataclasses.replace(
        app.state.evidence, store=FullAfterOneFile(app.state.evidence.store.root)
    )

    failed = await apply(client, sherpa, answers=with_files([upload(b"one")], [upload(b"two")]))

    assert failed.status_code == 503, failed.text
    assert failed.headers["retry-after"] == "5"
    assert await nothing_kept(app)


@pytest.mark.usefixtures("published")
async def test_key_rotation_seals_the_evidence_again_under_the_active_key(
    client: httpx.AsyncClient, app: FastAPI, sherpa: dict[str, str]
) -> None:
    response = await apply(
        client, sherpa, answers=with_files([upload(b"alpha"), upload(b"beta")], [upload(b"gamma")])
    )
    accreditation_id = response.json()["id"]
    files: Evidence = app.state.evidence
    old = files.sealer.keys
    assert isinstance(old, StaticKeys)
    rotated = Sealer(
        StaticKeys(keys={"knew": secrets.token_bytes(32), **old.keys}, active_key_id="knew")
    )
    seen: list[tuple[int, int]] = []

    def resealed(**progress: Any) -> Awaitable[int]:
        return attachments.reseal(
            app.state.runtime.sessions,
            files.store,
            rotated,
            AccreditationAttachment,
            evidence.bound_to,
            batch_size=2,
            **progress,
        )

    count_done = await resealed(progress=lambda done, total: seen.append((done, total)))
    again = await resealed()
    app.state.evidence = dataclasses.replace(files, sealer=rotated)
    beta = response.json()["answers"][0]["attachments"][1]["id"]
    read = await client.get(file_path(accreditation_id, beta), headers=sherpa)

    assert (count_done, again) == (3, 0)
    assert seen == [(2, 3), (3, 3)]
    assert all(blob.startswith(b"v1.knew.") for blob in (await stored_files(app)).values())
    assert (read.status_code, read.content) == (200, b"beta")


def test_routing_in_production_needs_keys_of_its_own(service_environment: dict[str, Any]) -> None:
    production = service_environment | {"environment": "production"}

    with pytest.raises(ValidationError, match="NWD_ROUTING_ENCRYPTION_KEYS must be set"):
        RoutingSettings(**production)
    keys = f"k1:{base64.b64encode(secrets.token_bytes(32)).decode()}"
    assert RoutingSettings(**production, encryption_keys=keys).keys().active_key_id == "k1"
