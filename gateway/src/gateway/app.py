from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from redis.asyncio import Redis
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api import router
from gateway.clients import Upstreams
from gateway.idempotency import IdempotencyStore
from gateway.settings import GatewaySettings
from nowrongdoor.health import health_router
from nowrongdoor.problems import install_problem_handlers
from nowrongdoor.telemetry import RequestTelemetry, configure_logging, configure_tracing

SECURITY_HEADERS = [
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]


class SecurityHeaders:
    """Headers every public answer carries; pages that need more set their own policy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                is_docs = scope["path"] in ("/docs", "/redoc")
                for name, value in SECURITY_HEADERS:
                    if name not in present and not (is_docs and name == b"content-security-policy"):
                        headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    settings: GatewaySettings | None = None,
    upstream_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build the gateway; tests may hand in a transport that stands in for the services."""
    settings = settings or GatewaySettings()
    configure_logging("gateway", settings.log_level)
    configure_tracing("gateway", settings.otlp_endpoint)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = Redis.from_url(settings.redis_url)
        async with httpx.AsyncClient(
            timeout=settings.upstream_timeout_seconds, transport=upstream_transport
        ) as http:
            app.state.redis = redis
            app.state.upstreams = Upstreams(
                http,
                signing_key=settings.signing_key(),
                token_ttl_seconds=settings.internal_token_ttl_seconds,
                intake=settings.intake_url,
                routing=settings.routing_url,
                cases=settings.case_tracking_url,
            )
            app.state.idempotency = IdempotencyStore(
                redis,
                prefix=settings.redis_prefix,
                secret=settings.resolved_secret_key(),
                ttl_seconds=settings.idempotency_ttl_seconds,
            )
            try:
                yield
            finally:
                await redis.aclose()

    app = FastAPI(
        title="No Wrong Door API",
        version="1.0.0",
        summary="File a complaint at any door; follow it to the institution that is competent.",
        lifespan=lifespan,
    )

    async def redis_answers() -> None:
        await app.state.redis.ping()

    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestTelemetry)
    install_problem_handlers(app)
    app.include_router(health_router(lambda: {"redis": redis_answers}))
    app.include_router(router)
    return app
