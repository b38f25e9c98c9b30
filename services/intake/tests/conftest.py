from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from intake.app import create_app
from intake.settings import IntakeSettings
from nowrongdoor.bus import Bus
from nowrongdoor.testing.apps import internal_headers, running


@pytest.fixture
def settings(
    database_url: str, nats_url: str, bus_namespace: str, tmp_path: Path
) -> IntakeSettings:
    return IntakeSettings(
        environment="test",
        database_url=database_url,
        nats_url=nats_url,
        bus_namespace=bus_namespace,
        data_dir=tmp_path,
    )


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
