"""Errors on the pages as pages: a problem document meant for a browser becomes a plain page.

The API keeps answering problem documents; on a page path, the same answer (a 404, a 413 from
the body limit, a 429 from the rate limits, a 500) is shown in the person's language with its
status and headers (`Retry-After`) kept.
"""

from __future__ import annotations

import json
import logging
from typing import Final

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.languages import LANGUAGES
from gateway.pages.i18n import negotiate
from gateway.pages.rendering import N_, PAGE_HEADERS, render, translate

log = logging.getLogger(__name__)
API_PREFIXES: Final = ("/v1/", "/open311/", "/internal/", "/docs", "/redoc", "/openapi.json")
API_PATHS: Final = frozenset({"/v1", "/open311", "/healthz", "/readyz", "/metrics"})
STATIC_PREFIX: Final = "/static/"
KEPT_HEADERS: Final = frozenset({b"retry-after", b"allow"})


WORDS: Final = {
    403: (
        N_("This form has expired"),
        N_(
            "For your safety, the form must be sent from this site and from the same browser. Go "
            "back, reload the page and send it again: nothing was changed."
        ),
    ),
    404: (
        N_("Page not found"),
        N_(
            "There is no page at this address. Check the address, or start again from the home "
            "page."
        ),
    ),
    405: (
        N_("Page not found"),
        N_(
            "There is no page at this address. Check the address, or start again from the home "
            "page."
        ),
    ),
    413: (
        N_("What you sent is too large"),
        N_("Nothing was changed. Send smaller files, or fewer at once."),
    ),
    415: (
        N_("This form could not be read"),
        N_("Nothing was changed. Go back and send the form again."),
    ),
    429: (
        N_("Too many attempts"),
        N_(
            "To protect everyone's cases, please wait a little before trying again. Nothing you "
            "sent was lost."
        ),
    ),
    500: (
        N_("Something went wrong on our side"),
        N_("Nothing you sent was lost. Please try again in a moment."),
    ),
    503: (
        N_("The service is not answering right now"),
        N_("Nothing was changed and nothing you sent was lost. Please try again in a moment."),
    ),
}


def is_page(path: str) -> bool:
    """Whether a path belongs to the web pages rather than to the API."""
    return not (path in API_PATHS or path.startswith(API_PREFIXES))


def language_of(scope: Scope) -> str:
    first: str = scope["path"].strip("/").split("/", 1)[0]
    if first in LANGUAGES:
        return first
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    language: str = negotiate(accept)
    return language


class PageErrors:
    """ASGI middleware: on page paths, answer problem documents as pages, with the page policy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page(scope["path"]):
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        body = bytearray()
        started = False

        async def send_as_page(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if headers.get(b"content-type", b"").startswith(b"application/problem+json"):
                    held.append(message)
                    return
                started = True
                message["headers"] = _with_page_policy(
                    scope["path"], list(message.get("headers") or [])
                )
                await send(message)
                return
            if held and message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    started = True
                    await self._page(scope, held[0], bytes(body), send)
                return
            await send(message)

        try:
            await self.app(scope, receive, send_as_page)
        except Exception as error:
            if started:
                raise
            # The API's own last-resort handler sits outside every middleware; pages get theirs.
            log.error("unhandled error", extra={"error": type(error).__name__})
            start: Message = {"type": "http.response.start", "status": 500, "headers": []}
            await self._page(scope, start, b"{}", send)

    async def _page(self, scope: Scope, start: Message, body: bytes, send: Send) -> None:
        status = int(start["status"])
        try:
            slug = str(json.loads(body).get("type", "")).rsplit("/", 1)[-1]
        except ValueError:
            slug = ""
        if status == 403 and slug != "form-expired":
            status = 404  # nothing on the pages is forbidden rather than absent
        language = language_of(scope)
        title, explanation = WORDS.get(status, WORDS[500 if status >= 500 else 404])
        retry = next((v for k, v in start.get("headers", []) if k == b"retry-after"), None)
        response = render(
            Request(scope),
            language,
            "error.html",
            {
                "explanation": translate(language, explanation),
                "retry_after": int(retry) if retry and retry.isdigit() else None,
            },
            title=translate(language, title),
            status=status,
        )
        for name, value in start.get("headers", []):
            if name in KEPT_HEADERS:
                response.headers[name.decode()] = value.decode()
        await response(scope, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def _with_page_policy(path: str, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    present = {name.lower() for name, _ in headers}
    if path.startswith(STATIC_PREFIX) and b"cache-control" not in present:
        headers.append((b"cache-control", b"public, max-age=3600"))
        present.add(b"cache-control")
    for name, value in PAGE_HEADERS.items():
        key = name.lower().encode()
        if key not in present:
            headers.append((key, value.encode()))
    return headers
