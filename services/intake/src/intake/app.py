"""Intake's app: `create_app()` and the resources its lifespan opens and closes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import FastAPI

from intake import consumers
from intake.api import routers
from intake.service.decisions import DecisionWaiters
from intake.service.retention import Clock, purge_periodically
from intake.settings import IntakeSettings
from nowrongdoor.crypto import Sealer
from nowrongdoor.plugins import ServiceDeclaration
from nowrongdoor.runtime import Runtime, service_app


def _now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: IntakeSettings | None = None, clock: Clock = _now) -> FastAPI:
    """Build intake; tests may hand in a clock to see retention run out."""
    settings = settings or IntakeSettings()
    policy = settings.retention()
    # Shared by the consumers, which wake it, and the requests, which wait on it.
    waiters = DecisionWaiters(patience=settings.decision_wait_seconds)

    def start_purges(runtime: Runtime) -> None:
        runtime.tasks.append(
            asyncio.create_task(
                purge_periodically(
                    runtime.sessions,
                    policy,
                    clock,
                    settings.purge_interval_seconds,
                    runtime.stop,
                )
            )
        )

    app = service_app(
        name="intake",
        settings=settings,
        migrations_package="intake.migrations",
        routers=routers,
        subscriptions=consumers.subscriptions(waiters),
        on_start=start_purges,
    )
    app.state.sealer = Sealer(settings.keys())
    app.state.transport_keys = settings.transport_keys()
    app.state.clock = clock
    app.state.decision_waiters = waiters
    return app


# How `nowrongdoor up`, `migrate` and the test plugin find this service; pyproject.toml names it.

SERVICE = ServiceDeclaration(
    name="intake",
    app_factory="intake.app:create_app",
    settings_class="intake.settings:IntakeSettings",
    migrations_package="intake.migrations",
    default_port=8001,
    key_rotation="intake.cli:rotate_keys",
)
