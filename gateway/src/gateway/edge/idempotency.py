"""`Idempotency-Key` on the operations that change something: the same key and request give the
first answer again instead of acting twice.

One middleware serves every POST, PUT, PATCH and DELETE of the public API except the token
endpoint, whose answers RFC 6749 forbids serving from a cache. Keys are kept apart per caller, who
is named as the rate limits name them: the API client whose bearer token verifies (and is not
revoked), or the anonymous public; a request whose credentials do not verify passes untouched, to
be refused. Only answers that did something are kept: a refused request (4xx) changed nothing and
may be corrected and sent again under the same key, a failed one (5xx) may simply be retried.

Answers are kept in Redis sealed with a key derived from the client's idempotency key, and
requests are recognised by a fingerprint keyed the same way, so what Redis holds (a receipt, a
guide answer) can be neither read nor confirmed by guessing without the key only the client knows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import FastAPI
from redis.asyncio import Redis
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.edge.authentication import CASE_SESSION_PREFIX, TOKEN_URL, bearer_token, context_of
from nowrongdoor.auth import Principal
from nowrongdoor.problems import PROBLEM_JSON, FieldProblem, ProblemError, problem_response

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:-]{16,128}$"
IN_FLIGHT_SECONDS = 60
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# RFC 6749 §5.1: a token answer must never be served again from a cache; nor a case session's,
# which a replay would hand back after it ended.
CASE_SESSION_URL = "/v1/cases/{reference}/session"
WITHOUT_KEYS = frozenset({TOKEN_URL, CASE_SESSION_URL})
# Besides its method, path, query and body, what makes a request a different one.
MEANINGFUL_HEADERS = ("content-type", "if-match", "x-receipt")
# What a replay carries besides status and body; the rest belongs to the moment it was first sent.
REPLAYED_HEADERS = frozenset(
    {b"content-type", b"cache-control", b"content-language", b"etag", b"location"}
)
PUBLIC_SCOPE = Principal.public().client_id

_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def accepts_idempotency_key(method: str, path: str) -> bool:
    """Whether the operation at this method and path template takes an `Idempotency-Key`."""
    return method.upper() in CHANGING_METHODS and path not in WITHOUT_KEYS


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    @property
    def kept(self) -> bool:
        """Only an answer that did something is given again; a refusal or failure is not."""
        return 200 <= self.status < 400

    async def send(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


class IdempotencyStore:
    def __init__(self, redis: Redis, *, prefix: str, secret: bytes, ttl_seconds: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.secret = secret
        self.ttl_seconds = ttl_seconds
        self._naming_key = hmac.digest(secret, b"nowrongdoor idempotency: keys", hashlib.sha256)

    def _redis_key(self, scope: str, key: str) -> str:
        digest = hmac.new(self._naming_key, f"{scope}\x00{key}".encode(), hashlib.sha256)
        return f"{self.prefix}idempotency:{digest.hexdigest()}"

    def _derive(self, scope: str, key: str, purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=self.secret, info=purpose).derive(
            f"{scope}\x00{key}".encode()
        )

    async def run(
        self,
        scope: str,
        key: str,
        request: bytes,
        produce: Callable[[], Awaitable[StoredAnswer]],
    ) -> StoredAnswer:
        """The first kept answer to `request` under this key, or `produce`'s; ProblemError else."""
        redis_key = self._redis_key(scope, key)
        fingerprint = hmac.new(
            self._derive(scope, key, b"idempotency fingerprint"), request, hashlib.sha256
        ).hexdigest()
        marker = json.dumps({"state": "in-flight", "fingerprint": fingerprint})
        claimed = await self.redis.set(redis_key, marker, nx=True, ex=IN_FLIGHT_SECONDS)
        if not claimed:
            return self._replay(scope, key, fingerprint, await self.redis.get(redis_key))
        try:
            answer = await produce()
        except BaseException:
            await self.redis.delete(redis_key)
            raise
        if not answer.kept:
            await self.redis.delete(redis_key)
            return answer
        kept = {
            "status": answer.status,
            "headers": [
                [name.decode("latin-1"), value.decode("latin-1")]
                for name, value in answer.headers
                if name.lower() in REPLAYED_HEADERS
            ],
            "body": base64.b64encode(answer.body).decode(),
        }
        nonce = secrets.token_bytes(12)
        sealed = self._cipher(scope, key).encrypt(nonce, json.dumps(kept).encode(), None)
        record = {
            "state": "done",
            "fingerprint": fingerprint,
            "answer": base64.b64encode(nonce + sealed).decode(),
        }
        await self.redis.set(redis_key, json.dumps(record), ex=self.ttl_seconds)
        return answer

    def _cipher(self, scope: str, key: str) -> AESGCM:
        return AESGCM(self._derive(scope, key, b"idempotency"))

    def _replay(
        self, scope: str, key: str, fingerprint: str, raw: bytes | str | None
    ) -> StoredAnswer:
        if raw is None:
            raise ProblemError(
                409, "A request with this Idempotency-Key just finished; send it again."
            )
        record = json.loads(raw)
        if not hmac.compare_digest(record["fingerprint"], fingerprint):
            raise ProblemError(
                422,
                "This Idempotency-Key was already used with a different body.",
                slug="idempotency-key-reused",
                title="Idempotency-Key reused",
            )
        if record["state"] == "in-flight":
            raise ProblemError(
                409,
                "A request with this Idempotency-Key is still being processed.",
                slug="idempotency-in-flight",
                title="Request in flight",
                headers={"Retry-After": "1"},
            )
        raw_answer = base64.b64decode(record["answer"])
        plain = self._cipher(scope, key).decrypt(raw_answer[:12], raw_answer[12:], None)
        stored = json.loads(plain)
        body = base64.b64decode(stored["body"])
        headers = [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in stored["headers"]
        ]
        headers.append((b"content-length", str(len(body)).encode()))
        headers.append((b"idempotent-replayed", b"true"))
        return StoredAnswer(status=int(stored["status"]), headers=tuple(headers), body=body)


