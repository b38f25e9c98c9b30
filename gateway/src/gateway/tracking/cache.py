"""The tracking cache: the answers case tracking gave its readers, kept sealed in Redis.

An answer is kept for as long as case tracking said it stays true, at most `cap_seconds`, and
forgotten the moment anything happens to its case (`gateway.tracking.invalidation`). Answers
about one case are kept in its place; pages of institutions' lists each in a place of their own,
all forgotten when any case changes, for a change to one case may move it into or out of a page
of any institution taking part in it. Each place has a generation that forgetting moves on, and
the whole cache an epoch that a fresh start moves on: an answer fetched before either moved is
not kept, nor given once kept, so a read that raced a change never puts the old answer back.

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

from gateway.tracking.looks import Looks
from nowrongdoor.auth import Principal

# What a look needs in one command: the reader's answer, its place's generation, the epoch.
_LOOK = """
return {redis.call('HGET', KEYS[1], ARGV[1]), redis.call('GET', KEYS[2]),
        redis.call('GET', KEYS[3])}
"""
# A complainant's case session and, when it holds the case read, the look above, in one command.
# KEYS: the session, then the look's; ARGV: the session's idle seconds, the case's reference, the
# reader.
_LOOK_WITH_SESSION = """
local held = redis.call('GETEX', KEYS[1], 'EX', ARGV[1])
if held ~= ARGV[2] then return {held} end
return {held, redis.call('HGET', KEYS[2], ARGV[3]), redis.call('GET', KEYS[3]),
        redis.call('GET', KEYS[4])}
"""
# Keep an answer only if neither its place's generation nor the cache's epoch moved since the
# read began. KEYS: the place's answers, its generation, the epoch; ARGV: the reader, the sealed
# answer, the seconds the place's answers may live, the generation and epoch seen.
_KEEP = """
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[4] then return 0 end
if (redis.call('GET', KEYS[3]) or '') ~= ARGV[5] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""


@dataclass(frozen=True)
class KeptAnswer:
    """A case, or a page of a list, as case tracking answered a reader: its JSON and its entity
    tag (none for a page)."""

    body: bytes
    etag: str


@dataclass(frozen=True)
class Place:
    """Where the answers about one thing are kept, under names that do not give it away: the
    answers, one per reader, and the generation whose moving on forgets them."""

    answers: str
    generation: str


@dataclass(frozen=True)
class Lookup:
    """What a look found: the answer kept for the reader, if any, and the place's generation and
    the cache's epoch at that moment, which keeping a new answer must find unchanged."""

    kept: KeptAnswer | None
    generation: str
    epoch: str


