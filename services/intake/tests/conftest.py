from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from intake.app import create_app
from intake.settings import IntakeSettings
from nowrongdoor.bus import Bus
from nowrongdoor.testing.apps import internal_headers, running


@pytest.fixture
def settings(service_environment: dict[str, Any]) -> IntakeSettings:
    return IntakeSettings(**service_environment)


@pytest.fixture
def app(settings: IntakeSettings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app, internal_headers(app.state.data_dir)) as client:
        yield client


@pytest.fixture
def bus(app: FastAPI, client: httpx.AsyncClient) -> Bus:
    """The running intake's bus, to hand it the events other services publish."""
    bus: Bus = app.state.runtime.bus
    return bus