class IdempotentRequests:
    """ASGI middleware: a request sent again with its `Idempotency-Key` gets the first answer."""

    def __init__(self, app: ASGIApp, *, gateway: FastAPI) -> None:
        self.app = app
        self.gateway = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in CHANGING_METHODS:
            await self.app(scope, receive, send)
            return
        keys = Headers(scope=scope).getlist(IDEMPOTENCY_KEY_HEADER)
        if not keys or not self._takes_key(scope):
            await self.app(scope, receive, send)
            return
        if len(keys) > 1 or not _KEY.fullmatch(keys[0]):
            await _as_problem(_malformed_key(len(keys)))(scope, receive, send)
            return
        caller = self._caller(scope)
        if caller is None:
            await self.app(scope, receive, send)
            return
        body = await _whole_body(receive)
        if body is None:
            return  # the caller went away before sending all of it
        store: IdempotencyStore = self.gateway.state.idempotency

        async def produce() -> StoredAnswer:
            return await _answer_of(self.app, scope, _body_again(body, receive))

        try:
            answer = await store.run(caller, keys[0], _request_of(scope, body), produce)
        except ProblemError as problem:
            await _as_problem(problem)(scope, receive, send)
            return
        await answer.send(send)

    def _takes_key(self, scope: Scope) -> bool:
        context = context_of(scope)
        return context.matched and accepts_idempotency_key(scope["method"], context.route)

    @staticmethod
    def _caller(scope: Scope) -> str | None:
        """Whose keys these are: the verified, active API client, a case session, the public, or
        None to refuse.

        A case session's keys are its own: its token, which Redis never holds, names the record
        and seals the answer, so nobody else can have a session holder's answer replayed.
        """
        context = context_of(scope)
        if context.refusal is not None:
            return None
        if context.api_client_id:
            return context.api_client_id
        token = bearer_token(Headers(scope=scope).get("authorization"))
        if token is not None and token.startswith(CASE_SESSION_PREFIX):
            return f"{PUBLIC_SCOPE}\x00{token}"
        return PUBLIC_SCOPE


