"""Slows, then locks, the receipt checks of a reference that keeps getting wrong receipts.

Counters are keyed by a keyed hash of the reference, never the reference itself, and exist for
any well-formed reference, known or not: a locked reference answers exactly like a wrong receipt,
so neither the lock nor the counting tells anyone whether a case exists.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from redis.asyncio import Redis

from gateway.edge.limit_settings import LimitSettings
from nowrongdoor.metrics import RECEIPT_LOCKOUTS
from nowrongdoor.problems import ProblemError

CASE_NOT_FOUND = "No case matches this reference and receipt."
T = TypeVar("T")

# Counts one more wrong receipt; from the lock threshold on, each failure (re)starts the lock.
_RECORD_FAILURE = """
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'locked_until', tonumber(ARGV[1]) + tonumber(ARGV[3]))
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return failures
"""


def case_not_found() -> ProblemError:
    """The one answer for a wrong receipt, an unknown reference and a locked reference alike."""
    return ProblemError(404, CASE_NOT_FOUND, headers={"Cache-Control": "no-store"})


class ReceiptGuard:
    """Call `before_check` before checking a receipt, then `record_failure` or `record_success`."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str,
        secret: bytes,
        settings: LimitSettings,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        # A stable key: failures must add up across days, unlike the anonymous rate buckets.
        self._key = hmac.digest(secret, b"nowrongdoor receipt guard", hashlib.sha256)
        self._record_failure = redis.register_script(_RECORD_FAILURE)

    def _redis_key(self, reference: str) -> str:
        digest = hmac.new(self._key, reference.upper().encode(), hashlib.sha256).hexdigest()
        return f"{self.prefix}receipt:{digest[:32]}"

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    async def before_check(self, reference: str) -> None:
        """Hold the check while failures pile up; raise the wrong-receipt 404 while locked."""
        failures, locked_until = await self.redis.hmget(
            self._redis_key(reference), ["failures", "locked_until"]
        )
        delay = self.settings.receipt_delay(int(failures or 0))
        if delay > 0:
            await self.sleep(delay)
        if int(locked_until or 0) > self._now_ms():
            raise case_not_found()

    async def record_failure(self, reference: str) -> None:
        failures = await self._record_failure(
            keys=[self._redis_key(reference)],
            args=[
                self._now_ms(),
                self.settings.receipt_failures_before_lock,
                self.settings.receipt_lock_seconds * 1000,
                self.settings.receipt_failure_memory_seconds * 1000,
            ],
        )
        if int(failures) == self.settings.receipt_failures_before_lock:
            RECEIPT_LOCKOUTS.inc()

    async def record_success(self, reference: str) -> None:
        await self.redis.delete(self._redis_key(reference))

    async def guarded(self, reference: str, check: Callable[[], Awaitable[T | None]]) -> T:
        """Run one receipt check under the guard: any miss is counted and is the one 404."""
        await self.before_check(reference)
        answer = await check()
        if answer is None:
            await self.record_failure(reference)
            raise case_not_found()
        await self.record_success(reference)
        return answer


async def receipt_guard(request: Request) -> ReceiptGuard:
    guard: ReceiptGuard = request.app.state.receipt_guard
    return guard


ReceiptGuardDep = Annotated[ReceiptGuard, Depends(receipt_guard)]
