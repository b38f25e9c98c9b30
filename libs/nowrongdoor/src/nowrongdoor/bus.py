"""The event bus: CloudEvents 1.0 in binary mode over NATS JetStream.

Attributes travel in `ce-*` headers, the JSON payload is the body, `Nats-Msg-Id` equals `ce-id` so
JetStream drops a republished duplicate, and `traceparent` carries the trace across the bus.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import api
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import inject

from nowrongdoor.contracts.streams import EVENTS_BY_TYPE, STREAMS
from nowrongdoor.envelope import Envelope, UndecodableEvent
from nowrongdoor.memory import after_work
from nowrongdoor.metrics import (
    CONSUMER_ACK_PENDING,
    CONSUMER_PENDING,
    DEAD_LETTERED,
    DEAD_LETTERS_WAITING,
    EVENTS_CONSUMED,
    EVENTS_PUBLISHED,
    JETSTREAM_STORAGE_LIMIT,
    JETSTREAM_STORAGE_USED,
)
from nowrongdoor.telemetry import current_span

log = logging.getLogger(__name__)
tracer = trace.get_tracer("nowrongdoor.bus")

DUPLICATE_WINDOW_SECONDS = 120.0
Handler = Callable[[Envelope], Awaitable[None]]


def durable_name(service: str, subject: str) -> str:
    """The name of `service`'s durable consumer of `subject`."""
    return f"{service}-{subject.replace('.', '-')}"


@runtime_checkable
class BatchHandler(Protocol):
    """A handler that can also handle a fetched batch of events in one unit of work."""

    def __call__(self, envelope: Envelope) -> Awaitable[None]: ...

    def together(self, envelopes: Sequence[Envelope]) -> AbstractAsyncContextManager[Handler]:
        """A handler for each of `envelopes` in turn, all committed when the block ends and
        none when it raises."""
        ...


@dataclass(frozen=True)
class ConsumerSpec:
    """One durable pull consumer: explicit ack, bounded in flight, bounded redeliveries."""

    durable: str
    subject: str
    handler: Handler
    max_deliver: int = 8
    backoff: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
    max_ack_pending: int = 64
    ack_wait: float = 30.0
    batch: int = 64
    linger: float = 0.04
    """Seconds a consumer that can handle a batch together waits after fetching fewer than
    `batch` events, so that the next fetch takes what arrived meanwhile as one batch. At a
    steady rate each fetch otherwise holds one or two events, and each pays a whole
    transaction, commit and relay pass; a burst fills its batches and never waits."""


