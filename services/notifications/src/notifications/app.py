from __future__ import annotations

from fastapi import FastAPI

from notifications.api import router
from notifications.consumers import SUBSCRIPTIONS
from notifications.settings import NotificationsSettings
from nowrongdoor.runtime import service_app


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    return service_app(
        name="notifications",
        settings=settings or NotificationsSettings(),
        migrations_package="notifications.migrations",
        routers=[router],
        subscriptions=SUBSCRIPTIONS,
    )
