"""`Idempotency-Key` on POSTs: the same key and body give the first answer again.

Answers are kept in Redis sealed with a key derived from the client's idempotency key, so what
Redis holds (a receipt, for instance) cannot be read without the key only the client knows.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from redis.asyncio import Redis

from nowrongdoor.problems import ProblemError

IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:-]{16,128}$"
IN_FLIGHT_SECONDS = 60


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: dict[str, object]


class IdempotencyStore:
    def __init__(self, redis: Redis, *, prefix: str, secret: bytes, ttl_seconds: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.secret = secret
        self.ttl_seconds = ttl_seconds

    def _redis_key(self, scope: str, key: str) -> str:
        digest = hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()
        return f"{self.prefix}idem:{digest}"

    def _cipher(self, scope: str, key: str) -> AESGCM:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=self.secret, info=b"idempotency"
        ).derive(f"{scope}\x00{key}".encode())
        return AESGCM(derived)

    async def run(
        self,
        scope: str,
        key: str,
        body: bytes,
        produce: Callable[[], Awaitable[StoredAnswer]],
    ) -> StoredAnswer:
        redis_key = self._redis_key(scope, key)
        fingerprint = hashlib.sha256(body).hexdigest()
        marker = json.dumps({"state": "in-flight", "fingerprint": fingerprint})
        claimed = await self.redis.set(redis_key, marker, nx=True, ex=IN_FLIGHT_SECONDS)
        if not claimed:
            return self._replay(scope, key, fingerprint, await self.redis.get(redis_key))
        try:
            answer = await produce()
        except BaseException:
            await self.redis.delete(redis_key)
            raise
        if answer.status >= 500:
            await self.redis.delete(redis_key)
            return answer
        nonce = secrets.token_bytes(12)
        sealed = self._cipher(scope, key).encrypt(
            nonce, json.dumps({"status": answer.status, "body": answer.body}).encode(), None
        )
        record = {
            "state": "done",
            "fingerprint": fingerprint,
            "answer": base64.b64encode(nonce + sealed).decode(),
        }
        await self.redis.set(redis_key, json.dumps(record), ex=self.ttl_seconds)
        return answer

    def _replay(
        self, scope: str, key: str, fingerprint: str, raw: bytes | str | None
    ) -> StoredAnswer:
        if raw is None:
            raise ProblemError(
                409, "A request with this Idempotency-Key just finished; send it again."
            )
        record = json.loads(raw)
        if record["fingerprint"] != fingerprint:
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
        return StoredAnswer(status=int(stored["status"]), body=stored["body"])