class Bus:
    """A NATS connection with the platform's streams, namespaced so platforms can share a server."""

    def __init__(self, nc: NatsClient, *, namespace: str = "", replicas: int = 1) -> None:
        self.nc = nc
        self.js = nc.jetstream()
        self.namespace = namespace
        self.replicas = replicas

    @classmethod
    async def connect(
        cls, url: str, *, name: str, namespace: str = "", replicas: int = 1, wait: float = 30.0
    ) -> Bus:
        """Connect, retrying until `wait` seconds have passed, then keep reconnecting forever."""
        deadline = asyncio.get_running_loop().time() + wait
        delay = 0.2
        while True:
            remaining = max(deadline - asyncio.get_running_loop().time(), 0.5)
            try:
                # Bounded: with unlimited reconnects the client would retry a first connection
                # that never succeeds for ever, and `wait` would mean nothing.
                nc = await asyncio.wait_for(_connect(url, name), timeout=remaining)
                return cls(nc, namespace=namespace, replicas=replicas)
            except (OSError, nats.errors.Error, TimeoutError) as error:
                if asyncio.get_running_loop().time() > deadline:
                    raise ConnectionError(
                        f"NATS at {url} did not answer within {wait:g} s"
                    ) from error
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    def stream_name(self, stream: str) -> str:
        return f"{self.namespace.upper()}_{stream}" if self.namespace else stream

    def subject_for(self, subject: str) -> str:
        return f"{self.namespace}.{subject}" if self.namespace else subject

    def local_subject(self, wire_subject: str) -> str:
        prefix = f"{self.namespace}." if self.namespace else ""
        return wire_subject.removeprefix(prefix)

    async def ensure_streams(self) -> None:
        for stream, subjects in STREAMS.items():
            config = api.StreamConfig(
                name=self.stream_name(stream),
                subjects=[self.subject_for(s) for s in subjects],
                storage=api.StorageType.FILE,
                retention=api.RetentionPolicy.LIMITS,
                duplicate_window=DUPLICATE_WINDOW_SECONDS,
                num_replicas=self.replicas,
            )
            try:
                await self.js.add_stream(config)
            except nats.js.errors.BadRequestError:
                await self.js.update_stream(config)

    async def publish(self, envelope: Envelope, event_subject: str) -> api.PubAck:
        """Publish and wait for the stream's acknowledgement; a duplicate id is acknowledged too."""
        with self._producing(envelope, event_subject) as (destination, headers):
            ack = await self.js.publish(destination, envelope.data, headers=headers, timeout=5)
        EVENTS_PUBLISHED.labels(envelope.type).inc()
        return ack

    async def send(self, envelope: Envelope, event_subject: str) -> asyncio.Future[api.PubAck]:
        """Publish without waiting for the acknowledgement, which the returned future holds.

        Messages sent one after another reach the stream in that order, and a batch of them
        waits for its acknowledgements together instead of one round trip each. A future
        cancelled before it was acknowledged stops waiting; the message may be stored anyway.
        """
        with self._producing(envelope, event_subject) as (destination, headers):
            acknowledgement = await self.js.publish_async(
                destination, envelope.data, headers=headers
            )
        acknowledgement.add_done_callback(_count_published(envelope.type))
        return acknowledgement

    @contextlib.contextmanager
    def _producing(
        self, envelope: Envelope, event_subject: str
    ) -> Iterator[tuple[str, dict[str, str]]]:
        """The producer span of one event, and where and with which headers it is sent.

        The span is a child of the context the event was raised in, and the message carries
        the producer span's own context, so each consumer's span hangs below it.
        """
        destination = self.subject_for(event_subject)
        with current_span(
            tracer,
            f"send {event_subject}",
            context=envelope.trace_context(),
            kind=trace.SpanKind.PRODUCER,
            attributes=lambda: {
                **_messaging_attributes(destination, "send"),
                "messaging.operation.name": "publish",
                "messaging.message.id": envelope.id,
            },
        ):
            carrier: dict[str, str] = {}
            inject(carrier)
            yield destination, envelope.headers() | carrier

    async def sample(self, durables: Sequence[tuple[str, str]]) -> None:
        """Bring the bus gauges up to date: each durable consumer's lag, storage, dead letters.

        `durables` pairs each durable consumer's name with the subject it reads.
        """
        for durable, subject in durables:
            info = await self.js.consumer_info(self.stream_name(_stream_of(subject)), durable)
            CONSUMER_PENDING.labels(durable).set(info.num_pending or 0)
            CONSUMER_ACK_PENDING.labels(durable).set(info.num_ack_pending or 0)
        account = await self.js.account_info()
        JETSTREAM_STORAGE_USED.set(account.storage)
        JETSTREAM_STORAGE_LIMIT.set(max(account.limits.max_storage, 0))
        dead_letters = await self.js.stream_info(self.stream_name("DEADLETTER"))
        DEAD_LETTERS_WAITING.set(dead_letters.state.messages)

    async def follow(
        self, subject: str, heard: Callable[[Msg], Awaitable[None]]
    ) -> nats.js.JetStreamContext.PushSubscription:
        """Hear the headers of each event on `subject` published from now on, in order.

        An ordered consumer: it keeps no state on the server, acknowledges nothing, and when a
        message goes missing or the connection comes back it starts again after the last one
        heard, so none is skipped while the stream keeps them.
        """
        return await self.js.subscribe(
            self.subject_for(subject),
            stream=self.stream_name(_stream_of(subject)),
            cb=heard,
            ordered_consumer=True,
            deliver_policy=api.DeliverPolicy.NEW,
            headers_only=True,
        )

    async def acknowledged_up_to(self, durable: str, subject: str) -> int:
        """The stream sequence up to which `durable`, a consumer of `subject`, acknowledged
        every event: each one was handled and its work committed."""
        info = await self.js.consumer_info(self.stream_name(_stream_of(subject)), durable)
        return info.ack_floor.stream_seq if info.ack_floor is not None else 0

    async def ping(self) -> None:
        if not self.nc.is_connected:
            raise ConnectionError("not connected to NATS")
        await self.nc.flush(timeout=2)

    async def close(self) -> None:
        # Consumers have stopped by now; anything unacknowledged is redelivered, so no drain wait.
        if not self.nc.is_closed:
            await self.nc.close()

    async def subscribe(self, spec: ConsumerSpec) -> JetStreamPull:
        config = api.ConsumerConfig(
            durable_name=spec.durable,
            ack_policy=api.AckPolicy.EXPLICIT,
            deliver_policy=api.DeliverPolicy.ALL,
            max_deliver=spec.max_deliver,
            max_ack_pending=spec.max_ack_pending,
            ack_wait=spec.ack_wait,
            # The single-subject filter: `filter_subjects` needs NATS 2.10, and 2.9 ignores it.
            filter_subject=self.subject_for(spec.subject),
            num_replicas=self.replicas,
        )
        stream = self.stream_name(_stream_of(spec.subject))
        # Each series this consumer can move exists from the start at zero, so that a rate
        # over the first event after a restart is not lost.
        DEAD_LETTERED.labels(spec.durable)
        event_type = _TYPE_BY_SUBJECT.get(spec.subject)
        if event_type is not None:
            for outcome in ("processed", "retried", "dead_lettered"):
                EVENTS_CONSUMED.labels(spec.durable, event_type, outcome)
        return await self.js.pull_subscribe(
            self.subject_for(spec.subject), durable=spec.durable, stream=stream, config=config
        )

    async def consume(
        self, spec: ConsumerSpec, stop: asyncio.Event, subscription: JetStreamPull | None = None
    ) -> None:
        """Fetch and handle messages until `stop` is set; survives NATS restarts."""
        while not stop.is_set():
            try:
                if subscription is None:
                    subscription = await self.subscribe(spec)
                messages = await subscription.fetch(spec.batch, timeout=1.0)
            except TimeoutError:
                # Nothing to fetch. The client raises its own TimeoutError or asyncio's, and
                # the latter is an OSError too: it must not pass for a broken connection.
                continue
            except (nats.errors.Error, nats.js.errors.Error, OSError) as error:
                log.warning(
                    "consumer could not fetch, retrying",
                    extra={"consumer": spec.durable, "error": type(error).__name__},
                )
                subscription = None
                await _sleep_unless(stop, 1.0)
                continue
            await self._handle_fetched(spec, messages)
            after_work.worked()
            if len(messages) < spec.batch and isinstance(spec.handler, BatchHandler):
                await asyncio.sleep(spec.linger)
        if subscription is not None:
            # The connection may be going away; the durable consumer stays on the server anyway.
            with contextlib.suppress(nats.errors.Error, OSError):
                await subscription.unsubscribe()

    async def _handle_fetched(self, spec: ConsumerSpec, messages: Sequence[Msg]) -> None:
        """Handle a fetched batch in order: together in one unit of work where the handler can,
        else, or when any of them fails, each on its own, so only what failed is retried."""
        decoded: list[tuple[Msg, Envelope]] = []
        for message in messages:
            try:
                decoded.append((message, Envelope.from_wire(message.headers, message.data)))
            except UndecodableEvent as error:
                await self._dead_letter(spec, message, str(error), "undecodable")
        handler = spec.handler
        # A single event goes on its own: its inbox record is written before the work, which on
        # SQLite takes the write lock before any read. A batch takes it at its first read for
        # update or first write (docs/architecture.md, "Reads for update").
        if (
            len(decoded) > 1
            and isinstance(handler, BatchHandler)
            and await self._handle_together(spec, handler, decoded)
        ):
            return
        for message, envelope in decoded:
            await self._handle(spec, message, envelope)

    async def _handle_together(
        self, spec: ConsumerSpec, handler: BatchHandler, decoded: Sequence[tuple[Msg, Envelope]]
    ) -> bool:
        """True when every message was handled in one unit of work, committed and acknowledged."""
        try:
            async with handler.together([envelope for _, envelope in decoded]) as handle:
                for message, envelope in decoded:
                    with self._processing(spec, message, envelope):
                        await handle(envelope)
        except Exception as error:
            log.debug(
                "a batch failed together, handling its events one by one",
                extra={"consumer": spec.durable, "error": type(error).__name__},
            )
            return False
        for message, envelope in decoded:
            await message.ack()
            EVENTS_CONSUMED.labels(spec.durable, _type_label(envelope), "processed").inc()
        return True

    async def _handle(self, spec: ConsumerSpec, message: Msg, envelope: Envelope) -> None:
        try:
            with self._processing(spec, message, envelope):
                await spec.handler(envelope)
        except Exception as error:
            delivered = message.metadata.num_delivered or 1
            log.warning(
                "event handler failed",
                extra={
                    "consumer": spec.durable,
                    "event_id": envelope.id,
                    "event_type": envelope.type,
                    "attempt": delivered,
                    "error": type(error).__name__,
                },
            )
            if delivered >= spec.max_deliver:
                await self._dead_letter(spec, message, type(error).__name__, _type_label(envelope))
            else:
                delay = spec.backoff[min(delivered - 1, len(spec.backoff) - 1)]
                await message.nak(delay=delay)
                EVENTS_CONSUMED.labels(spec.durable, _type_label(envelope), "retried").inc()
            return
        await message.ack()
        EVENTS_CONSUMED.labels(spec.durable, _type_label(envelope), "processed").inc()

    @contextlib.contextmanager
    def _processing(self, spec: ConsumerSpec, message: Msg, envelope: Envelope) -> Iterator[None]:
        """The consumer span of one event, below the producer's context that the event carries."""
        producer = envelope.trace_context()
        producer_span = trace.get_current_span(producer).get_span_context()
        token = otel_context.attach(producer)
        try:
            with current_span(
                tracer,
                f"process {self.local_subject(message.subject)}",
                kind=trace.SpanKind.CONSUMER,
                links=lambda: [trace.Link(producer_span)] if producer_span.is_valid else [],
                attributes=lambda: {
                    **_messaging_attributes(message.subject, "process"),
                    "messaging.operation.name": "process",
                    "messaging.message.id": envelope.id,
                    "messaging.consumer.group.name": spec.durable,
                },
            ):
                yield
        finally:
            otel_context.detach(token)

    async def _dead_letter(
        self, spec: ConsumerSpec, message: Msg, reason: str, event_type: str
    ) -> None:
        """Keep the message where an operator can inspect and replay it, then stop redelivering."""
        headers = dict(message.headers or {})
        original_id = headers.pop("Nats-Msg-Id", None) or str(uuid.uuid4())
        headers["Nats-Msg-Id"] = f"{spec.durable}:{original_id}"
        headers["nwd-dead-letter-reason"] = reason
        headers["nwd-dead-letter-consumer"] = spec.durable
        headers["nwd-original-subject"] = self.local_subject(message.subject)
        subject = self.subject_for(
            f"deadletter.{spec.durable}.{self.local_subject(message.subject)}"
        )
        await self.js.publish(subject, message.data, headers=headers, timeout=5)
        await message.term()
        DEAD_LETTERED.labels(spec.durable).inc()
        EVENTS_CONSUMED.labels(spec.durable, event_type, "dead_lettered").inc()
        log.error(
            "event moved to the dead-letter stream",
            extra={"consumer": spec.durable, "reason": reason, "dead_letter_subject": subject},
        )


