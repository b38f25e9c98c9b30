"""What every request passes through before a route: authentication, limits, idempotency, size.

`install` adds them in their one right order. Starlette runs the middleware added last first, so
they are added from the innermost out:

    telemetry → security headers → error pages → Open311 door (its `api_key` in, its error
    format out) → edge context (route and caller, once) →
    rate limits → body size → idempotency → anonymous submission limit → a case read the
    tracking cache holds, answered there (`gateway.api.cases.cached_reads`, added by the app
    before the edge) → the route
"""

from __future__ import annotations

from fastapi import FastAPI

from gateway.edge.authentication import EdgeContext
from gateway.edge.headers import SecurityHeaders
from gateway.edge.idempotency import IdempotentRequests
from gateway.edge.limits import Limits
from gateway.open311.door import Open311Door
from gateway.pages.errors import PageErrors
from nowrongdoor.access import RequestTelemetry


def install(app: FastAPI, limits: Limits) -> None:
    """Put the edge in front of the gateway's routes."""
    # Innermost the complaint counter, which a retry answered again never reaches; then the
    # idempotency store; outside them the body size and rate limits, which every request meets,
    # and outside those the one pass that says who is calling and where.
    limits.install_submission_limit(app)
    app.add_middleware(IdempotentRequests, gateway=app)
    limits.install(app)
    app.add_middleware(EdgeContext, gateway=app)
    app.add_middleware(Open311Door, gateway=app)
    # Pages show the edge's refusals (413, 429) as pages; the API keeps its problem documents.
    app.add_middleware(PageErrors)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestTelemetry)