class TrackingCache:
    """Answers to case reads and list pages, per kind of reader, until a case changes."""

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
        self._look_with_session = redis.register_script(_LOOK_WITH_SESSION)
        self._keep = redis.register_script(_KEEP)
        self._looks = Looks(redis)

    def case(self, reference: str) -> Place:
        """Where the answers about one case are kept."""
        answers = f"{self.prefix}{self._name(reference)}"
        return Place(answers=answers, generation=f"{answers}:generation")

    def page(self, institution_id: str, query: str) -> Place:
        """Where the answers to one list of an institution's cases are kept: `query` is the
        list's query string, as the route took it."""
        return Place(
            answers=f"{self.prefix}list:{self._name(f'{institution_id}?{query}')}",
            generation=self._lists,
        )

    async def look(self, place: Place, reader: str) -> Lookup:
        sealed, generation, epoch = await self._looks.run(
            self._look, [place.answers, place.generation, self._epoch], [reader]
        )
        return self._lookup(place, reader, sealed, generation, epoch)

    async def look_with_session(
        self, session: str, idle_seconds: int, reference: str, reader: str
    ) -> tuple[str | None, Lookup | None]:
        """The reference a case session holds, its idle time started again (`session` is its
        key in Redis); and, when that is `reference`, the look at the case's place for `reader`."""
        place = self.case(reference)
        found = await self._looks.run(
            self._look_with_session,
            [session, place.answers, place.generation, self._epoch],
            [idle_seconds, reference, reader],
        )
        held = _text(found[0]) if found else ""
        if held != reference:
            return held or None, None
        return held, self._lookup(place, reader, *found[1:])

    async def keep(
        self, place: Place, reader: str, seen: Lookup, answer: KeptAnswer, seconds: int
    ) -> bool:
        """Keep `answer` for `seconds` (at most the cap) unless the place's generation or the
        epoch moved since `seen`."""
        seconds = min(seconds, self.cap_seconds)
        if seconds <= 0:
            return False
        # A first line of what the answer was kept under, then the answer as case tracking sent it.
        until = time.time() + seconds
        head = f"{until:.3f} {seen.epoch or '-'} {seen.generation or '-'} {answer.etag or '-'}\n"
        clear = head.encode() + answer.body
        nonce = secrets.token_bytes(12)
        sealed = nonce + self._cipher.encrypt(nonce, clear, _bound(place, reader))
        kept = await self._keep(
            keys=[place.answers, place.generation, self._epoch],
            args=[reader, sealed, self.cap_seconds, seen.generation, seen.epoch],
        )
        return bool(kept)

    async def forget(self, references: Iterable[str]) -> None:
        """Forget every answer about these cases and every page of a list, and refuse those read
        before now."""
        pipeline = self.redis.pipeline(transaction=False)
        for reference in references:
            place = self.case(reference)
            pipeline.incr(place.generation)
            pipeline.expire(place.generation, self.cap_seconds * 2)
            pipeline.delete(place.answers)
        pipeline.incr(self._lists)
        await pipeline.execute()

    async def close(self) -> None:
        """Close the connections the looks opened; the client's own are its to close."""
        await self._looks.close()

    async def forget_all(self) -> None:
        """Refuse every answer kept or being read: nothing may have heard what changed."""
        await self.redis.incr(self._epoch)

    @property
    def _epoch(self) -> str:
        return f"{self.prefix}epoch"

    @property
    def _lists(self) -> str:
        """The generation of every list's pages."""
        return f"{self.prefix}lists:generation"

    def _name(self, thing: str) -> str:
        return hmac.new(self._naming_key, thing.encode(), hashlib.sha256).hexdigest()

    def _lookup(
        self,
        place: Place,
        reader: str,
        sealed: bytes | None,
        generation: bytes | None,
        epoch: bytes | None,
    ) -> Lookup:
        """What a look found, from Redis's replies: the answer kept at `place` for `reader`, its
        place's generation and the cache's epoch."""
        seen_generation, seen_epoch = _text(generation), _text(epoch)
        return Lookup(
            kept=self._open(place, reader, sealed, seen_generation, seen_epoch) if sealed else None,
            generation=seen_generation,
            epoch=seen_epoch,
        )

    def _open(
        self, place: Place, reader: str, sealed: bytes, generation: str, epoch: str
    ) -> KeptAnswer | None:
        """The answer kept, if it is still true: before its time is up, and kept since its place
        and the cache last moved on. One that will not open is as good as none."""
        try:
            clear = self._cipher.decrypt(sealed[:12], sealed[12:], _bound(place, reader))
        except (InvalidTag, ValueError):
            return None
        head, _, body = clear.partition(b"\n")
        fields = head.decode().split(" ", 3)
        if len(fields) != 4:
            return None
        until, kept_epoch, kept_generation, etag = fields
        if (
            float(until) <= time.time()
            or kept_epoch != (epoch or "-")
            or kept_generation != (generation or "-")
        ):
            return None
        return KeptAnswer(body=body, etag="" if etag == "-" else etag)


def reader_of(caller: Principal, language: str | None) -> str:
    """Who an answer was for, as far as it shows: the complainant, or a client's kind,
    institution and scopes; and the language its timeline reads in."""
    if caller.kind == "public" and caller.case_reference is not None:
        return complainant_reader(language)
    who = f"{caller.kind}:{caller.institution_id or ''}:{' '.join(sorted(caller.scopes))}"
    return f"{who}|{language or ''}"


def complainant_reader(language: str | None) -> str:
    """`reader_of` the complainant of a case, whichever case it is."""
    return f"complainant|{language or ''}"


def _bound(place: Place, reader: str) -> bytes:
    """What a sealed answer is bound to: it opens only where it was kept, for whom."""
    return f"{place.answers}\x00{reader}".encode()


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value
