"""Routing's app: the database, the bus, the directory and the evidence store, built by
`create_app` and closed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import FastAPI

from nowrongdoor.crypto import Sealer
from nowrongdoor.plugins import BACKLOG_NICE, ServiceDeclaration
from nowrongdoor.runtime import Runtime, service_app
from routing import service
from routing.api import router
from routing.consumers import subscriptions
from routing.domain import load_seed_registry
from routing.service.evidence import Evidence, EvidenceRules
from routing.settings import RoutingSettings

log = logging.getLogger(__name__)


def create_app(settings: RoutingSettings | None = None) -> FastAPI:
    settings = settings or RoutingSettings()
    store = service.RegistryStore()

    async def load_directory(runtime: Runtime) -> None:
        # The seed becomes the first version only in a database that holds none.
        registry = await service.load_directory(runtime.sessions, load_seed_registry())
        log.info(
            "directory loaded",
            extra={
                "institutions": len(registry.institutions),
                "registry_version": registry.version,
            },
        )
        if runtime.settings.environment == "development":
            # The demo's accredited NGOs; a database that already has them keeps what it has.
            granted = await service.load_demo_accreditations(
                runtime.sessions, registry, now=datetime.now(UTC)
            )
            log.info("demo accreditations loaded", extra={"granted": granted})

    app = service_app(
        name="routing",
        settings=settings,
        migrations_package="routing.migrations",
        routers=[router],
        subscriptions=subscriptions(store),
        on_start=load_directory,
    )
    app.state.registry_store = store
    app.state.evidence = Evidence(
        store=settings.attachment_store_opened(),
        sealer=Sealer(settings.keys()),
        rules=EvidenceRules(
            max_bytes=settings.attachment_max_bytes, per_answer=settings.attachments_per_answer
        ),
    )
    app.state.clock = lambda: datetime.now(UTC)
    return app


# How `nowrongdoor up`, `migrate` and the test plugin find this service; pyproject.toml names it.

SERVICE = ServiceDeclaration(
    name="routing",
    app_factory="routing.app:create_app",
    settings_class="routing.settings:RoutingSettings",
    migrations_package="routing.migrations",
    default_port=8002,
    nice=BACKLOG_NICE,
    notes=(("seed directory", "loaded by routing on start"),),
)
