"""Case tracking's service: its routes, its consumers and its migrations, built by `create_app`."""

from __future__ import annotations

from fastapi import FastAPI

from case_tracking.api import router
from case_tracking.consumers import subscriptions
from case_tracking.settings import CaseTrackingSettings
from nowrongdoor.arrivals import Arrivals
from nowrongdoor.plugins import ServiceDeclaration
from nowrongdoor.runtime import service_app


def create_app(settings: CaseTrackingSettings | None = None) -> FastAPI:
    settings = settings or CaseTrackingSettings()
    arrivals = Arrivals()
    app = service_app(
        name="case-tracking",
        settings=settings,
        migrations_package="case_tracking.migrations",
        routers=[router],
        subscriptions=subscriptions(arrivals),
    )
    app.state.arrivals = arrivals
    app.state.received_wait = settings.received_wait_seconds
    return app


# How `nowrongdoor up`, `migrate` and the test plugin find this service; pyproject.toml names it.

SERVICE = ServiceDeclaration(
    name="case-tracking",
    app_factory="case_tracking.app:create_app",
    settings_class="case_tracking.settings:CaseTrackingSettings",
    migrations_package="case_tracking.migrations",
    default_port=8003,
)
