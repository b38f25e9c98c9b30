from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from notifications.app import create_app
from notifications.settings import NotificationsSettings
from nowrongdoor.bus import Bus
from nowrongdoor.testing.apps import internal_headers, running


@pytest.fixture
def app(service_environment: dict[str, Any]) -> FastAPI:
    return create_app(NotificationsSettings(**service_environment))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app, internal_headers(app.state.data_dir)) as client:
        yield client


@pytest.fixture
def bus(app: FastAPI, client: httpx.AsyncClient) -> Bus:
    bus: Bus = app.state.runtime.bus
    return bus
