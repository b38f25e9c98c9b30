"""The tracking session: once a receipt is checked, a random token stands for that one case.

Redis keeps only a hash of the token with the case's reference, for a short idle time; the
browser keeps the token in a private cookie. Reading and replying then cost no receipt hash.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Final

from fastapi import Request
from fastapi.responses import Response
from redis.asyncio import Redis

from gateway.pages.rendering import set_private_cookie
from nowrongdoor.auth import Principal

CASE_COOKIE: Final = "nwd_case"


class TrackingSessions:
    """Open, find and end the sessions that carry a complainant through one case."""

    def __init__(self, redis: Redis, *, prefix: str, idle_seconds: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.idle_seconds = idle_seconds

    def _key(self, token: str) -> str:
        return f"{self.prefix}track:{hashlib.sha256(token.encode()).hexdigest()}"

    async def open(self, request: Request, response: Response, reference: str) -> None:
        token = secrets.token_urlsafe(32)
        await self.redis.set(self._key(token), reference, ex=self.idle_seconds)
        set_private_cookie(request, response, CASE_COOKIE, token)

    async def complainant(self, request: Request) -> Principal | None:
        """The complainant of the session's case, its idle time started again; None without one."""
        token = request.cookies.get(CASE_COOKIE)
        if not token or len(token) > 100:
            return None
        key = self._key(token)
        reference = await self.redis.getex(key, ex=self.idle_seconds)
        if reference is None:
            return None
        text = reference.decode() if isinstance(reference, bytes) else str(reference)
        return Principal.public().holding_receipt_for(text)

    async def end(self, request: Request, response: Response) -> None:
        token = request.cookies.get(CASE_COOKIE)
        if token:
            await self.redis.delete(self._key(token))
        response.delete_cookie(
            CASE_COOKIE,
            path="/",
            secure=request.app.state.page_cookies_secure,
            httponly=True,
            samesite="strict",
        )


def tracking_sessions(request: Request) -> TrackingSessions:
    sessions: TrackingSessions = request.app.state.tracking_sessions
    return sessions
