"""JSON logs that carry the trace id, traces that follow a complaint across HTTP and NATS.

Neither ever holds a network address, a user agent or personal data: the request middleware
records the method, the route template and the status, nothing about who asked.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("nowrongdoor.access")
tracer = trace.get_tracer("nowrongdoor.http")


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
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
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


def configure_tracing(
    service: str, otlp_endpoint: str | None, exporter: SpanExporter | None = None
) -> None:
    """Install a tracer provider once per process; export only where an endpoint is given."""
    global _configured
    if _configured:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if exporter is None and otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=otlp_endpoint.rstrip("/") + "/v1/traces")
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _configured = True


def inject_trace_headers(headers: dict[str, str]) -> dict[str, str]:
    inject(headers)
    return headers


class RequestTelemetry:
    """ASGI middleware: one server span and one access-log line per request, with no client data."""

    def __init__(self, app: ASGIApp, quiet_paths: tuple[str, ...] = ("/healthz", "/readyz")):
        self.app = app
        self.quiet_paths = quiet_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {
            key.decode("latin-1"): value.decode("latin-1")
            for key, value in scope.get("headers", [])
            if key in (b"traceparent", b"tracestate")
        }
        method = scope["method"]
        status = {"code": 500}
        started = time.perf_counter()

        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        with tracer.start_as_current_span(
            f"{method} request", context=extract(carrier), kind=trace.SpanKind.SERVER
        ) as span:
            try:
                await self.app(scope, receive, send_and_record)
            finally:
                route = _route_template(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.request.method", method)
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status["code"])
                if scope["path"] not in self.quiet_paths:
                    access_log.info(
                        "request",
                        extra={
                            "method": method,
                            "route": route,
                            "status": status["code"],
                            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        },
                    )


ROUTE_TEMPLATE = "nowrongdoor.route"
"""Scope key where a middleware that matched the route early leaves its template."""


def _route_template(scope: dict[str, Any] | Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None) or scope.get(ROUTE_TEMPLATE)
    return str(path) if path else "unmatched"
