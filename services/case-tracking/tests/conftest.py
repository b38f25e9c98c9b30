from collections.abc import AsyncIterator
from typing import Any

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
def app(service_environment: dict[str, Any]) -> FastAPI:
    return create_app(CaseTrackingSettings(**service_environment))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app, internal_headers(app.state.data_dir, OPERATOR)) as client:
        yield client


@pytest.fixture
def bus(app: FastAPI, client: httpx.AsyncClient) -> Bus:
    bus: Bus = app.state.runtime.bus
    return bus
