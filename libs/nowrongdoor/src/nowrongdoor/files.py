"""What a file sent with a message is, from its content, and the same file without its metadata.

The accepted types, each told by the first bytes of the content and then opened in full, and
what is removed from each:

- `image/jpeg` (`.jpg`): everything but the pixels: EXIF (GPS position, camera, times), XMP,
  IPTC, comments and the colour profile; the picture is first turned upright as its EXIF said.
- `image/png` (`.png`): every text, EXIF, XMP and time chunk and the colour profile; transparency
  is kept.
- `application/pdf` (`.pdf`): the document information (author, title, creator, dates) and the
  XMP metadata of the document and of each page. Encrypted PDFs are refused.
- `text/plain` (`.txt`): nothing; UTF-8 text carries no metadata and is kept byte for byte.

The name a file was sent under is only a hint: a file whose name claims one of these types while
its content is another (or none of them) is refused, and any other name is ignored. Nothing here
does I/O; the caller runs `inspect` off the event loop for large files.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from PIL import Image

MAX_PIXELS = 50_000_000
"""Larger images are refused: decoding them would take more memory than a message is worth."""

_LABELS = {
    "image/jpeg": "a JPEG image",
    "image/png": "a PNG image",
    "application/pdf": "a PDF document",
    "text/plain": "plain text",
}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/pdf": "pdf",
    "text/plain": "txt",
}
ACCEPTED = tuple(EXTENSIONS)
_CLAIMED = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "jpe": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "text": "text/plain",
}
_TEXT_CONTROLS = frozenset(range(32)) - {9, 10, 12, 13}

Refusal = Literal["too-large", "unsupported"]


class FileRefused(ValueError):
    """The file is not taken: too large (`too-large`), or not an accepted type, lying about its
    type, or not readable as the type it shows (`unsupported`). The message names no content."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason: Refusal = reason
        self.message = message


@dataclass(frozen=True)
class CleanFile:
    """A file as it is kept: its type from its content, its bytes without metadata."""

    media_type: str
    extension: str
    content: bytes
    metadata_removed: bool
    """True when the file went through metadata removal (images and PDFs): none is left."""


def accepted_types() -> str:
    return ", ".join(_LABELS[media_type] for media_type in ACCEPTED)


def detect(content: bytes) -> str | None:
    """The accepted type the content's first bytes show, or None for any other."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if _is_text(content):
        return "text/plain"
    return None


def inspect(content: bytes, filename: str | None, *, max_bytes: int) -> CleanFile:
    """The file as it will be kept; `FileRefused` when it is not taken."""
    if len(content) > max_bytes:
        raise FileRefused(
            "too-large", f"The file is larger than the {max_bytes} bytes accepted for one file."
        )
    if not content:
        raise FileRefused("unsupported", "The file is empty.")
    media_type = detect(content)
    if media_type is None:
        raise FileRefused(
            "unsupported", f"The file's content is not of a type accepted: {accepted_types()}."
        )
    claimed = _claimed_type(filename)
    if claimed is not None and claimed != media_type:
        raise FileRefused(
            "unsupported",
            f"The file is named as {_LABELS[claimed]}, but its content is {_LABELS[media_type]}.",
        )
    extension = EXTENSIONS[media_type]
    if media_type == "text/plain":
        return CleanFile(media_type, extension, content, metadata_removed=False)
    if media_type == "application/pdf":
        return CleanFile(media_type, extension, _clean_pdf(content), metadata_removed=True)
    return CleanFile(media_type, extension, _clean_image(content, media_type), True)


def _claimed_type(filename: str | None) -> str | None:
    if not filename or "." not in filename:
        return None
    return _CLAIMED.get(filename.rsplit(".", 1)[1].strip().lower())


def _is_text(content: bytes) -> bool:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ord(character) in _TEXT_CONTROLS for character in text)


def _unreadable(label: str) -> FileRefused:
    return FileRefused("unsupported", f"The file starts as {label} but cannot be read as one.")


def _clean_image(content: bytes, media_type: str) -> bytes:
    # Loaded with the first image, as pypdf with the first PDF: most processes never meet one.
    from PIL import Image, ImageOps, UnidentifiedImageError

    label = _LABELS[media_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise FileRefused(
                        "unsupported", f"The image has more than {MAX_PIXELS} pixels."
                    )
                image.load()
                upright = ImageOps.exif_transpose(image)
                return _encoded_bare(upright, media_type)
    except FileRefused:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,
    ):
        raise _unreadable(label) from None


def _encoded_bare(image: Image.Image, media_type: str) -> bytes:
    """The pixels alone, encoded again: no metadata chunk or segment is carried over."""
    kept = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
    bare = image.copy()
    bare.info = {}
    output = io.BytesIO()
    if media_type == "image/jpeg":
        if bare.mode not in ("L", "RGB", "CMYK"):
            bare = bare.convert("RGB")
        bare.save(output, format="JPEG", quality=92, optimize=True)
    else:
        bare.save(output, format="PNG", optimize=True, **kept)
    return output.getvalue()


def _clean_pdf(content: bytes) -> bytes:
    # Loaded with the first PDF: pypdf weighs some 18 MB in every process that might meet one.
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise FileRefused("unsupported", "The PDF is encrypted; send it without a password.")
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None
        writer.root_object.pop("/Metadata", None)
        for page in writer.pages:
            page.pop("/Metadata", None)
            page.pop("/PieceInfo", None)
        writer.root_object.pop("/PieceInfo", None)
        output = io.BytesIO()
        writer.write(output)
        return output.getvalue()
    except FileRefused:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise _unreadable(_LABELS["application/pdf"]) from None
