"""What keeps the tracking cache true: each event about a case forgets that case's answers.

Case tracking publishes its `case.*` events after it committed the change, so hearing one is
enough. It also changes a case when it handles events of others — a routing decision, a triage
hold, personal data removed, a notification's outcome on the timeline — and publishes nothing
of its own for some of them; for those the cache forgets the case once case tracking's consumer
has acknowledged the event, which it does after committing what the event changed.

Until every subject is followed, while the connection to NATS is down, and while a case heard
of could not be forgotten, the cache is not used: reads go to case tracking.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from redis.exceptions import RedisError

from gateway.tracking.cache import TrackingCache
from nowrongdoor.bus import Bus, durable_name
from nowrongdoor.contracts.events import (
    ComplaintPersonalDataRemoved,
    ComplaintRouted,
    ComplaintTriageRequired,
    NotificationDelivered,
    NotificationFailed,
)

log = logging.getLogger(__name__)

CASE_EVENTS = "case.>"
# The events case tracking handles that change what a reader of the case sees, and the consumer
# it handles each with. Kept in step with case tracking's consumers (a test compares them).
HANDLED_BY_CASE_TRACKING = tuple(
    (event.subject, durable_name("case-tracking", event.subject))
    for event in (
        ComplaintRouted,
        ComplaintTriageRequired,
        ComplaintPersonalDataRemoved,
        NotificationDelivered,
        NotificationFailed,
    )
)
SETTLE_SECONDS = 0.05
"""How often case tracking's progress is read while events wait for it."""
MOST_WAITING = 10_000
"""Events waiting for case tracking beyond which the whole cache is forgotten instead, once case
tracking has handled them all."""
EVERY_CASE = ""
_BUS_ERRORS = (nats.errors.Error, nats.js.errors.Error, OSError, TimeoutError)


class Invalidation:
    """Follows the events that change cases and forgets the cached answers about them."""

    def __init__(self, cache: TrackingCache) -> None:
        self.cache = cache
        self.following = False
        self._bus: Bus | None = None
        self._waiting: dict[str, deque[tuple[int, str]]] = {
            durable: deque() for _subject, durable in HANDLED_BY_CASE_TRACKING
        }
        self._to_forget: set[str] = set()
        self._failing = False
        """Whether Redis refused to forget cases that are still to be forgotten."""
        self._forgetting: asyncio.Task[None] | None = None
        self._settling = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    @property
    def live(self) -> bool:
        """Whether the cache may be used now: every change to a case will be heard."""
        return (
            self.following
            and self._bus is not None
            and self._bus.nc.is_connected
            and not self._failing
        )

    def start(self, nats_url: str, *, namespace: str) -> None:
        """Begin following, in the background: the gateway answers meanwhile without a cache."""
        self._tasks.append(asyncio.create_task(self._follow(nats_url, namespace)))

    async def stop(self) -> None:
        self.following = False
        self._stopping = True
        tasks = [task for task in [*self._tasks, self._forgetting] if task is not None]
        for task in tasks:
            task.cancel()
        # A connection attempt may swallow the cancellation; `_stopping` ends its loop then.
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        if self._bus is not None:
            await self._bus.close()

    async def forget_now(self, reference: str) -> None:
        """Forget a case this gateway has just changed, before answering whoever changed it."""
        try:
            await self.cache.forget([reference])
        except RedisError:
            self._failing = True  # the cache stays off until it is done
            self._forget_soon([reference])

    async def _follow(self, nats_url: str, namespace: str) -> None:
        while not self._stopping:
            try:
                self._bus = await Bus.connect(nats_url, name="gateway", namespace=namespace)
                await self._bus.follow(CASE_EVENTS, self._case_changed)
                for subject, durable in HANDLED_BY_CASE_TRACKING:
                    await self._bus.follow(subject, self._handled_by(durable))
                break
            except (*_BUS_ERRORS, ConnectionError) as error:
                # The streams appear when the services first start; keep trying until then.
                log.warning(
                    "tracking cache off: cannot follow case events yet",
                    extra={"error": type(error).__name__},
                )
                if self._bus is not None:
                    await self._bus.close()
                    self._bus = None
                await asyncio.sleep(2.0)
        if self._stopping:
            if self._bus is not None:
                await self._bus.close()
            return
        # Nobody heard what happened while no gateway was following: start afresh.
        await self._until_done(self.cache.forget_all)
        self.following = True
        log.info("tracking cache on")
        self._tasks.append(asyncio.create_task(self._settle()))

    async def _case_changed(self, message: Msg) -> None:
        reference = _reference(message)
        if reference is not None:
            self._forget_soon([reference])

    def _handled_by(self, durable: str) -> Callable[[Msg], Awaitable[None]]:
        waiting = self._waiting[durable]

        async def heard(message: Msg) -> None:
            reference = _reference(message)
            if reference is None:
                return
            if sum(map(len, self._waiting.values())) >= MOST_WAITING:
                # Too many to remember one by one: once case tracking has handled all of them,
                # forget every case.
                log.warning("tracking cache: case tracking is far behind; forgetting all at once")
                for queue in self._waiting.values():
                    if queue:
                        last = queue[-1][0]
                        queue.clear()
                        queue.append((last, EVERY_CASE))
            waiting.append((message.metadata.sequence.stream, reference))
            self._settling.set()

        return heard

    async def _settle(self) -> None:
        """Forget the cases of events case tracking has acknowledged since the last look."""
        assert self._bus is not None
        while True:
            await self._settling.wait()
            await asyncio.sleep(SETTLE_SECONDS)
            settled: list[str] = []
            for subject, durable in HANDLED_BY_CASE_TRACKING:
                waiting = self._waiting[durable]
                if not waiting:
                    continue
                try:
                    floor = await self._bus.acknowledged_up_to(durable, subject)
                except _BUS_ERRORS:
                    continue  # case tracking's consumer is not there yet, or NATS is away
                while waiting and waiting[0][0] <= floor:
                    settled.append(waiting.popleft()[1])
            if EVERY_CASE in settled:
                await self._until_done(self.cache.forget_all)
            elif settled:
                self._forget_soon(settled)
            if not any(self._waiting.values()):
                self._settling.clear()

    def _forget_soon(self, references: Iterable[str]) -> None:
        """Forget these cases with any others heard meanwhile, in one trip to Redis."""
        self._to_forget.update(references)
        if self._forgetting is None or self._forgetting.done():
            self._forgetting = asyncio.create_task(self._forget_heard())

    async def _forget_heard(self) -> None:
        while self._to_forget:
            references, self._to_forget = self._to_forget, set()
            try:
                await self.cache.forget(references)
            except RedisError as error:
                # The cache stays off (`live`) until the cases are forgotten.
                self._failing = True
                self._to_forget |= references
                log.warning(
                    "tracking cache could not forget cases, retrying",
                    extra={"error": type(error).__name__},
                )
                await asyncio.sleep(0.5)
        self._failing = False

    async def _until_done(self, attempt: Callable[[], Awaitable[None]]) -> None:
        while True:
            try:
                await attempt()
                return
            except RedisError as error:
                log.warning(
                    "tracking cache could not be cleared, retrying",
                    extra={"error": type(error).__name__},
                )
                await asyncio.sleep(0.5)


def _reference(message: Msg) -> str | None:
    """The case an event is about: its CloudEvents `subject`."""
    return (message.headers or {}).get("ce-subject")
