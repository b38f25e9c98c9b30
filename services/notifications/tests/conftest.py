from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from notifications.app import Clock, create_app
from notifications.service.dispatch import Channels
from notifications.settings import NotificationsSettings
from nowrongdoor.bus import Bus
from nowrongdoor.testing.apps import internal_headers, running


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Settings a test module changes for its service (`merge_window_seconds`…)."""
    return {}


@pytest.fixture
def clock() -> Clock:
    """The service's clock; a test module may hand in one it moves itself."""
    return lambda: datetime.now(UTC)


@pytest.fixture
def channels() -> Channels | None:
    """The service's senders; None means the real ones, as configured."""
    return None


@pytest.fixture
def app(
    service_environment: dict[str, Any],
    settings_overrides: dict[str, Any],
    clock: Clock,
    channels: Channels | None,
) -> FastAPI:
    settings = NotificationsSettings(**service_environment, **settings_overrides)
    return create_app(settings, clock=clock, channels=channels)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app, internal_headers(app.state.data_dir)) as client:
        yield client


@pytest.fixture
def bus(app: FastAPI, client: httpx.AsyncClient) -> Bus:
    bus: Bus = app.state.runtime.bus
    return bus
