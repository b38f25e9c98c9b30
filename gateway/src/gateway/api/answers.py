"""What several routes answer alike: problem documents in the OpenAPI description, caching, and
a file handed over as a download."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from nowrongdoor.attachments import file_response
from nowrongdoor.contracts.attachments import ATTACHMENT_NAME_HEADER, AttachmentFile
from nowrongdoor.files import ACCEPTED
from nowrongdoor.problems import Problem

PROBLEM: dict[str, Any] = {"model": Problem, "content": {"application/problem+json": {}}}
NO_STORE = {"Cache-Control": "no-store"}
PUBLIC_BRIEFLY = {"Cache-Control": "public, max-age=60"}


def problem_answer(description: str, example: Problem | None = None) -> dict[str, Any]:
    """An answer documented as a problem document, with an example when one helps."""
    content: dict[str, Any] = {"schema": {"$ref": "#/components/schemas/Problem"}}
    if example is not None:
        content["example"] = example.model_dump(exclude_none=True)
    return {"description": description, "content": {"application/problem+json": content}}


def unavailable(service: str) -> dict[str, Any]:
    return {**PROBLEM, "description": f"{service} is not answering; nothing was changed"}


FILE_ANSWER: dict[str, Any] = {
    "description": "The file as kept: its type from its content, its metadata removed. It "
    "comes as a download (`Content-Disposition: attachment`) under a neutral name",
    "content": {
        media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in ACCEPTED
    },
    "headers": {
        ATTACHMENT_NAME_HEADER: {
            "description": "The neutral name it is listed under",
            "schema": {"type": "string"},
            "example": "attachment-1.pdf",
        },
    },
}


def file_download(found: AttachmentFile) -> Response:
    """A file sent with a message or an application: a download never cached, never sniffed,
    and never run as a page."""
    download = file_response(found)
    download.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return download
