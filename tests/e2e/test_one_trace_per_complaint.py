"""One complaint is one trace: gateway, intake, routing, case tracking and notifications.

The platform exports to an OTLP receiver through the standard `OTEL_EXPORTER_OTLP_*`
variables. Each hop over the bus is a producer span and, below it, the consumer's span, linked
to its producer, so the trace reads in the order the complaint travelled.
"""

from __future__ import annotations

import secrets

import httpx

from nowrongdoor.testing.apps import eventually

from .conftest import ExportedSpan, TraceCollector
from .test_complaint_to_case import complaint, file, follow_until


def ancestors(span: ExportedSpan, by_id: dict[str, ExportedSpan]) -> list[ExportedSpan]:
    chain = []
    while span.parent_id in by_id:
        span = by_id[span.parent_id]
        chain.append(span)
    return chain


def one_trace(spans: list[ExportedSpan], trace_id: str) -> dict[str, ExportedSpan]:
    return {span.span_id: span for span in spans if span.trace_id == trace_id}


async def test_a_complaint_is_one_trace_across_the_five_services_in_the_order_it_travelled(
    gateway: httpx.AsyncClient, trace_collector: TraceCollector
) -> None:
    since = len(trace_collector.exports)
    tag = secrets.token_hex(5)
    identity = {"name": f"Tracename{tag}", "email": f"trace.{tag}@example.org"}
    accepted = await file(
        gateway,
        complaint(
            complainant={"role": "citizen", "anonymous": False, **identity},
            description=f"Tracetext{tag}: the commune has not answered my letters for a year.",
        ),
    )
    await follow_until(gateway, accepted, "routed")

    async def whole_trace() -> dict[str, ExportedSpan] | None:
        spans = trace_collector.spans(since)
        door = [s for s in spans if s.service == "gateway" and s.name == "POST /v1/complaints"]
        if not door:
            return None
        trace = one_trace(spans, door[0].trace_id)
        # Complete once notifications heard of what case tracking did with the routed complaint.
        opened = {s.span_id for s in trace.values() if s.name == "process complaint.routed"}
        told = [
            s
            for s in trace.values()
            if s.service == "notifications"
            and s.kind == "SPAN_KIND_CONSUMER"
            and opened & {a.span_id for a in ancestors(s, trace)}
        ]
        return trace if told else None

    trace = await eventually(whole_trace, timeout=90, interval=0.5)
    by_service: dict[str, list[ExportedSpan]] = {}
    for span in trace.values():
        by_service.setdefault(span.service, []).append(span)

    [door] = [s for s in by_service["gateway"] if s.name == "POST /v1/complaints"]
    assert door.kind == "SPAN_KIND_SERVER"
    assert door.parent_id not in trace, "the gateway's request starts the trace"
    assert door.attributes["http.route"] == "/v1/complaints"

    def received_below(service: str, subject: str, upstream: str) -> ExportedSpan:
        """The consumer span of `subject` in `service`, whose ancestors include `upstream`."""
        [consumer] = [
            s
            for s in by_service[service]
            if s.kind == "SPAN_KIND_CONSUMER" and s.name == f"process {subject}"
        ]
        producer = trace[consumer.parent_id]
        assert producer.kind == "SPAN_KIND_PRODUCER"
        assert producer.name == f"send {subject}"
        assert producer.attributes["messaging.operation.type"] == "send"
        assert consumer.attributes["messaging.operation.type"] == "process"
        assert consumer.attributes["messaging.system"] == "nats"
        assert consumer.attributes["messaging.destination.name"].endswith(subject)
        assert consumer.links == (producer.span_id,), "the consumer is linked to its producer"
        assert upstream in {span.service for span in ancestors(consumer, trace)}
        return consumer

    intake = [s for s in by_service["intake"] if s.kind == "SPAN_KIND_SERVER"]
    assert intake and all(door in ancestors(span, trace) for span in intake)
    routing = received_below("routing", "complaint.received", "intake")
    case_tracking = received_below("case-tracking", "complaint.routed", "routing")
    assert routing in ancestors(case_tracking, trace)
    told = [
        s
        for s in by_service["notifications"]
        if s.kind == "SPAN_KIND_CONSUMER" and case_tracking in ancestors(s, trace)
    ]
    assert told, "notifications heard of the case below case tracking's span"
    # Database work is traced by the SQLAlchemy instrumentation, below the span it served.
    queries = [s for s in trace.values() if s.attributes.get("db.system.name")]
    assert queries and all(s.kind == "SPAN_KIND_CLIENT" for s in queries)

    everything = "\n".join(span.raw for span in trace_collector.spans(since))
    for planted in (*identity.values(), f"Tracetext{tag}", accepted["reference"]):
        assert planted not in everything
