"""Files with messages: sent as a form or as base64 JSON, read back only by their readers."""

from __future__ import annotations

import base64
import io

import httpx
from fastapi import FastAPI
from PIL import Image

from nowrongdoor.contracts.cases import MessageDraft

from ..fakes import FakeServices
from .cases.parties import CNDH, MEDIATEUR, institution_headers, routed, wrong

GPS_IFD = 0x8825


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (33.0, 35.0, 22.0), 3: "W", 4: (7.0, 36.0, 10.0)}
    output = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 10)).save(output, format="JPEG", exif=exif.tobytes())
    return output.getvalue()


def messages(reference: str) -> str:
    return f"/v1/cases/{reference}/messages"


def attachment(reference: str, attachment_id: str) -> str:
    return f"/v1/cases/{reference}/attachments/{attachment_id}"


async def test_the_complainant_sends_a_form_and_downloads_the_file_without_its_metadata(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    photo = photo_with_gps()

    posted = await client.post(
        messages(reference),
        data={"body": "Photo of the notice"},
        files=[("attachments", ("IMG_0042.jpg", photo, "image/jpeg"))],
        headers={"X-Receipt": receipt},
    )

    assert posted.status_code == 201, posted.text
    [listed] = posted.json()["attachments"]
    assert (listed["name"], listed["media_type"], listed["metadata_removed"]) == (
        "attachment-1.jpg",
        "image/jpeg",
        True,
    )
    sent = services.cases.calls[-1].sent
    assert isinstance(sent, MessageDraft)
    assert [(u.filename, u.content) for u in sent.attachments] == [("IMG_0042.jpg", photo)]
    downloaded = await client.get(
        attachment(reference, listed["id"]), headers={"X-Receipt": receipt}
    )
    assert downloaded.status_code == 200
    assert downloaded.headers["content-type"] == "image/jpeg"
    assert downloaded.headers["cache-control"] == "no-store"
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    assert downloaded.headers["content-disposition"] == 'attachment; filename="attachment-1.jpg"'
    assert dict(Image.open(io.BytesIO(downloaded.content)).getexif()) == {}


async def test_an_institution_sends_base64_json_and_reads_with_cases_read(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, _ = routed(services)
    writer = await institution_headers(app, client, "ma-mediateur", "cases:write")
    reader = await institution_headers(app, client, "ma-mediateur", "cases:read")
    note = {
        "body": "Our note with the file",
        "audience": "internal",
        "attachments": [{"content": base64.b64encode(b"Dossier 4411-B").decode()}],
    }

    posted = await client.post(messages(reference), json=note, headers=writer)
    [listed] = posted.json()["attachments"]
    read = await client.get(attachment(reference, listed["id"]), headers=reader)

    assert posted.status_code == 201, posted.text
    assert (read.status_code, read.content) == (200, b"Dossier 4411-B")
    assert read.headers["content-type"].startswith("text/plain")


async def test_no_one_else_reads_a_file_and_every_miss_looks_the_same(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services, MEDIATEUR, CNDH)
    other, other_receipt = routed(services)
    mediateur = await institution_headers(app, client, "ma-mediateur", "cases:read", "cases:write")
    cndh = await institution_headers(app, client, "ma-cndh", "cases:read")
    stranger = await institution_headers(app, client, "ma-cndp", "cases:read")
    note = {
        "body": "Internal",
        "audience": "internal",
        "attachments": [{"content": base64.b64encode(b"memo").decode()}],
    }
    [memo] = (await client.post(messages(reference), json=note, headers=mediateur)).json()[
        "attachments"
    ]

    misses = [
        await client.get(attachment(reference, memo["id"]), headers=cndh),
        await client.get(attachment(reference, memo["id"]), headers=stranger),
        await client.get(attachment(reference, memo["id"]), headers={"X-Receipt": receipt}),
        await client.get(attachment(reference, memo["id"]), headers={"X-Receipt": wrong(receipt)}),
        await client.get(attachment(other, memo["id"]), headers={"X-Receipt": other_receipt}),
        await client.get(attachment(reference, "a-" + "0" * 16), headers=mediateur),
    ]

    assert [miss.status_code for miss in misses] == [404] * len(misses)
    assert len({miss.text for miss in misses}) == 1
    assert all(miss.headers["cache-control"] == "no-store" for miss in misses)


async def test_a_lying_file_is_refused_with_the_field_named(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)

    refused = await client.post(
        messages(reference),
        data={"body": "The invoice"},
        files=[
            ("attachments", ("note.txt", b"a plain note", "text/plain")),
            ("attachments", ("facture.pdf", b"MZ\x90\x00" + bytes(64), "application/pdf")),
        ],
        headers={"X-Receipt": receipt},
    )

    assert refused.status_code == 415
    assert refused.json()["type"] == "/problems/unsupported-attachment"
    assert refused.json()["errors"][0]["field"] == "attachments.1"
    case = await client.get(f"/v1/cases/{reference}", headers={"X-Receipt": receipt})
    assert case.json()["messages"] == []


async def test_a_message_with_files_passes_the_small_body_limit_other_routes_keep(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    large_text = b"Numero de dossier 4411-B.\n" * 60_000  # 1.5 MB, over the 1 MB general limit

    posted = await client.post(
        messages(reference),
        data={"body": "The whole file"},
        files=[("attachments", ("notes.txt", large_text, "text/plain"))],
        headers={"X-Receipt": receipt},
    )
    complaint = await client.post(
        "/v1/complaints",
        content=b'{"description": "' + b"x" * 1_500_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )

    assert posted.status_code == 201, posted.text
    assert posted.json()["attachments"][0]["size"] == len(large_text)
    assert complaint.status_code == 413


async def test_a_body_neither_json_nor_a_form_and_a_stray_form_field_are_refused(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = routed(services)
    as_complainant = {"X-Receipt": receipt}

    plain = await client.post(
        messages(reference),
        content=b"body=hello",
        headers=as_complainant | {"Content-Type": "text/plain"},
    )
    stray = await client.post(
        messages(reference),
        data={"body": "hi", "receipt": "1234"},
        files=[("attachments", ("a.txt", b"text", "text/plain"))],
        headers=as_complainant,
    )
    bad_base64 = await client.post(
        messages(reference),
        json={"body": "hi", "attachments": [{"content": "not base64!"}]},
        headers=as_complainant,
    )

    assert plain.status_code == 415
    assert stray.status_code == 422
    assert stray.json()["errors"][0]["field"] == "receipt"
    assert bad_base64.status_code == 422
    assert bad_base64.json()["errors"][0]["field"].startswith("attachments.0")
    assert services.cases.calls == []


async def test_the_openapi_document_offers_json_and_a_form(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    body = document["paths"]["/v1/cases/{reference}/messages"]["post"]["requestBody"]
    download = document["paths"]["/v1/cases/{reference}/attachments/{attachment_id}"]["get"]
    assert set(body["content"]) == {"application/json", "multipart/form-data"}
    assert "attachments" in body["content"]["application/json"]["schema"]["properties"]
    assert "$ref" not in str(body["content"]["application/json"]["schema"])
    assert {"image/jpeg", "application/pdf"} <= set(download["responses"]["200"]["content"])
    posting = document["paths"]["/v1/cases/{reference}/messages"]["post"]
    assert {"404", "413", "415", "422"} <= set(posting["responses"])
    assert {"200", "404"} <= set(download["responses"])
