"""Traces follow the standard OpenTelemetry variables, and only harmless attributes leave.

Each export check runs a small program in its own process, since a tracer provider is set once
per process, and receives what it exports on an OTLP/HTTP endpoint here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from nowrongdoor.telemetry import OutgoingOnly, RedactingExporter, WithoutLoneClientSpans

PROGRAM = textwrap.dedent(
    """
    from opentelemetry import trace
    from nowrongdoor.telemetry import configure_tracing

    configure_tracing("intake")
    with trace.get_tracer("check").start_as_current_span("filed"):
        pass
    provider = trace.get_tracer_provider()
    if hasattr(provider, "force_flush"):  # none is installed when the SDK is disabled
        provider.force_flush()
    """
)


class Receiver(NamedTuple):
    """An OTLP/HTTP endpoint, and the export requests it received."""

    url: str
    received: list[ExportTraceServiceRequest]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    received: list[ExportTraceServiceRequest] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = ExportTraceServiceRequest()
            request.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
            received.append(request)
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Receiver(f"http://127.0.0.1:{server.server_address[1]}", received)
    server.shutdown()


def run(env: dict[str, str]) -> None:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    subprocess.run([sys.executable, "-c", PROGRAM], env=inherited | env, check=True, timeout=60)


def resource_of(request: ExportTraceServiceRequest) -> dict[str, str]:
    [resource_spans] = request.resource_spans
    return {a.key: a.value.string_value for a in resource_spans.resource.attributes}


def test_the_standard_variables_name_the_service_and_choose_the_endpoint(
    receiver: Receiver,
) -> None:
    run(
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_SERVICE_NAME": "intake-eu-west",
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=staging",
        }
    )

    [export] = receiver.received
    resource = resource_of(export)
    assert resource["service.name"] == "intake-eu-west"
    assert resource["deployment.environment.name"] == "staging"
    assert [s.name for s in export.resource_spans[0].scope_spans[0].spans] == ["filed"]


def test_without_a_service_name_each_process_is_named_after_its_service(
    receiver: Receiver,
) -> None:
    run({"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})

    [export] = receiver.received
    assert resource_of(export)["service.name"] == "intake"


@pytest.mark.parametrize(
    "switch",
    [
        {"OTEL_TRACES_SAMPLER": "always_off"},
        {"OTEL_SDK_DISABLED": "true"},
        {"OTEL_TRACES_EXPORTER": "none"},
    ],
)
def test_a_sampler_set_to_off_or_a_disabled_sdk_exports_nothing(
    receiver: Receiver, switch: dict[str, str]
) -> None:
    run({"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, **switch})

    assert receiver.received == []


def unexported(program: str, message: str, *args: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """What `program` printed, run with no exporter set, and the one log line saying `message`."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    done = subprocess.run(
        [sys.executable, "-c", program, *args],
        env=inherited,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    [line] = [json.loads(line) for line in done.stderr.splitlines() if message in line]
    return json.loads(done.stdout), line


UNEXPORTED = textwrap.dedent(
    """
    import json, logging
    from opentelemetry import propagate, trace
    from nowrongdoor.telemetry import configure_logging, configure_tracing

    configure_logging("intake")
    configure_tracing("intake")
    tracer = trace.get_tracer("check")
    with tracer.start_as_current_span("filed") as outer:
        with tracer.start_as_current_span("stored") as inner:
            logging.getLogger("check").info("complaint stored")
            carrier = {}
            propagate.inject(carrier)
    print(json.dumps({
        "recording": [outer.is_recording(), inner.is_recording()],
        "traces": [format(span.get_span_context().trace_id, "032x") for span in (outer, inner)],
        "traceparent": carrier.get("traceparent", ""),
    }))
    """
)


def test_where_nothing_is_exported_spans_are_not_recorded_yet_logs_and_calls_share_a_trace_id() -> (
    None
):
    seen, logged = unexported(UNEXPORTED, "complaint stored")

    assert seen["recording"] == [False, False]
    outer, inner = seen["traces"]
    assert outer == inner != "0" * 32
    assert seen["traceparent"].split("-")[1] == outer
    assert logged["trace_id"] == outer


