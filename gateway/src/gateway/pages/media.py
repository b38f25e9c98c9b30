"""Institutions' presentations served from an operator's folder at `/media/`, read-only.

The directory names each presentation by a path on this site (routing refuses any other), so the
pages load nothing from another site. The folder is `NWD_GATEWAY_MEDIA_DIR`; unset, `/media/` is
not served at all (an ingress may serve it instead). Only files are answered, never a listing,
with the type their extension names; a served page runs no script.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

MEDIA_PREFIX: Final = "/media"
# What a presentation may be; the machine's own table may lack some of them.
TYPES: Final = {
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".vtt": "text/vtt",
    ".html": "text/html",
    ".pdf": "application/pdf",
}
MEDIA_HEADERS: Final = {
    # An easy-read page may show its own pictures, styles and videos, and nothing else.
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self'; style-src 'self'; media-src 'self'; "
        "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "public, max-age=3600",
}

for extension, media_type in TYPES.items():
    mimetypes.add_type(media_type, extension)


class MediaFiles(StaticFiles):
    """Starlette's static files (GET and HEAD only, no listing, no way out of the folder),
    each answered with `MEDIA_HEADERS`."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(MEDIA_HEADERS)
        return response


def install(app: FastAPI, folder: Path | None) -> None:
    """Serve `folder` at `/media/`; nothing when no folder is set."""
    if folder is not None:
        app.mount(MEDIA_PREFIX, MediaFiles(directory=folder, html=False), name="media")
