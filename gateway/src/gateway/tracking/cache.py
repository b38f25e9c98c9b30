"""The tracking cache: the answers case tracking gave its readers, kept sealed in Redis.

An answer is kept for as long as case tracking said it stays true, at most `cap_seconds`, and
forgotten the moment anything happens to its case (`gateway.tracking.invalidation`). Each case
has a generation that forgetting moves on, and the whole cache an epoch that a fresh start moves
on: an answer fetched before either moved is not kept, so a read that raced a change never puts
the old case back.

Redis holds the answers sealed (AES-GCM, bound to their place), under names that do not give
the references away: a complainant's answer carries the messages of the case.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from redis.asyncio import Redis

from nowrongdoor.auth import Principal

# What a look needs in one command: the reader's answer, the case's generation, the epoch.
_LOOK = """
return {redis.call('HGET', KEYS[1], ARGV[1]), redis.call('GET', KEYS[2]),
        redis.call('GET', KEYS[3])}
"""
# Keep an answer only if neither the case's generation nor the cache's epoch moved since the
# read began. KEYS: the case's answers, its generation, the epoch; ARGV: the reader, the sealed
# answer, the seconds the case's answers may live, the generation and epoch seen.
_KEEP = """
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[4] then return 0 end
if (redis.call('GET', KEYS[3]) or '') ~= ARGV[5] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""


@dataclass(frozen=True)
class KeptAnswer:
    """A case as case tracking answered a reader: its JSON and its entity tag."""

    body: bytes
    etag: str


@dataclass(frozen=True)
class Lookup:
    """What a look found: the answer kept for the reader, if any, and the case's generation and
    the cache's epoch at that moment, which keeping a new answer must find unchanged."""

    kept: KeptAnswer | None
    generation: str
    epoch: str


class TrackingCache:
    """Answers to case reads, per case and per kind of reader, until the case changes."""

    def __init__(self, redis: Redis, *, prefix: str, secret: bytes, cap_seconds: int) -> None:
        self.redis = redis
        self.prefix = f"{prefix}tracking:"
        self.cap_seconds = cap_seconds
        self._naming_key = hmac.digest(secret, b"nowrongdoor tracking cache: names", "sha256")
        self._cipher = AESGCM(
            HKDF(algorithm=hashes.SHA256(), length=32, salt=secret, info=b"tracking cache").derive(
                b"answers"
            )
        )
        self._look = redis.register_script(_LOOK)
        self._keep = redis.register_script(_KEEP)

    async def look(self, reference: str, reader: str) -> Lookup:
        answers, generation = self._names(reference)
        sealed, seen_generation, seen_epoch = await self._look(
            keys=[answers, generation, self._epoch], args=[reader]
        )
        epoch = _text(seen_epoch)
        return Lookup(
            kept=self._open(answers, reader, sealed, epoch) if sealed else None,
            generation=_text(seen_generation),
            epoch=epoch,
        )

    async def keep(
        self, reference: str, reader: str, seen: Lookup, answer: KeptAnswer, seconds: int
    ) -> bool:
        """Keep `answer` for `seconds` (at most the cap) unless the case changed since `seen`."""
        seconds = min(seconds, self.cap_seconds)
        if seconds <= 0:
            return False
        answers, generation = self._names(reference)
        # A first line of what the answer was kept under, then the answer as case tracking sent it.
        until = time.time() + seconds
        head = f"{until:.3f} {seen.epoch or '-'} {answer.etag or '-'}\n"
        clear = head.encode() + answer.body
        nonce = secrets.token_bytes(12)
        sealed = nonce + self._cipher.encrypt(nonce, clear, _place(answers, reader))
        kept = await self._keep(
            keys=[answers, generation, self._epoch],
            args=[reader, sealed, self.cap_seconds, seen.generation, seen.epoch],
        )
        return bool(kept)

    async def forget(self, references: Iterable[str]) -> None:
        """Forget every answer about these cases, and refuse those read before now."""
        pipeline = self.redis.pipeline(transaction=False)
        for reference in references:
            answers, generation = self._names(reference)
            pipeline.incr(generation)
            pipeline.expire(generation, self.cap_seconds * 2)
            pipeline.delete(answers)
        await pipeline.execute()

    async def forget_all(self) -> None:
        """Refuse every answer kept or being read: nothing may have heard what changed."""
        await self.redis.incr(self._epoch)

    @property
    def _epoch(self) -> str:
        return f"{self.prefix}epoch"

    def _names(self, reference: str) -> tuple[str, str]:
        digest = hmac.new(self._naming_key, reference.encode(), hashlib.sha256).hexdigest()
        return f"{self.prefix}{digest}", f"{self.prefix}{digest}:generation"

    def _open(self, answers: str, reader: str, sealed: bytes, epoch: str) -> KeptAnswer | None:
        """The answer kept, if it is still true: before its time is up, and kept since the cache
        last started afresh. One that will not open is as good as none."""
        try:
            clear = self._cipher.decrypt(sealed[:12], sealed[12:], _place(answers, reader))
        except (InvalidTag, ValueError):
            return None
        head, _, body = clear.partition(b"\n")
        until, kept_epoch, etag = head.decode().split(" ", 2)
        if float(until) <= time.time() or kept_epoch != (epoch or "-"):
            return None
        return KeptAnswer(body=body, etag="" if etag == "-" else etag)


def reader_of(caller: Principal, language: str | None) -> str:
    """Who an answer was for, as far as it shows: the complainant, or a client's kind,
    institution and scopes; and the language its timeline reads in."""
    if caller.kind == "public" and caller.case_reference is not None:
        who = "complainant"
    else:
        who = f"{caller.kind}:{caller.institution_id or ''}:{' '.join(sorted(caller.scopes))}"
    return f"{who}|{language or ''}"


def _place(answers: str, reader: str) -> bytes:
    return f"{answers}\x00{reader}".encode()


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value
