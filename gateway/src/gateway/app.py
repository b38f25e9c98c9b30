"""The gateway's `create_app()`: the edge, the public routes, the resources its lifespan opens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from redis.asyncio import Redis

from gateway import edge, pages
from gateway.api import ROUTERS
from gateway.api.cases.cached_reads import CachedCaseReads, SessionComplainants
from gateway.api.oauth import TokenIssuer
from gateway.edge.authentication import ClientStatusCache, api_verification_keys
from gateway.edge.idempotency import IdempotencyStore, document_idempotency
from gateway.edge.limits import Limits
from gateway.open311 import document_errors as document_open311_errors
from gateway.open311 import router as open311_router
from gateway.open311.door import ApiKeys
from gateway.pages import media
from gateway.pages.drafts import Drafts
from gateway.pages.sessions import TrackingSessions
from gateway.settings import GatewaySettings
from gateway.tracking import CaseReads
from gateway.tracking.cache import TrackingCache
from gateway.tracking.invalidation import Invalidation
from gateway.upstreams import Upstreams
from nowrongdoor import db, schema
from nowrongdoor.contracts.cases import CasesClient
from nowrongdoor.contracts.transport import pooled_client
from nowrongdoor.health import health_router
from nowrongdoor.memory import share_one_heap, started_objects_set_aside
from nowrongdoor.metrics import MetricsEndpoint
from nowrongdoor.plugins import ServiceDeclaration
from nowrongdoor.problems import install_problem_handlers
from nowrongdoor.telemetry import (
    FASTAPI_TELEMETRY,
    configure_logging,
    configure_tracing,
    instrument_app,
)

MIGRATIONS_PACKAGE = "gateway.migrations"
PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
# Answers any operation can give, whatever it does: documented once for all of them.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "The request could not be read", "content": PROBLEM_CONTENT},
    413: {"description": "The request body is too large", "content": PROBLEM_CONTENT},
    429: {"description": "Too many requests; see Retry-After", "content": PROBLEM_CONTENT},
    500: {"description": "Unexpected error; nothing was lost", "content": PROBLEM_CONTENT},
}


def create_app(
    settings: GatewaySettings | None = None,
    upstreams: Upstreams | None = None,
    limits: Limits | None = None,
) -> FastAPI:
    """Build the gateway; tests may hand in upstreams that stand in for the services."""
    settings = settings or GatewaySettings()
    limits = limits or Limits()
    share_one_heap()
    configure_logging("gateway", settings.log_level)
    # The public door starts each request's trace; a caller's `traceparent` is not believed.
    configure_tracing("gateway", trust_incoming=False)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await schema.make_current(
            settings.resolved_database_url(),
            MIGRATIONS_PACKAGE,
            service="gateway",
            upgrade=settings.migrate_on_start,
            apart=settings.migrations_apart,
            log_level=settings.log_level,
        )
        redis = Redis.from_url(settings.redis_url)
        engine = db.create_engine(settings.resolved_database_url())
        invalidation = _tracking_cache(settings, redis)
        try:
            async with pooled_client(timeout_seconds=settings.upstream_timeout_seconds) as http:
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
                app.state.open311_keys = ApiKeys(
                    app.state.sessions,
                    app.state.token_issuer,
                    secret=settings.resolved_secret_key(),
                )
                app.state.open311_jurisdiction = settings.open311_jurisdiction
                app.state.open311_rate_limits = limits.settings.rate_limits
                app.state.upstreams = upstreams or Upstreams.over(http, settings)
                app.state.case_reads = CaseReads(
                    invalidation.cache if invalidation else None, invalidation
                )
                if invalidation is not None and isinstance(app.state.upstreams.cases, CasesClient):
                    # A change made through this gateway is seen by the next read at once.
                    app.state.upstreams.cases.on_change = invalidation.forget_now
                app.state.idempotency = IdempotencyStore(
                    redis,
                    prefix=settings.redis_prefix,
                    secret=settings.resolved_secret_key(),
                    ttl_seconds=settings.idempotency_ttl_seconds,
                )
                app.state.rate_limiter = limits.rate_limiter(redis, settings)
                app.state.receipt_guard = limits.receipt_guard(redis, settings)
                app.state.tracking_sessions = TrackingSessions(
                    redis,
                    prefix=f"{settings.redis_prefix}pages:",
                    idle_seconds=settings.tracking_session_minutes * 60,
                )
                app.state.session_complainants = SessionComplainants(
                    app.state.tracking_sessions, app.state.case_reads
                )
                app.state.drafts = Drafts(redis, prefix=f"{settings.redis_prefix}pages:")
                app.state.page_prefix = f"{settings.redis_prefix}pages:"
                app.state.page_form_secret = settings.page_form_secret()
                app.state.page_cookies_secure = settings.secure_cookies
                with started_objects_set_aside():
                    yield
        finally:
            if invalidation is not None:
                await invalidation.stop()
                await invalidation.cache.close()
            await redis.aclose()
            await engine.dispose()

    app = FastAPI(
        title="No Wrong Door API",
        version="1.0.0",
        summary="File a complaint at any door; follow it to the institution that is competent.",
        lifespan=lifespan,
        responses=COMMON_RESPONSES,
        telemetry=FASTAPI_TELEMETRY,
    )

    async def redis_answers() -> None:
        await app.state.redis.ping()

    async def database_answers() -> None:
        await db.ping(app.state.engine)

    # Innermost, once the edge has settled the caller: a cached case read is answered there.
    app.add_middleware(CachedCaseReads, gateway=app)
    edge.install(app, limits)
    instrument_app(app)
    install_problem_handlers(app)
    document_idempotency(app, settings.idempotency_ttl_seconds)
    app.include_router(
        health_router(lambda: {"redis": redis_answers, "database": database_answers})
    )
    # Prometheus inside the cluster scrapes the gateway directly; through the ingress it is 404.
    app.include_router(MetricsEndpoint(lambda: (), direct_only=True).router())
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(open311_router)
    document_open311_errors(app)
    pages.install(app)  # after the API, whose paths the pages never shadow
    media.install(app, settings.media_dir)
    return app


def _tracking_cache(settings: GatewaySettings, redis: Redis) -> Invalidation | None:
    """The tracking cache, following the case events that keep it true; None when it is off."""
    if settings.tracking_cache_seconds == 0:
        return None
    cache = TrackingCache(
        redis,
        prefix=settings.redis_prefix,
        secret=settings.resolved_secret_key(),
        cap_seconds=settings.tracking_cache_seconds,
    )
    invalidation = Invalidation(cache)
    invalidation.start(settings.nats_url, namespace=settings.bus_namespace)
    return invalidation


# How `nowrongdoor up`, `migrate` and the test plugin find this service; pyproject.toml names it.
SERVICE = ServiceDeclaration(
    name="gateway",
    app_factory="gateway.app:create_app",
    settings_class="gateway.settings:GatewaySettings",
    migrations_package=MIGRATIONS_PACKAGE,
    default_port=8000,
    public=True,
)
