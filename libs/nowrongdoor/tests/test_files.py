"""A file's type comes from its content, and what it says about its author is removed."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter

from nowrongdoor.files import FileRefused, inspect

LIMIT = 10 * 1024 * 1024
GPS_IFD = 0x8825
CAMERA_MAKE = 0x010F
ORIENTATION = 0x0112
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)


def photo_with_gps(format: str = "JPEG", size: tuple[int, int] = (60, 40)) -> bytes:
    """A picture as a phone takes it: the camera, where it was taken, which way up."""
    exif = Image.Exif()
    exif[CAMERA_MAKE] = "Amina's phone"
    exif[ORIENTATION] = 6  # turned: shown rotated by 90 degrees
    exif[GPS_IFD] = {1: "N", 2: (33.0, 35.0, 22.0), 3: "W", 4: (7.0, 36.0, 10.0)}
    output = io.BytesIO()
    Image.new("RGB", size, (180, 30, 30)).save(output, format=format, exif=exif.tobytes())
    return output.getvalue()


def pdf_with_author() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": "Amina El Idrissi", "/Title": "Complaint about the commune"})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def test_a_jpeg_loses_its_gps_position_and_camera_and_stays_upright() -> None:
    original = photo_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    kept = inspect(original, "IMG_2041.JPG", max_bytes=LIMIT)

    image = Image.open(io.BytesIO(kept.content))
    assert (kept.media_type, kept.extension, kept.metadata_removed) == ("image/jpeg", "jpg", True)
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info and "xmp" not in image.info
    assert b"Amina" not in kept.content
    assert image.size == (40, 60)


def test_a_png_loses_its_exif_and_text() -> None:
    output = io.BytesIO()
    text = PngInfo()
    text.add_text("Author", "Amina El Idrissi")
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (33.0, 35.0, 22.0)}
    Image.new("RGBA", (30, 30), (0, 0, 0, 0)).save(
        output, format="PNG", pnginfo=text, exif=exif.tobytes()
    )

    kept = inspect(output.getvalue(), "scan.png", max_bytes=LIMIT)

    image = Image.open(io.BytesIO(kept.content))
    assert kept.media_type == "image/png"
    assert b"Amina" not in kept.content
    assert dict(image.getexif()) == {}
    assert image.mode == "RGBA"


def test_a_pdf_loses_its_author_and_title_and_keeps_its_pages() -> None:
    kept = inspect(pdf_with_author(), "plainte.pdf", max_bytes=LIMIT)

    reader = PdfReader(io.BytesIO(kept.content))
    assert (kept.media_type, kept.metadata_removed) == ("application/pdf", True)
    assert reader.metadata is None or not {"/Author", "/Title"} & set(reader.metadata)
    assert b"Amina" not in kept.content
    assert len(reader.pages) == 1


def test_an_executable_named_as_a_pdf_is_refused() -> None:
    with pytest.raises(FileRefused) as refused:
        inspect(EXECUTABLE, "facture.pdf", max_bytes=LIMIT)

    assert refused.value.reason == "unsupported"
    assert "not of a type accepted" in refused.value.message


def test_a_picture_named_as_a_pdf_is_refused_as_lying() -> None:
    with pytest.raises(FileRefused) as refused:
        inspect(photo_with_gps("PNG"), "contrat.pdf", max_bytes=LIMIT)

    assert refused.value.message == (
        "The file is named as a PDF document, but its content is a PNG image."
    )


def test_a_name_that_claims_no_accepted_type_is_only_a_hint() -> None:
    kept = inspect(photo_with_gps(), "photo.heic", max_bytes=LIMIT)

    assert kept.media_type == "image/jpeg"


def test_a_file_over_the_limit_is_refused_before_it_is_read() -> None:
    with pytest.raises(FileRefused) as refused:
        inspect(pdf_with_author(), "a.pdf", max_bytes=100)

    assert refused.value.reason == "too-large"
    assert "100 bytes" in refused.value.message


@pytest.mark.parametrize(
    "content",
    [b"\xff\xd8\xff\xe0 not really a jpeg", b"%PDF-1.7\n garbage", b"\x89PNG\r\n\x1a\nbroken"],
)
def test_a_file_that_only_starts_like_an_accepted_type_is_refused(content: bytes) -> None:
    with pytest.raises(FileRefused) as refused:
        inspect(content, None, max_bytes=LIMIT)

    assert "cannot be read" in refused.value.message


def test_plain_text_is_kept_as_sent_and_binary_is_not_text() -> None:
    kept = inspect("Numéro de dossier : 4411-B\n".encode(), "note.txt", max_bytes=LIMIT)

    assert (kept.media_type, kept.metadata_removed) == ("text/plain", False)
    assert kept.content == "Numéro de dossier : 4411-B\n".encode()
    with pytest.raises(FileRefused):
        inspect(b"\x00\x01\x02binary", None, max_bytes=LIMIT)
    with pytest.raises(FileRefused):
        inspect(b"", None, max_bytes=LIMIT)
