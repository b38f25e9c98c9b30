"""An anonymous complainant sends a photo and a PDF; the institution reads both, with nothing in
them that says who took the photo, where, or who wrote the document."""

from __future__ import annotations

import io

import httpx
from PIL import Image
from pypdf import PdfReader, PdfWriter

from .conftest import Platform
from .test_case_lifecycle import institution
from .test_complaint_to_case import complaint, file, follow_until

GPS_IFD = 0x8825
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(400)


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Phone of Amina El Idrissi"
    exif[GPS_IFD] = {1: "N", 2: (33.0, 35.0, 22.0), 3: "W", 4: (7.0, 36.0, 10.0)}
    output = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 60, 30)).save(output, format="JPEG", exif=exif.tobytes())
    return output.getvalue()


def pdf_with_author() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": "Amina El Idrissi", "/Title": "Ma plainte"})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


async def test_files_reach_the_institution_without_metadata_and_no_one_else(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    accepted = await file(gateway, complaint())
    reference, as_complainant = accepted["reference"], {"X-Receipt": accepted["receipt"]}
    await follow_until(gateway, accepted, "routed")
    mediateur = await institution(platform, gateway, "ma-mediateur")
    cndh = await institution(platform, gateway, "ma-cndh")
    messages = f"/v1/cases/{reference}/messages"

    posted = await gateway.post(
        messages,
        data={"body": "Voici la photo de l'avis et ma lettre."},
        files=[
            ("attachments", ("IMG_20261130_0915.jpg", photo_with_gps(), "image/jpeg")),
            ("attachments", ("lettre-amina.pdf", pdf_with_author(), "application/pdf")),
        ],
        headers=as_complainant,
    )
    lying = await gateway.post(
        messages,
        data={"body": "Et la facture."},
        files=[("attachments", ("facture.pdf", EXECUTABLE, "application/pdf"))],
        headers=as_complainant,
    )

    assert posted.status_code == 201, posted.text
    assert lying.status_code == 415, lying.text
    assert lying.json()["errors"][0]["field"] == "attachments.0"
    case, _ = await mediateur.read(reference)
    assert [m["body"] for m in case["messages"]] == ["Voici la photo de l'avis et ma lettre."]
    photo, letter = case["messages"][0]["attachments"]
    assert (photo["name"], letter["name"]) == ("attachment-1.jpg", "attachment-2.pdf")
    assert photo["metadata_removed"] and letter["metadata_removed"]

    read_photo = await gateway.get(
        f"/v1/cases/{reference}/attachments/{photo['id']}", headers=mediateur.headers
    )
    read_letter = await gateway.get(
        f"/v1/cases/{reference}/attachments/{letter['id']}", headers=mediateur.headers
    )
    assert read_photo.status_code == read_letter.status_code == 200
    image = Image.open(io.BytesIO(read_photo.content))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert b"Amina" not in read_photo.content
    metadata = PdfReader(io.BytesIO(read_letter.content)).metadata
    assert metadata is None or not {"/Author", "/Title"} & set(metadata)
    assert b"Amina" not in read_letter.content

    own = await gateway.get(
        f"/v1/cases/{reference}/attachments/{photo['id']}", headers=as_complainant
    )
    elsewhere = await gateway.get(
        f"/v1/cases/{reference}/attachments/{photo['id']}", headers=cndh.headers
    )
    unknown = await gateway.get(
        f"/v1/cases/{reference}/attachments/a-{'0' * 16}", headers=cndh.headers
    )
    assert (own.status_code, own.content) == (200, read_photo.content)
    assert elsewhere.status_code == unknown.status_code == 404
    assert elsewhere.json() == unknown.json()
    kept = [p for p in (platform.data_dir / "attachments").rglob("*") if p.is_file()]
    assert len(kept) == 2
    assert all(b"Amina" not in p.read_bytes() and b"JFIF" not in p.read_bytes() for p in kept)
