"""Notifications' service: its routes, its consumers, its sender loop, built by `create_app`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from notifications.api import routers
from notifications.consumers import subscriptions
from notifications.service.contacts_institution import seed_demo_contacts
from notifications.service.dispatch import Channels, Dispatcher
from notifications.service.gauges import delivery_gauges
from notifications.settings import NotificationsSettings
from nowrongdoor.crypto import Sealer
from nowrongdoor.plugins import BACKLOG_NICE, ServiceDeclaration
from nowrongdoor.runtime import Runtime, service_app

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def _seeds_demo_contacts(settings: NotificationsSettings) -> bool:
    """The demo institutions' mailboxes are loaded in development, or when asked."""
    if settings.seed_institution_contacts is not None:
        return settings.seed_institution_contacts
    return settings.environment == "development"


def default_channels(settings: NotificationsSettings) -> Channels:
    """The real senders: SMTP and the SMS provider when configured, and webhooks."""
    from notifications.channels.email import SmtpSender
    from notifications.channels.sms import HttpSmsSender
    from notifications.messages import render
    from notifications.service import webhooks

    return Channels(
        render=render,
        email=SmtpSender.from_settings(settings),
        sms=HttpSmsSender.from_settings(settings),
        webhook_send=webhooks.sender(settings),
        webhook_gave_up=webhooks.gave_up,
    )


def create_app(
    settings: NotificationsSettings | None = None,
    clock: Clock = _now,
    channels: Channels | None = None,
) -> FastAPI:
    """Build notifications; tests may hand in a clock and their own senders."""
    settings = settings or NotificationsSettings()
    sealer = Sealer(settings.keys())
    senders = channels or default_channels(settings)
    started: list[Dispatcher] = []

    def wake() -> None:
        for dispatcher in started:
            dispatcher.wake()

    async def start_dispatcher(runtime: Runtime) -> None:
        if _seeds_demo_contacts(settings):
            await seed_demo_contacts(runtime.sessions)
        dispatcher = Dispatcher(
            db=runtime,
            channels=senders,
            sealer=sealer,
            clock=clock,
            public_url=settings.public_url,
            lease=timedelta(seconds=settings.claim_lease_seconds),
        )
        started.append(dispatcher)
        app.state.dispatcher = dispatcher
        runtime.tasks.append(
            asyncio.create_task(dispatcher.run(runtime.stop, settings.dispatch_interval_seconds))
        )

    app = service_app(
        name="notifications",
        settings=settings,
        migrations_package="notifications.migrations",
        routers=routers,
        subscriptions=subscriptions(settings, sealer, clock, wake),
        on_start=start_dispatcher,
        samplers=[delivery_gauges],
    )
    app.state.clock = clock
    app.state.sealer = sealer
    return app


# How `nowrongdoor up`, `migrate` and the test plugin find this service; pyproject.toml names it.

SERVICE = ServiceDeclaration(
    name="notifications",
    app_factory="notifications.app:create_app",
    settings_class="notifications.settings:NotificationsSettings",
    migrations_package="notifications.migrations",
    default_port=8004,
    nice=BACKLOG_NICE,
    key_rotation="notifications.cli:rotate_keys",
)
