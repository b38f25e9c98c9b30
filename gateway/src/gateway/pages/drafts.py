"""Drafts: the answers given so far in the guide and the complaint form, kept between steps.

Each step's form is answered by a redirect to the step to show, drawn from the draft, so the
browser's Back, Forward and reload only ever repeat a GET. The browser holds a private cookie with
a random draft id and a random key; Redis holds each journey's draft sealed with that key
(AES-GCM) under a hash of the id, so what it keeps (a name, an address, what happened) is
readable by nobody but that browser. A draft idles out after a day, renewed at every step: long
enough that no one has to hurry (WCAG 2.2.1). When Redis does not answer, the forms still carry
every answer and each step is shown as the direct answer to its form, as before drafts existed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import secrets
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.pages.rendering import delete_private_cookie, set_private_cookie

DRAFT_COOKIE: Final = "nwd_draft"
IDLE_SECONDS: Final = 24 * 3600
LONGEST_COOKIE: Final = 100
"""Longer than any cookie handed out: a longer one is not even looked up."""
NONCE_BYTES: Final = 12
JOURNEYS: Final = ("guide", "submit")

log = logging.getLogger(__name__)
Draft = dict[str, Any]


def _encoded(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decoded(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Drafts:
    """Read, keep and end the draft of the browser that sends its draft cookie."""

    def __init__(self, redis: Redis, *, prefix: str, idle_seconds: int = IDLE_SECONDS) -> None:
        self.redis = redis
        self.prefix = prefix
        self.idle_seconds = idle_seconds

    def _key(self, draft_id: str, journey: str) -> str:
        return f"{self.prefix}draft:{hashlib.sha256(draft_id.encode()).hexdigest()}:{journey}"

    @staticmethod
    def _held(request: Request) -> tuple[str, bytes] | None:
        """The draft id and key of the browser's cookie; None without a well-formed one."""
        cookie = request.cookies.get(DRAFT_COOKIE, "")
        draft_id, _, key = cookie.partition(".")
        if not draft_id or not key or len(cookie) > LONGEST_COOKIE:
            return None
        try:
            sealing_key = _decoded(key)
        except (binascii.Error, ValueError):
            return None
        return (draft_id, sealing_key) if len(sealing_key) == 32 else None

    async def read(self, request: Request, journey: str) -> Draft:
        """The browser's draft of one journey, its idle time started again; empty when there is
        none to read (never kept, ended, idled out, or Redis not answering)."""
        held = self._held(request)
        if held is None:
            return {}
        draft_id, sealing_key = held
        key = self._key(draft_id, journey)
        try:
            sealed = await self.redis.getex(key, ex=self.idle_seconds)
        except RedisError as error:
            log.warning("drafts unavailable", extra={"error": type(error).__name__})
            return {}
        if not isinstance(sealed, bytes) or len(sealed) <= NONCE_BYTES:
            return {}
        try:
            opened = AESGCM(sealing_key).decrypt(
                sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], key.encode()
            )
        except InvalidTag:
            return {}
        draft = json.loads(opened)
        return draft if isinstance(draft, dict) else {}

    async def redirect_keeping(
        self, request: Request, journey: str, draft: Draft, location: str
    ) -> Response | None:
        """A 303 to `location` once the journey's draft is kept; None when Redis does not
        answer, for the step to be shown directly instead."""
        held = self._held(request)
        draft_id, sealing_key = held or (secrets.token_urlsafe(16), secrets.token_bytes(32))
        key = self._key(draft_id, journey)
        nonce = secrets.token_bytes(NONCE_BYTES)
        plain = json.dumps(draft, ensure_ascii=False, separators=(",", ":")).encode()
        sealed = nonce + AESGCM(sealing_key).encrypt(nonce, plain, key.encode())
        try:
            await self.redis.set(key, sealed, ex=self.idle_seconds)
        except RedisError as error:
            log.warning("drafts unavailable", extra={"error": type(error).__name__})
            return None
        response = RedirectResponse(location, status_code=303)
        if held is None:
            cookie = f"{draft_id}.{_encoded(sealing_key)}"
            set_private_cookie(request, response, DRAFT_COOKIE, cookie)
        return response

    async def end(self, request: Request, response: Response) -> None:
        """Forget the browser's drafts, of every journey: in Redis, and its cookie."""
        held = self._held(request)
        if held is None:
            return
        try:
            await self.redis.delete(*(self._key(held[0], journey) for journey in JOURNEYS))
        except RedisError as error:
            log.warning("drafts unavailable", extra={"error": type(error).__name__})
        delete_private_cookie(request, response, DRAFT_COOKIE)


def drafts(request: Request) -> Drafts:
    kept: Drafts = request.app.state.drafts
    return kept
