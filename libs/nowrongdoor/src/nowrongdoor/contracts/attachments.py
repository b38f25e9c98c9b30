"""Files sent with a case message or an application for accreditation: how they are sent, listed
and read back, the same wherever they go.

A file is sent base64-encoded; it is listed by its metadata only, under a neutral name, never with
its content; it is read back, by whoever may read what it came with, as the bytes themselves, its
type in `Content-Type` and its neutral name in `X-Attachment-Name`.
"""

from __future__ import annotations

import httpx
from pydantic import Base64Bytes, BaseModel, ConfigDict, Field

ATTACHMENT_ID_PATTERN = r"^a-[0-9a-f]{16}$"
ATTACHMENT_NAME_HEADER = "X-Attachment-Name"


class Attachment(BaseModel):
    """A file sent with a message or an application, as its readers see it listed.

    The name it was sent under is not kept (it may name a person); its type is what its content
    shows, whatever the name said.
    """

    id: str = Field(examples=["a-5f0c2e9b7d1a4c33"])
    name: str = Field(description="A neutral name from the type", examples=["attachment-1.pdf"])
    media_type: str = Field(examples=["application/pdf"])
    size: int = Field(description="Bytes, as stored")
    metadata_removed: bool = Field(
        description="True when the file's metadata (EXIF, GPS, document properties) was removed"
    )


class AttachmentUpload(BaseModel):
    """A file to send, its bytes in base64."""

    model_config = ConfigDict(extra="forbid")

    filename: str | None = Field(
        None, max_length=255, description="Only a hint; the type is read from the content"
    )
    content: Base64Bytes = Field(description="The file, base64-encoded")


class AttachmentFile(BaseModel):
    """An attachment's bytes, opened for a reader allowed to read what it came with."""

    name: str
    media_type: str
    content: bytes


def attachment_file(response: httpx.Response, attachment_id: str) -> AttachmentFile:
    """The file a service answered with, as its typed client hands it on."""
    return AttachmentFile(
        name=response.headers.get(ATTACHMENT_NAME_HEADER, attachment_id),
        media_type=response.headers.get("content-type", "application/octet-stream"),
        content=response.content,
    )
