from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from redis.asyncio import Redis
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api import router
from gateway.cases import router as cases_router
from gateway.clients import Upstreams
from gateway.database import client_database
from gateway.directory import router as directory_router
from gateway.idempotency import IdempotencyStore, IdempotentRequests, document_idempotency
from gateway.limits import Limits
from gateway.oauth import TokenIssuer
from gateway.oauth import router as oauth_router
from gateway.privacy import router as privacy_router
from gateway.security import ClientStatusCache, api_verification_keys
from gateway.settings import GatewaySettings
from nowrongdoor import db
from nowrongdoor.health import health_router
from nowrongdoor.problems import install_problem_handlers
from nowrongdoor.telemetry import RequestTelemetry, configure_logging, configure_tracing

PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
# Answers any operation can give, whatever it does: documented once for all of them.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "The request could not be read", "content": PROBLEM_CONTENT},
    413: {"description": "The request body is too large", "content": PROBLEM_CONTENT},
    429: {"description": "Too many requests; see Retry-After", "content": PROBLEM_CONTENT},
    500: {"description": "Unexpected error; nothing was lost", "content": PROBLEM_CONTENT},
}

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
    limits: Limits | None = None,
) -> FastAPI:
    """Build the gateway; tests may hand in a transport that stands in for the services."""
    settings = settings or GatewaySettings()
    limits = limits or Limits()
    configure_logging("gateway", settings.log_level)
    configure_tracing("gateway", settings.otlp_endpoint)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = Redis.from_url(settings.redis_url)
        async with (
            httpx.AsyncClient(
                timeout=settings.upstream_timeout_seconds, transport=upstream_transport
            ) as http,
            client_database(
                settings.resolved_database_url(), migrate=settings.migrate_on_start
            ) as engine,
        ):
            app.state.redis = redis
            app.state.engine = engine
            app.state.sessions = db.session_maker(engine)
            app.state.client_status = ClientStatusCache(
                app.state.sessions, ttl_seconds=settings.client_status_cache_seconds
            )
            app.state.api_token_keys = api_verification_keys(settings)
            app.state.token_issuer = TokenIssuer(
                settings.signing_key(), settings.access_token_ttl_seconds
            )
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
            app.state.rate_limiter = limits.rate_limiter(redis, settings)
            app.state.receipt_guard = limits.receipt_guard(redis, settings)
            try:
                yield
            finally:
                await redis.aclose()

    app = FastAPI(
        title="No Wrong Door API",
        version="1.0.0",
        summary="File a complaint at any door; follow it to the institution that is competent.",
        lifespan=lifespan,
        responses=COMMON_RESPONSES,
    )

    async def redis_answers() -> None:
        await app.state.redis.ping()

    async def database_answers() -> None:
        await db.ping(app.state.engine)

    # Innermost the complaint counter, which a retry answered again never reaches; then the
    # idempotency store; outside them the body size and rate limits, which every request meets.
    limits.install_submission_limit(app)
    app.add_middleware(IdempotentRequests, gateway=app)
    limits.install(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestTelemetry)
    install_problem_handlers(app)
    document_idempotency(app, settings.idempotency_ttl_seconds)
    app.include_router(
        health_router(lambda: {"redis": redis_answers, "database": database_answers})
    )
    app.include_router(oauth_router)
    app.include_router(router)
    app.include_router(cases_router)
    app.include_router(directory_router)
    app.include_router(privacy_router)
    return app
