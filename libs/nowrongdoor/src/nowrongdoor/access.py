"""Each request's access-log line and metrics, with no client data: the method, the route's
template, the status and the time taken."""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nowrongdoor.metrics import HTTP_DURATION, HTTP_REQUESTS

access_log = logging.getLogger("nowrongdoor.access")


class RequestTelemetry:
    """ASGI middleware: one access-log line and the request metrics, with no client data.

    The server span comes from the FastAPI instrumentation, outside this middleware, so the
    log line carries its trace id.
    """

    def __init__(
        self, app: ASGIApp, quiet_paths: tuple[str, ...] = ("/healthz", "/readyz", "/metrics")
    ):
        self.app = app
        self.quiet_paths = quiet_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        answered = AnsweredStatus(send)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, answered)
        finally:
            if scope["path"] not in self.quiet_paths:
                route = _route_template(scope)
                elapsed = time.perf_counter() - started
                requests, durations = _request_series(method, route, answered.code)
                requests.inc()
                durations.observe(elapsed)
                access_log.info(
                    "request",
                    extra={
                        "method": method,
                        "route": route,
                        "status": answered.code,
                        "duration_ms": round(elapsed * 1000, 1),
                    },
                )


class AnsweredStatus:
    """An ASGI `send` that passes each message on and notes the status the response starts
    with; 500 until one is sent, as when the application raised before answering."""

    def __init__(self, send: Send) -> None:
        self.code = 500
        self._send = send

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.code = message["status"]
        await self._send(message)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@functools.cache
def _request_series(method: str, route: str, status: int) -> tuple[Counter, Histogram]:
    """The request metrics' series for one method, route and status, found once: labels come
    from closed sets, and finding a series by its labels costs a request two thirds of what
    counting it does."""
    return HTTP_REQUESTS.labels(method, route, str(status)), HTTP_DURATION.labels(method, route)


ROUTE_TEMPLATE = "nowrongdoor.route"
"""Scope key where a middleware that matched the route early leaves its template."""


def _route_template(scope: dict[str, Any] | Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None) or scope.get(ROUTE_TEMPLATE)
    return str(path) if path else "unmatched"
