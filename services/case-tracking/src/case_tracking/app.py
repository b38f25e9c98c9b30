from __future__ import annotations

from fastapi import FastAPI

from case_tracking.api import router
from case_tracking.consumers import SUBSCRIPTIONS
from case_tracking.settings import CaseTrackingSettings
from nowrongdoor.runtime import service_app


def create_app(settings: CaseTrackingSettings | None = None) -> FastAPI:
    return service_app(
        name="case-tracking",
        settings=settings or CaseTrackingSettings(),
        migrations_package="case_tracking.migrations",
        routers=[router],
        subscriptions=SUBSCRIPTIONS,
    )
