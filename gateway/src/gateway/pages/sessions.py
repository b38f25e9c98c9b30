"""The case session: once a receipt is checked, a random token stands for that one case.

Redis keeps only a hash of the token with the case's reference, for a short idle time. The web
pages keep the token in a private cookie; the API hands it to the complainant, who sends it back as
`Authorization: Bearer <token>` (the edge finds the case by it). Reading and replying then cost no
receipt hash.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Final

from fastapi import Request
from fastapi.responses import Response
from redis.asyncio import Redis

from gateway.edge.authentication import CASE_SESSION_PREFIX
from gateway.pages.rendering import delete_private_cookie, set_private_cookie
from nowrongdoor.auth import Principal

CASE_COOKIE: Final = "nwd_case"
LONGEST_TOKEN: Final = 100
"""Longer than any token handed out: a longer one is not even looked up."""


class TrackingSessions:
    """Open, find and end the sessions that carry a complainant through one case."""

    def __init__(self, redis: Redis, *, prefix: str, idle_seconds: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.idle_seconds = idle_seconds

    def key_of(self, token: str) -> str | None:
        """Where Redis keeps the session of `token`; None for a token that opens none."""
        if not token or len(token) > LONGEST_TOKEN:
            return None
        return f"{self.prefix}track:{hashlib.sha256(token.encode()).hexdigest()}"

    async def open_token(self, reference: str) -> str:
        """A new session for the case whose receipt was just checked; its token."""
        token = CASE_SESSION_PREFIX + secrets.token_urlsafe(32)
        key = self.key_of(token)
        assert key is not None, "a token handed out opens its session"
        await self.redis.set(key, reference, ex=self.idle_seconds)
        return token

    async def complainant_of(self, token: str) -> Principal | None:
        """The complainant of the session's case, its idle time started again; None for a token
        that opens no session (never opened, ended, or idle too long)."""
        key = self.key_of(token)
        if key is None:
            return None
        reference = await self.redis.getex(key, ex=self.idle_seconds)
        if reference is None:
            return None
        text = reference.decode() if isinstance(reference, bytes) else str(reference)
        return Principal.public().holding_receipt_for(text)

    async def end_token(self, token: str) -> None:
        key = self.key_of(token)
        if key is not None:
            await self.redis.delete(key)

    # The pages carry the same sessions in a cookie.

    async def open(self, request: Request, response: Response, reference: str) -> None:
        set_private_cookie(request, response, CASE_COOKIE, await self.open_token(reference))

    async def complainant(self, request: Request) -> Principal | None:
        """The complainant of the browser's session, its idle time started again; None without."""
        return await self.complainant_of(request.cookies.get(CASE_COOKIE, ""))

    async def end(self, request: Request, response: Response) -> None:
        token = request.cookies.get(CASE_COOKIE)
        if token:
            await self.end_token(token)
        delete_private_cookie(request, response, CASE_COOKIE)


def tracking_sessions(request: Request) -> TrackingSessions:
    sessions: TrackingSessions = request.app.state.tracking_sessions
    return sessions
