"""The Open311 facade's door: its `api_key` becomes the bearer token the rest of the edge knows,
and the edge's problem documents leave in the specification's error format.

GeoReport v2 clients send `api_key` as a query parameter, or as a form field of a POST. It is an
institution's client credentials (`client_id:client_secret`) or an access token from the token
endpoint. Credentials are checked once — with the same slow hash, the same rate limit per network
and the same audit of refusals as the token endpoint — and exchanged for an access token kept a
minute under a keyed hash of the key; the request then goes on with `Authorization: Bearer`, so
the limits, idempotency and authorisation after it are exactly the REST API's.

Everything the facade refuses, wherever in the gateway it was refused, is a list of
`{code, description}` in JSON or XML as the path's extension asks; a validation error is a 400,
as the specification has it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import parse_qsl

from fastapi import FastAPI
from redis.exceptions import RedisError
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import api_clients
from gateway.api.oauth import FORM, TokenIssuer
from gateway.edge.authentication import TOKEN_URL
from gateway.edge.limits import RateLimiter
from gateway.open311.formats import Format, answer, errors_document
from nowrongdoor.db import SessionMaker, unit_of_work
from nowrongdoor.problems import PROBLEM_JSON, problem_response

log = logging.getLogger(__name__)

PREFIX: Final = "/open311/"
MAX_FORM_BYTES: Final = 1024 * 1024
"""A form larger than this is left to the body size limit, which refuses it."""
REFUSED_KEY: Final = (
    "The api_key is not valid: send an institution's client id and secret as "
    "`client_id:client_secret`, or an access token from /v1/oauth/token."
)


class ApiKeys:
    """Client credentials sent as `api_key`, exchanged for access tokens and remembered briefly."""

    def __init__(
        self,
        sessions: SessionMaker,
        issuer: TokenIssuer,
        *,
        secret: bytes,
        remember_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 10_000,
    ) -> None:
        self.sessions = sessions
        self.issuer = issuer
        self.remember_seconds = min(remember_seconds, issuer.ttl_seconds / 2)
        self.clock = clock
        self.max_entries = max_entries
        self._key = hmac.digest(secret, b"nowrongdoor open311 api keys", hashlib.sha256)
        self._tokens: dict[bytes, tuple[float, str]] = {}

    def remembered(self, api_key: str) -> str | None:
        """The access token these credentials were exchanged for a moment ago, if any."""
        found = self._tokens.get(self._name(api_key))
        if found is None or found[0] <= self.clock():
            return None
        return found[1]

    async def exchange(self, api_key: str) -> str | None:
        """An access token for valid, unrevoked credentials; None, with the refusal audited
        against the client named, for anything else."""
        client_id, _, secret = api_key.partition(":")
        now = datetime.now(UTC)
        async with self.sessions() as session:
            found = await api_clients.find_client(session, client_id)
        outcome = await api_clients.authenticate(found, secret, now=now)
        if outcome.client is None:
            if outcome.known_client_id and outcome.refusal:
                async with unit_of_work(self.sessions) as session:
                    api_clients.record_refusal(
                        session, outcome.known_client_id, outcome.refusal, now=now, actor="open311"
                    )
            return None
        client = outcome.client
        token = self.issuer.issue(api_clients.principal_of(client, client.scope_set))
        if len(self._tokens) >= self.max_entries:
            self._tokens.clear()
        self._tokens[self._name(api_key)] = (self.clock() + self.remember_seconds, token)
        return token

    def _name(self, api_key: str) -> bytes:
        return hmac.digest(self._key, api_key.encode(), hashlib.sha256)


def is_credentials(api_key: str) -> bool:
    """Client credentials hold a colon; an access token never does."""
    return ":" in api_key


def is_readable(api_key: str) -> bool:
    """Credentials and tokens are printable ASCII without spaces; anything else is no key."""
    return api_key.isascii() and api_key.isprintable() and " " not in api_key


class Open311Door:
    """ASGI middleware for the paths under /open311/: keys in, errors out."""

    def __init__(self, app: ASGIApp, *, gateway: FastAPI) -> None:
        self.app = app
        self.gateway = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        send = _open311_errors(send, _format_of(scope["path"]))
        api_key, receive = await _api_key(scope, receive)
        if api_key and "authorization" not in Headers(scope=scope):
            try:
                token = await self._token(scope, api_key)
            except _Throttled as throttled:
                refusal = problem_response(
                    429,
                    detail=throttled.detail,
                    headers={"Retry-After": str(throttled.retry_after)},
                )
                await refusal(scope, receive, send)
                return
            if token is None:
                refusal = problem_response(403, slug="invalid-api-key", detail=REFUSED_KEY)
                await refusal(scope, receive, send)
                return
            MutableHeaders(scope=scope)["authorization"] = f"Bearer {token}"
        await self.app(scope, receive, send)

    async def _token(self, scope: Scope, api_key: str) -> str | None:
        """The bearer token to go on with; None when the credentials fail. A rate limit that
        refuses the check answers for itself."""
        if not is_readable(api_key):
            return None
        if not is_credentials(api_key):
            return api_key
        keys: ApiKeys = self.gateway.state.open311_keys
        token = keys.remembered(api_key)
        if token is not None:
            return token
        if self.gateway.state.open311_rate_limits:
            await _admit(self.gateway.state.rate_limiter, scope)
        return await keys.exchange(api_key)


async def _admit(limiter: RateLimiter, scope: Scope) -> None:
    """Charge the caller's network for a credential check, as the token endpoint is charged;
    without Redis the check goes on, as every other limit does."""
    try:
        admission = await limiter.admit(scope, TOKEN_URL)
    except RedisError as error:
        log.warning("rate limits unavailable", extra={"error": type(error).__name__})
        return
    if admission.retry_after is not None:
        raise _Throttled(admission.retry_after, admission.detail)


class _Throttled(Exception):
    def __init__(self, retry_after: int, detail: str) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.detail = detail


def _format_of(path: str) -> Format:
    return "xml" if path.endswith(".xml") else "json"


async def _api_key(scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
    """The `api_key` of a form body or else of the query; the body read is handed on unchanged."""
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    found = query.get("api_key") or None
    headers = Headers(scope=scope)
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if scope["method"] != "POST" or media_type != FORM:
        return found, receive
    read: list[Message] = []
    size, whole = 0, False
    while size <= MAX_FORM_BYTES:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            whole = True
            break
    if whole and size <= MAX_FORM_BYTES:
        body = b"".join(message.get("body", b"") for message in read)
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        found = form.get("api_key") or found
    return found, _replaying(read, receive)


def _replaying(read: list[Message], receive: Receive) -> Receive:
    """A receive that gives the messages already read first, then whatever follows."""
    waiting = list(read)

    async def replay() -> Message:
        if waiting:
            return waiting.pop(0)
        return await receive()

    return replay


def _open311_errors(send: Send, format: Format) -> Send:
    """A send that rewrites a problem document into the Open311 error list."""
    start: Message | None = None
    body = bytearray()

    async def rewriting(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            if Headers(raw=message["headers"]).get("content-type", "").startswith(PROBLEM_JSON):
                start = message
                return
            await send(message)
            return
        if start is None or message["type"] != "http.response.body":
            await send(message)
            return
        body.extend(message.get("body", b""))
        if message.get("more_body", False):
            return
        await _send_as_open311(send, start, bytes(body), format)

    return rewriting


async def _send_as_open311(send: Send, start: Message, body: bytes, format: Format) -> None:
    problem: dict[str, Any] = json.loads(body or b"{}")
    status: int = start["status"]
    if status == 422:
        status = 400  # GeoReport v2 answers every invalid parameter with a 400
    fields = problem.get("errors") or []
    descriptions = [f"{error['field']}: {error['message']}" for error in fields] or [
        problem.get("detail") or problem.get("title") or "Error"
    ]
    kept = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in start["headers"]
        if name.lower() not in (b"content-type", b"content-length")
    }
    response = answer(
        errors_document(status, descriptions),
        format,
        root="errors",
        status_code=status,
        headers=kept,
    )
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})
