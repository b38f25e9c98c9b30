from __future__ import annotations

import logging

from fastapi import FastAPI

from nowrongdoor.runtime import Runtime, service_app
from routing.api import router
from routing.consumers import subscriptions
from routing.domain import load_seed_registry
from routing.registry import RegistryStore, ensure_current
from routing.settings import RoutingSettings

log = logging.getLogger(__name__)


def create_app(settings: RoutingSettings | None = None) -> FastAPI:
    store = RegistryStore()

    async def load_directory(runtime: Runtime) -> None:
        # The seed becomes the first version only in a database that holds none.
        registry = await ensure_current(runtime.sessions, load_seed_registry())
        log.info(
            "directory loaded",
            extra={
                "institutions": len(registry.institutions),
                "registry_version": registry.version,
            },
        )

    app = service_app(
        name="routing",
        settings=settings or RoutingSettings(),
        migrations_package="routing.migrations",
        routers=[router],
        subscriptions=subscriptions(store),
        on_start=load_directory,
    )
    app.state.registry_store = store
    return app
