from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import FastAPI

from intake.api import router
from intake.consumers import SUBSCRIPTIONS
from intake.retention import Clock, purge_periodically
from intake.settings import IntakeSettings
from nowrongdoor.crypto import Sealer
from nowrongdoor.runtime import Runtime, service_app


def _now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: IntakeSettings | None = None, clock: Clock = _now) -> FastAPI:
    """Build intake; tests may hand in a clock to see retention run out."""
    settings = settings or IntakeSettings()
    policy = settings.retention()

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
        routers=[router],
        subscriptions=SUBSCRIPTIONS,
        on_start=start_purges,
    )
    app.state.sealer = Sealer(settings.keys())
    app.state.clock = clock
    app.state.decision_wait = settings.decision_wait_seconds
    return app
