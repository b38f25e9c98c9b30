from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from case_tracking_support import Caller, MovableClock
from fastapi import FastAPI

from case_tracking.app import create_app
from case_tracking.settings import CaseTrackingSettings
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.testing.apps import internal_headers, running

OPERATOR = Principal(client_id="operator", kind="admin")


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def settings(service_environment: dict[str, Any]) -> CaseTrackingSettings:
    # The periodic deadline check runs once at start; tests run it themselves when they mean to.
    return CaseTrackingSettings(**service_environment, deadline_check_seconds=3600)


@pytest.fixture
def app(settings: CaseTrackingSettings, clock: MovableClock) -> FastAPI:
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app, internal_headers(app.state.data_dir, OPERATOR)) as client:
        yield client


@pytest.fixture
def bus(app: FastAPI, client: httpx.AsyncClient) -> Bus:
    bus: Bus = app.state.runtime.bus
    return bus


@pytest.fixture
def as_(app: FastAPI, client: httpx.AsyncClient) -> Callable[[Principal], Caller]:
    """Call case tracking as a given principal."""
    return lambda principal: Caller(client, app, principal)
