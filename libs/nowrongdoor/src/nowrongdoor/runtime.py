"""One place builds a service's resources: database, migrations, bus, outbox relay, consumers.

Every service's `create_app()` hands its pieces to `service_app`; the lifespan opens everything,
and closes it again in reverse order. Nothing connects at import time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from nowrongdoor import db, schema
from nowrongdoor.access import RequestTelemetry
from nowrongdoor.bus import Bus, ConsumerSpec, durable_name
from nowrongdoor.health import Check, health_router
from nowrongdoor.inbox import TransactionalHandler, exactly_once
from nowrongdoor.memory import share_one_heap, started_objects_set_aside
from nowrongdoor.metrics import MetricsEndpoint, Sampler
from nowrongdoor.outbox import OutboxRelay, sample_backlog
from nowrongdoor.problems import install_problem_handlers
from nowrongdoor.settings import DatabaseSettings
from nowrongdoor.telemetry import (
    FASTAPI_TELEMETRY,
    configure_logging,
    configure_tracing,
    instrument_app,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subscription:
    """A durable consumer whose handler runs exactly once per event, inside a transaction."""

    subject: str
    handler: TransactionalHandler
    max_deliver: int = 8


@dataclass
class Runtime:
    """The resources of one running service."""

    name: str
    settings: DatabaseSettings
    engine: AsyncEngine
    sessions: db.SessionMaker
    bus: Bus
    relay: OutboxRelay
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    durables: list[tuple[str, str]] = field(default_factory=list)
    extra_samplers: Sequence[Callable[[Runtime], Sampler]] = ()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work; the outbox relay is woken once it has committed."""
        async with db.unit_of_work(self.sessions) as session:
            yield session
        self.relay.notify()

    def checks(self) -> Mapping[str, Check]:
        return {"database": lambda: db.ping(self.engine), "nats": self.bus.ping}

    def samplers(self) -> list[Sampler]:
        """What a scrape of `/metrics` brings up to date first."""
        return [
            lambda: sample_backlog(self.sessions),
            lambda: self.bus.sample(self.durables),
            *(sampler(self) for sampler in self.extra_samplers),
        ]


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def service_app(
    *,
    name: str,
    settings: DatabaseSettings,
    migrations_package: str,
    routers: Sequence[APIRouter] = (),
    subscriptions: Sequence[Subscription] = (),
    on_start: Callable[[Runtime], object] | None = None,
    samplers: Sequence[Callable[[Runtime], Sampler]] = (),
    title: str | None = None,
) -> FastAPI:
    """`samplers` bring this service's own gauges up to date when `/metrics` is scraped."""
    share_one_heap()
    configure_logging(name, settings.log_level)
    configure_tracing(name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await schema.make_current(
            settings.resolved_database_url(),
            migrations_package,
            service=name,
            upgrade=settings.migrate_on_start,
            apart=settings.migrations_apart,
            log_level=settings.log_level,
        )
        engine = db.create_engine(settings.resolved_database_url())
        bus = await Bus.connect(
            settings.nats_url,
            name=name,
            namespace=settings.bus_namespace,
            replicas=settings.stream_replicas,
        )
        await bus.ensure_streams()
        sessions = db.session_maker(engine)
        runtime = Runtime(
            name=name,
            settings=settings,
            engine=engine,
            sessions=sessions,
            bus=bus,
            relay=OutboxRelay(sessions, bus),
            extra_samplers=samplers,
        )
        app.state.runtime = runtime
        if on_start is not None:
            result = on_start(runtime)
            if asyncio.iscoroutine(result):
                await result
        runtime.tasks.append(asyncio.create_task(runtime.relay.run(runtime.stop)))
        for subscription in subscriptions:
            durable = durable_name(name, subscription.subject)
            spec = ConsumerSpec(
                durable=durable,
                subject=subscription.subject,
                handler=exactly_once(
                    sessions, durable, subscription.handler, after_commit=runtime.relay.notify
                ),
                max_deliver=subscription.max_deliver,
            )
            # The durable consumer exists before the service says it has started.
            pull = await bus.subscribe(spec)
            runtime.durables.append((durable, subscription.subject))
            runtime.tasks.append(asyncio.create_task(bus.consume(spec, runtime.stop, pull)))
        log.info("service started", extra={"consumers": len(subscriptions)})
        try:
            with started_objects_set_aside():
                yield
        finally:
            runtime.stop.set()
            _done, pending = await asyncio.wait(runtime.tasks, timeout=10)
            for task in pending:
                task.cancel()
            await bus.close()
            await engine.dispose()
            log.info("service stopped")

    app = FastAPI(
        title=title or f"No Wrong Door {name} (internal)",
        version="0.1.0",
        lifespan=lifespan,
        telemetry=FASTAPI_TELEMETRY,
    )
    app.state.verification_keys = settings.verification_keys()
    app.state.data_dir = settings.data_dir
    app.add_middleware(RequestTelemetry)
    instrument_app(app)
    install_problem_handlers(app)
    app.include_router(health_router(lambda: app.state.runtime.checks()))
    app.include_router(MetricsEndpoint(lambda: app.state.runtime.samplers()).router())
    for router in routers:
        app.include_router(router)
    return app
