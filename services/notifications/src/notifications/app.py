"""Notifications' service: its routes, its consumers and its migrations, built by `create_app`."""

from __future__ import annotations

from fastapi import FastAPI

from notifications.api import router
from notifications.consumers import SUBSCRIPTIONS
from notifications.settings import NotificationsSettings
from nowrongdoor.plugins import ServiceDeclaration
from nowrongdoor.runtime import service_app


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    return service_app(
        name="notifications",
        settings=settings or NotificationsSettings(),
        migrations_package="notifications.migrations",
        routers=[router],
        subscriptions=SUBSCRIPTIONS,
    )


# How `nowrongdoor up`, `migrate` and the test plugin find this service; pyproject.toml names it.

SERVICE = ServiceDeclaration(
    name="notifications",
    app_factory="notifications.app:create_app",
    settings_class="notifications.settings:NotificationsSettings",
    migrations_package="notifications.migrations",
    default_port=8004,
)
