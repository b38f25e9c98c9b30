"""Case tracking's service: its routes, its consumers, its deadline check, built by `create_app`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from case_tracking.api import routers
from case_tracking.consumers import subscriptions
from case_tracking.service.attachments import AttachmentRules
from case_tracking.service.deadlines import Clock, check_periodically
from case_tracking.service.gauges import case_gauges
from case_tracking.service.statistics import StatisticsCache
from case_tracking.settings import CaseTrackingSettings
from nowrongdoor.arrivals import Arrivals
from nowrongdoor.crypto import Sealer
from nowrongdoor.plugins import BACKLOG_NICE, ServiceDeclaration
from nowrongdoor.runtime import Runtime, service_app


def _now() -> datetime:
    return datetime.now(UTC)


def _moved(clock: Clock, offset: timedelta) -> Clock:
    """`clock`, `offset` ahead: a drill's or a test's time (refused in production)."""
    return lambda: clock() + offset


def create_app(settings: CaseTrackingSettings | None = None, clock: Clock = _now) -> FastAPI:
    """Build case tracking; tests may hand in a clock to see promised dates pass."""
    settings = settings or CaseTrackingSettings()
    if settings.clock_offset:
        clock = _moved(clock, settings.clock_offset)
    arrivals = Arrivals()
    store = settings.attachment_store_opened()

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
        subscriptions=subscriptions(arrivals, store),
        on_start=start_deadline_checks,
        samplers=[case_gauges(clock)],
    )
    app.state.sealer = Sealer(settings.keys())
    app.state.store = store
    app.state.attachment_rules = AttachmentRules(
        max_bytes=settings.attachment_max_bytes, per_message=settings.attachments_per_message
    )
    app.state.clock = clock
    app.state.statistics = StatisticsCache()
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
    nice=BACKLOG_NICE,
    key_rotation="case_tracking.cli:rotate_keys",
)