JetStreamPull = nats.js.JetStreamContext.PullSubscription


_TYPE_BY_SUBJECT = {cls.subject: event_type for event_type, cls in EVENTS_BY_TYPE.items()}


def _type_label(envelope: Envelope) -> str:
    # Label values stay a closed set, whatever a message on the wire claims to be.
    return envelope.type if envelope.type in EVENTS_BY_TYPE else "unknown"


def _count_published(event_type: str) -> Callable[[asyncio.Future[api.PubAck]], None]:
    def count(acknowledgement: asyncio.Future[api.PubAck]) -> None:
        if not acknowledgement.cancelled() and acknowledgement.exception() is None:
            EVENTS_PUBLISHED.labels(event_type).inc()

    return count


def _messaging_attributes(destination: str, operation: str) -> dict[str, str]:
    return {
        "messaging.system": "nats",
        "messaging.destination.name": destination,
        "messaging.operation.type": operation,
    }


def _stream_of(subject: str) -> str:
    root = subject.split(".", 1)[0]
    for stream, subjects in STREAMS.items():
        if any(s.split(".", 1)[0] == root for s in subjects):
            return stream
    raise ValueError(f"no stream holds subject {subject}")


async def _connect(url: str, name: str) -> NatsClient:
    """A connection that, once made, reconnects for ever."""
    return await nats.connect(
        url,
        name=name,
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=2,
        error_cb=_log_nats_error,
        disconnected_cb=_log_disconnected,
        reconnected_cb=_log_reconnected,
    )


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _log_nats_error(error: Exception) -> None:
    log.warning("NATS connection error", extra={"error": type(error).__name__})


async def _log_disconnected() -> None:
    log.warning("disconnected from NATS")


async def _log_reconnected() -> None:
    log.info("reconnected to NATS")
