from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from case_tracking.app import create_app
from case_tracking.settings import CaseTrackingSettings
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.testing.apps import internal_headers, running

OPERATOR = Principal(client_id="operator", kind="admin")


@pytest.fixture
def app(database_url: str, nats_url: str, bus_namespace: str, tmp_path: Path) -> FastAPI:
    return create_app(
        CaseTrackingSettings(
            environment="test",
            database_url=database_url,
            nats_url=nats_url,
            bus_namespace=bus_namespace,
            data_dir=tmp_path,
        )
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app, internal_headers(app.state.data_dir, OPERATOR)) as client:
        yield client


@pytest.fixture
def bus(app: FastAPI, client: httpx.AsyncClient) -> Bus:
    bus: Bus = app.state.runtime.bus
    return bus