REQUESTS = textwrap.dedent(
    """
    import asyncio, json, logging, sys
    import httpx
    from fastapi import FastAPI
    from opentelemetry import propagate, trace
    from nowrongdoor.telemetry import configure_logging, configure_tracing, instrument_app

    configure_logging("case-tracking")
    configure_tracing("case-tracking", trust_incoming=sys.argv[1] == "trusted")
    app = FastAPI()

    @app.get("/cases/{reference}")
    async def read(reference: str) -> dict[str, str]:
        logging.getLogger("check").info("case read")
        onward: dict[str, str] = {}
        propagate.inject(onward)
        context = trace.get_current_span().get_span_context()
        return {"trace": format(context.trace_id, "032x"), "onward": onward["traceparent"]}

    instrument_app(app)

    async def main() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            answer = await client.get(
                "/cases/NWD-1", headers={"traceparent": sys.argv[2]}
            )
        print(json.dumps(answer.json()))

    asyncio.run(main())
    """
)
CALLER_TRACE = "ab" * 16


@pytest.mark.parametrize(("believed", "continued"), [("trusted", True), ("door", False)])
def test_where_nothing_is_exported_a_request_s_logs_and_calls_share_its_trace_id(
    believed: str, continued: bool
) -> None:
    caller = f"00-{CALLER_TRACE}-{'cd' * 8}-01"
    seen, logged = unexported(REQUESTS, "case read", believed, caller)

    assert (seen["trace"] == CALLER_TRACE) is continued
    assert seen["trace"] != "0" * 32
    _version, trace_id, span_id, flags = seen["onward"].split("-")
    assert trace_id == seen["trace"]
    # The request's own span, below the caller's; nothing recorded, so nothing sampled onward.
    assert span_id not in ("cd" * 8, "0" * 16)
    assert flags == "00"
    assert logged["trace_id"] == seen["trace"]


def test_an_unsupported_protocol_exports_nothing_and_says_so(
    receiver: Receiver,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import logging; logging.basicConfig()\n" + PROGRAM],
        env={k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
        | {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert receiver.received == []
    assert "only OTLP over http/protobuf is supported" in done.stderr


def test_only_harmless_attributes_leave_the_process() -> None:
    kept = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(RedactingExporter(kept)))
    tracer = provider.get_tracer("check")
    with tracer.start_as_current_span(
        "GET /v1/cases/{reference}",
        kind=SpanKind.SERVER,
        attributes={
            "http.request.method": "GET",
            "http.route": "/v1/cases/{reference}",
            "url.path": "/v1/cases/NWD-7K3M9QPX2T4V",
            "client.address": "203.0.113.7",
            "user_agent.original": "Mozilla/5.0",
        },
    ) as span:
        span.record_exception(ValueError("Omar Tracez9 <omar@example.org> is not valid"))
        span.set_status(Status(StatusCode.ERROR, "omar@example.org"))
    with tracer.start_as_current_span(
        "HSET",
        kind=SpanKind.CLIENT,
        attributes={"db.system.name": "redis", "db.query.text": "HSET key omar@example.org"},
    ):
        pass

    server, redis = kept.get_finished_spans()
    assert dict(server.attributes or {}) == {
        "http.request.method": "GET",
        "http.route": "/v1/cases/{reference}",
    }
    [event] = server.events
    assert dict(event.attributes or {}) == {"exception.type": "ValueError"}
    assert server.status.status_code == StatusCode.ERROR and not server.status.description
    assert dict(redis.attributes or {}) == {"db.system.name": "redis"}


def test_client_spans_that_start_a_trace_are_not_sampled_and_others_are() -> None:
    kept = InMemorySpanExporter()
    provider = TracerProvider(sampler=WithoutLoneClientSpans(ALWAYS_ON))
    provider.add_span_processor(SimpleSpanProcessor(kept))
    tracer = provider.get_tracer("check")
    with tracer.start_as_current_span("SELECT outbox", kind=SpanKind.CLIENT):
        pass
    with (
        tracer.start_as_current_span("process complaint.received", kind=SpanKind.CONSUMER),
        tracer.start_as_current_span("SELECT inbox", kind=SpanKind.CLIENT),
    ):
        pass

    assert [span.name for span in kept.get_finished_spans()] == [
        "SELECT inbox",
        "process complaint.received",
    ]


def test_a_public_door_takes_no_trace_from_a_caller_and_passes_its_own_on() -> None:
    door = OutgoingOnly(TraceContextTextMapPropagator())
    # A caller asking that nothing of its request be sampled.
    unsampled = {"traceparent": f"00-{'ab' * 16}-{'cd' * 8}-00"}

    taken = door.extract(unsampled)

    assert not trace.get_current_span(taken).get_span_context().is_valid
    tracer = TracerProvider().get_tracer("check")
    with tracer.start_as_current_span("POST /v1/complaints", context=taken) as span:
        outgoing: dict[str, str] = {}
        door.inject(outgoing)
    assert span.get_span_context().trace_flags.sampled
    assert outgoing["traceparent"].split("-")[1] == format(span.get_span_context().trace_id, "032x")