def _malformed_key(count: int) -> ProblemError:
    message = (
        "Send one Idempotency-Key"
        if count > 1
        else f"String should match pattern '{IDEMPOTENCY_KEY_PATTERN}'"
    )
    return ProblemError(
        422,
        "1 field is invalid",
        errors=[FieldProblem(field=IDEMPOTENCY_KEY_HEADER, message=message)],
    )


def _as_problem(error: ProblemError) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    return problem_response(
        error.status,
        slug=error.slug,
        title=error.title,
        detail=error.detail,
        errors=error.errors,
        headers=error.headers,
    )


async def _whole_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _body_again(body: bytes, receive: Receive) -> Receive:
    """The body already read, handed to the application as if it were arriving."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _answer_of(app: ASGIApp, scope: Scope, receive: Receive) -> StoredAnswer:
    start: Message | None = None
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    if start is None:
        raise RuntimeError("the application ended without answering")
    headers = tuple((bytes(name), bytes(value)) for name, value in start.get("headers", ()))
    return StoredAnswer(status=int(start["status"]), headers=headers, body=b"".join(chunks))


def _request_of(scope: Scope, body: bytes) -> bytes:
    headers = Headers(scope=scope)
    head = [
        scope["method"],
        scope["path"],
        scope["query_string"].decode("latin-1"),
        *(headers.get(name, "") for name in MEANINGFUL_HEADERS),
    ]
    return json.dumps(head).encode() + b"\n" + body


# --- The OpenAPI document -----------------------------------------------------------------------


def document_idempotency(app: FastAPI, ttl_seconds: int) -> None:
    """Give every operation that takes an `Idempotency-Key` the header and the answers it causes."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = generate()
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                if accepts_idempotency_key(method, path):
                    _document_operation(operation, ttl_seconds)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _document_operation(operation: dict[str, Any], ttl_seconds: int) -> None:
    parameters = operation.setdefault("parameters", [])
    if any(p.get("name") == IDEMPOTENCY_KEY_HEADER for p in parameters):
        return
    parameters.append(
        {
            "name": IDEMPOTENCY_KEY_HEADER,
            "in": "header",
            "required": False,
            "description": (
                "A new value for each operation, a UUID for instance. Sent again with the same "
                f"request within {_duration(ttl_seconds)}, it gives the first answer again "
                "instead of acting twice, marked `Idempotent-Replayed: true`; a complaint "
                "answered again does not count against the submission limit. Keys are kept "
                "apart per API client (callers without a "
                "token share one space). Only answers that did something are kept: after a "
                "refusal (4xx) or a failure (5xx) the same key can be used again."
            ),
            "schema": {
                "type": "string",
                "pattern": IDEMPOTENCY_KEY_PATTERN,
                "minLength": 16,
                "maxLength": 128,
            },
            "example": "5f0c9a1e-3b7d-4e2a-9c68-1d4f7b20e8a3",
        }
    )
    responses = operation.setdefault("responses", {})
    _add_cause(
        responses,
        "409",
        "a request with the same `Idempotency-Key` is still being processed; send it again "
        "after Retry-After seconds",
    )
    responses["409"].setdefault("headers", {})["Retry-After"] = {
        "description": "Seconds to wait before sending the request again",
        "schema": {"type": "integer"},
    }
    _add_cause(
        responses,
        "422",
        "the `Idempotency-Key` is malformed or was already used for another request",
    )


def _add_cause(responses: dict[str, Any], status: str, cause: str) -> None:
    """Document a problem the key can cause, alongside whatever else the status already means."""
    answer = responses.setdefault(status, {})
    described = answer.get("description", "").rstrip(".")
    answer["description"] = (
        f"{described}. Also when {cause}" if described else cause[0].upper() + cause[1:]
    )
    media = answer.setdefault("content", {}).setdefault(PROBLEM_JSON, {})
    media.setdefault("schema", {"$ref": "#/components/schemas/Problem"})


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{seconds} seconds"
