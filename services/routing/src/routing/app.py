from __future__ import annotations

import logging

from fastapi import FastAPI

from nowrongdoor.runtime import service_app
from routing.api import router
from routing.consumers import subscriptions
from routing.domain import load_seed_registry
from routing.settings import RoutingSettings

log = logging.getLogger(__name__)


def create_app(settings: RoutingSettings | None = None) -> FastAPI:
    registry = load_seed_registry()
    app = service_app(
        name="routing",
        settings=settings or RoutingSettings(),
        migrations_package="routing.migrations",
        routers=[router],
        subscriptions=subscriptions(registry),
    )
    app.state.registry = registry
    log.info(
        "seed directory loaded",
        extra={"institutions": len(registry.institutions), "registry_version": registry.version},
    )
    return app
