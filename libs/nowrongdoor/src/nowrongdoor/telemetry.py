"""JSON logs that carry the trace id, traces that follow a complaint across HTTP and NATS.

Neither ever holds a network address, a user agent or personal data: the request middleware
(`nowrongdoor.access`) records the method, the route template and the status, nothing about
who asked, and the exporter lets only a short list of span attributes leave the process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.asgi import asgi_getter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.propagators.textmap import (
    CarrierT,
    Getter,
    Setter,
    TextMapPropagator,
    default_getter,
    default_setter,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider, sampling
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import Status
from opentelemetry.util.types import Attributes
from pythonjsonlogger.orjson import OrjsonFormatter
from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)
_server_tracer = trace.get_tracer("nowrongdoor.http")

# What every service's FastAPI app is given as `telemetry`: FastAPI's own spans, metrics and
# logs stay off. The server spans are `instrument_app`'s, the request metrics and the access
# log `access.RequestTelemetry`'s; FastAPI's would add a second span and a span per operation to
# every request, exported or not.
FASTAPI_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


class _TraceIds(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.service = self.service
        if context.is_valid:
            record.trace_id = format(context.trace_id, "032x")
            record.span_id = format(context.span_id, "016x")
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    """One JSON object a line on stderr, for every logger of the process.

    A service writes a line for every request, so each line's cost counts: orjson writes it, and
    the records skip what no line shows (where the call was made, the thread, the process), as
    the logging module's documentation suggests for speed."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        OrjsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
        )
    )
    handler.addFilter(_TraceIds(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Uvicorn's own access log prints client addresses; ours does not.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("uvicorn.error").propagate = True
    logging.getLogger("uvicorn.error").handlers[:] = []
    logging.getLogger("httpx").setLevel(logging.WARNING)


_configured = False
_exporting = False
_recording_nothing = False
"""Whether the SDK's tracer records no span at all (nothing is exported), so that a request's
span can be made as it would make it (`unrecorded_span`)."""
_ids = RandomIdGenerator()

EXPORTED_ATTRIBUTES = frozenset(
    {
        "http.request.method",
        "http.route",
        "http.response.status_code",
        "messaging.system",
        "messaging.destination.name",
        "messaging.operation.type",
        "messaging.operation.name",
        "messaging.message.id",
        "messaging.consumer.group.name",
        "db.system",
        "db.system.name",
        "db.name",
        "db.namespace",
        "db.operation.name",
        "db.statement",
        "db.query.text",
        "server.address",
        "server.port",
        "error.type",
    }
)
"""The span attributes that leave the process; everything else stays behind.

Instrumentation records more than a complaint should ever reveal — full URLs holding a case
reference, the client's address, its user agent, Redis arguments — so the exporter keeps this
list and nothing else. SQL statements keep their placeholders, never the values bound to them.
"""
_REDIS_STATEMENTS = ("db.statement", "db.query.text")


class RedactingExporter(SpanExporter):
    """Exports each span with only the attributes in `EXPORTED_ATTRIBUTES`.

    Exception events keep their type and lose their message and stack trace, and a span's
    status keeps its code and loses its description: either may quote what a person wrote.
    """

    def __init__(self, exporter: SpanExporter) -> None:
        self.exporter = exporter

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.exporter.export([redacted(span) for span in spans])

    def shutdown(self) -> None:
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self.exporter.force_flush(timeout_millis)


def redacted(span: ReadableSpan) -> ReadableSpan:
    attributes = dict(span.attributes or {})
    kept = {key: value for key, value in attributes.items() if key in EXPORTED_ATTRIBUTES}
    if attributes.get("db.system") == "redis" or attributes.get("db.system.name") == "redis":
        for key in _REDIS_STATEMENTS:
            kept.pop(key, None)
    events = [
        Event(
            event.name,
            {k: v for k, v in (event.attributes or {}).items() if k == "exception.type"},
            event.timestamp,
        )
        for event in span.events
    ]
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=kept,
        events=events,
        links=span.links,
        kind=span.kind,
        status=Status(span.status.status_code),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def configure_tracing(
    service: str, exporter: SpanExporter | None = None, *, trust_incoming: bool = True
) -> None:
    """Install a tracer provider and the instrumentation once per process.

    The standard OpenTelemetry variables decide the rest, read by the SDK itself:
    `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` (the service's own name otherwise),
    `OTEL_TRACES_SAMPLER`/`_ARG`, `OTEL_BSP_*`, `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`,
    `_HEADERS`, `_TIMEOUT`, `_COMPRESSION`, `_CERTIFICATE` and `OTEL_EXPORTER_OTLP_PROTOCOL`.
    Spans are exported only where an endpoint is set (or an exporter handed in), and
    `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turns exporting off. Database,
    Redis and outgoing HTTP calls are traced only where spans are exported: nobody would see
    them otherwise.

    A public door passes `trust_incoming=False`: it starts a trace of its own for each request
    rather than continue one a caller names, since a caller's `traceparent` could switch
    sampling off for what it sends, or on for as many requests as it likes.
    """
    global _configured
    if _configured:
        return
    _configured = True
    if _env_flag("OTEL_SDK_DISABLED"):
        return
    resource = Resource.create()
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": service}))
    # The stable HTTP and database attribute names (`http.request.method`, `db.system.name`),
    # unless the operator chose otherwise; the instrumentations read this once, below.
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http,database")
    if not trust_incoming:
        propagate.set_global_textmap(OutgoingOnly(propagate.get_global_textmap()))
    exporter = exporter or _exporter_from_environment()
    # Where nothing is exported, no span is recorded: each still has its trace id, which the
    # log lines print and the calls and events carry on (`ServiceClient`, the bus), so every
    # log line of one complaint shares one trace id at a fraction of a recorded span's cost.
    sampler = (
        WithoutLoneClientSpans(sampling._get_from_env_or_default())
        if exporter is not None
        else sampling.ALWAYS_OFF
    )
    provider = TracerProvider(resource=resource, sampler=sampler)
    trace.set_tracer_provider(provider)
    # Client spans (a tenth of the gateway's time on a read) only where they are exported.
    if exporter is None:
        global _recording_nothing
        _recording_nothing = True
        return
    global _exporting
    _exporting = True
    # Imported only here: the Redis instrumentation imports the Redis client, some 20 MB of
    # memory, into services that never speak to Redis.
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    HTTPXClientInstrumentor().instrument()
    provider.add_span_processor(BatchSpanProcessor(RedactingExporter(exporter)))
    RedisInstrumentor().instrument()
    # SQLAlchemy 2.1 works with the instrumentation, whose declared range ends below it.
    SQLAlchemyInstrumentor().instrument(skip_dep_check=True)


def spans_exported() -> bool:
    """Whether this process exports its spans, and so traces its database, Redis and HTTP
    calls."""
    return _exporting


def trace_calls_through(client: httpx.AsyncClient) -> None:
    """Client spans for `client`'s calls, where spans are exported, whatever its transport.

    The httpx instrumentation wraps httpx's own transport class, so a client with a transport
    of its own (the gateway's `PooledTransport`) is instrumented one by one.
    """
    if not _exporting:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client)


class OutgoingOnly(TextMapPropagator):
    """Puts the trace into the calls this process makes; takes none from what it receives."""

    def __init__(self, propagator: TextMapPropagator) -> None:
        self.propagator = propagator

    def extract(
        self,
        carrier: CarrierT,
        context: otel_context.Context | None = None,
        getter: Getter[CarrierT] = default_getter,
    ) -> otel_context.Context:
        return context if context is not None else otel_context.Context()

    def inject(
        self,
        carrier: CarrierT,
        context: otel_context.Context | None = None,
        setter: Setter[CarrierT] = default_setter,
    ) -> None:
        self.propagator.inject(carrier, context, setter)

    @property
    def fields(self) -> set[str]:
        return self.propagator.fields


class WithoutLoneClientSpans(sampling.Sampler):
    """The sampler `OTEL_TRACES_SAMPLER` names, except for client spans that start a trace.

    Those are the pollers' queries — the outbox relay, the senders, the deadline sweeps —
    several a second per service, answering no one; a query made for a request or an event
    has that span as its parent and is sampled as the variable says.
    """

    def __init__(self, delegate: sampling.Sampler) -> None:
        self.delegate = delegate

    def should_sample(
        self,
        parent_context: otel_context.Context | None,
        trace_id: int,
        name: str,
        kind: trace.SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[trace.Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> sampling.SamplingResult:
        parent = trace.get_current_span(parent_context).get_span_context()
        if kind == trace.SpanKind.CLIENT and not parent.is_valid:
            return sampling.SamplingResult(sampling.Decision.DROP)
        return self.delegate.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"WithoutLoneClientSpans{{{self.delegate.get_description()}}}"


def instrument_app(app: FastAPI) -> None:
    """Where spans are exported, server spans named by route template; probes and scrapes
    make none. Elsewhere each request only runs in a span that is never recorded
    (`RequestTraceIds`): finding the route and gathering attributes for a span that nobody
    reads would cost every request."""
    if _exporting:
        FastAPIInstrumentor.instrument_app(
            app, excluded_urls="/healthz,/readyz,/metrics", exclude_spans=["receive", "send"]
        )
    else:
        app.add_middleware(RequestTraceIds)


class RequestTraceIds:
    """ASGI middleware where nothing is exported: each request runs in a span that is never
    recorded, below the caller's trace where the process believes it, so the request's log
    lines and the calls and events it makes share one trace id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        parent = propagate.extract(cast("dict[str, Any]", scope), getter=asgi_getter)
        with current_span(_server_tracer, "HTTP", context=parent, kind=trace.SpanKind.SERVER):
            await self.app(scope, receive, send)


@contextlib.contextmanager
def current_span(
    tracer: trace.Tracer,
    name: str,
    *,
    kind: trace.SpanKind,
    context: otel_context.Context | None = None,
    attributes: Callable[[], Attributes] = lambda: None,
    links: Callable[[], Sequence[trace.Link]] = lambda: (),
) -> Iterator[None]:
    """`tracer`'s span, below `context` (the current one by default), as the current span.

    Where nothing is recorded, the span the tracer would start (`unrecorded_span`), made
    directly: its attributes and links, which nobody would see, are never gathered.
    """
    if not _recording_nothing:
        with tracer.start_as_current_span(
            name, context=context, kind=kind, attributes=attributes(), links=links()
        ):
            yield
        return
    parent = context if context is not None else otel_context.get_current()
    # Set in the current context, as the tracer's `use_span` sets it, not in `parent`.
    token = otel_context.attach(trace.set_span_in_context(unrecorded_span(parent)))
    try:
        yield
    finally:
        otel_context.detach(token)


def unrecorded_span(parent: otel_context.Context) -> trace.NonRecordingSpan:
    """The span the SDK's tracer starts below `parent` when its sampler records nothing, as it
    does where nothing is exported: the parent's trace (a new one without a parent), a span id
    of its own, not sampled. Made directly, it costs a fifth of the tracer's way."""
    above = trace.get_current_span(parent).get_span_context()
    if above.is_valid:
        trace_id, state = above.trace_id, above.trace_state
    else:
        trace_id, state = _ids.generate_trace_id(), None
    return trace.NonRecordingSpan(
        trace.SpanContext(
            trace_id,
            _ids.generate_span_id(),
            is_remote=False,
            trace_flags=trace.TraceFlags(trace.TraceFlags.DEFAULT),
            trace_state=state,
        )
    )


def _exporter_from_environment() -> SpanExporter | None:
    if os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return None
    if not (
        os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    ):
        return None
    protocol = (
        os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    ).strip()
    if protocol != "http/protobuf":
        log.error(
            "traces are not exported: only OTLP over http/protobuf is supported",
            extra={"protocol": protocol},
        )
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    # Reads the endpoint (appending /v1/traces to the general one), headers, timeout,
    # compression and certificate from the standard variables.
    return OTLPSpanExporter()


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() == "true"
