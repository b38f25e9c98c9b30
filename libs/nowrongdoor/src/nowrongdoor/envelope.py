"""One CloudEvent as it travels on the bus: binary mode, attributes in `ce-*` headers.

The JSON payload is the message body, `Nats-Msg-Id` equals `ce-id` so JetStream drops a
republished duplicate, and `traceparent` carries the trace from the producer to each consumer.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from opentelemetry import context as otel_context
from opentelemetry.propagate import extract, inject

from nowrongdoor.contracts.events import Event
from nowrongdoor.contracts.streams import EVENTS_BY_TYPE

SPECVERSION = "1.0"


class UndecodableEvent(ValueError):
    """A message on the bus that is not a CloudEvent this platform knows."""


@dataclass(frozen=True)
class Envelope:
    """One CloudEvent: its attributes and its JSON payload, as sent on the wire."""

    id: str
    source: str
    type: str
    subject: str
    time: datetime
    data: bytes
    traceparent: str | None = None
    tracestate: str | None = None

    @classmethod
    def wrap(cls, event: Event, *, source: str, subject: str) -> Envelope:
        carrier: dict[str, str] = {}
        inject(carrier)
        return cls(
            id=str(uuid.uuid4()),
            source=source,
            type=event.type,
            subject=subject,
            time=datetime.now(UTC),
            data=event.model_dump_json().encode(),
            traceparent=carrier.get("traceparent"),
            tracestate=carrier.get("tracestate"),
        )

    def headers(self) -> dict[str, str]:
        headers = {
            "ce-specversion": SPECVERSION,
            "ce-id": self.id,
            "ce-source": self.source,
            "ce-type": self.type,
            "ce-time": self.time.isoformat(),
            "ce-subject": self.subject,
            "content-type": "application/json",
            "Nats-Msg-Id": self.id,
        }
        if self.traceparent:
            headers["traceparent"] = self.traceparent
        if self.tracestate:
            headers["tracestate"] = self.tracestate
        return headers

    @classmethod
    def from_wire(cls, headers: Mapping[str, str] | None, data: bytes) -> Envelope:
        headers = headers or {}
        missing = [
            name
            for name in ("ce-specversion", "ce-id", "ce-source", "ce-type", "ce-time")
            if name not in headers
        ]
        if missing:
            raise UndecodableEvent(f"missing CloudEvents headers: {', '.join(missing)}")
        if headers["ce-specversion"] != SPECVERSION:
            raise UndecodableEvent(f"unsupported specversion {headers['ce-specversion']}")
        try:
            time = datetime.fromisoformat(headers["ce-time"])
        except ValueError as error:
            raise UndecodableEvent("ce-time is not an RFC 3339 timestamp") from error
        return cls(
            id=headers["ce-id"],
            source=headers["ce-source"],
            type=headers["ce-type"],
            subject=headers.get("ce-subject", ""),
            time=time,
            data=data,
            traceparent=headers.get("traceparent"),
            tracestate=headers.get("tracestate"),
        )

    def event(self) -> Event:
        cls = EVENTS_BY_TYPE.get(self.type)
        if cls is None:
            raise UndecodableEvent(f"unknown event type {self.type}")
        try:
            return cls.model_validate_json(self.data)
        except ValueError as error:
            raise UndecodableEvent(f"payload does not match {self.type}") from error

    def trace_context(self) -> otel_context.Context:
        carrier = {"traceparent": self.traceparent or "", "tracestate": self.tracestate or ""}
        return extract(carrier)
