"""Case tracking's service: its routes, its consumers, its deadline check, built by `create_app`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import FastAPI

from case_tracking.api import routers
from case_tracking.consumers import subscriptions
from case_tracking.service.deadlines import Clock, check_periodically
from case_tracking.settings import CaseTrackingSettings
from nowrongdoor.arrivals import Arrivals
from nowrongdoor.crypto import Sealer
from nowrongdoor.plugins import ServiceDeclaration
from nowrongdoor.runtime import Runtime, service_app


def _now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: CaseTrackingSettings | None = None, clock: Clock = _now) -> FastAPI:
    """Build case tracking; tests may hand in a clock to see promised dates pass."""
    settings = settings or CaseTrackingSettings()
    arrivals = Arrivals()

    def start_deadline_checks(runtime: Runtime) -> None:
        runtime.tasks.append(
            asyncio.create_task(
                check_periodically(runtime, clock, settings.deadline_check_seconds, runtime.stop)
            )
        )

    app = service_app(
        name="case-tracking",
        settings=settings,
        migrations_package="case_tracking.migrations",
        routers=routers,
        subscriptions=subscriptions(arrivals),
        on_start=start_deadline_checks,
    )
    app.state.sealer = Sealer(settings.keys())
    app.state.clock = clock
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
