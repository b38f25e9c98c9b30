from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from intake.app import create_app
from intake.settings import IntakeSettings
from nowrongdoor import db, migrations
from nowrongdoor.bus import Bus
from nowrongdoor.testing.apps import internal_headers, running


@pytest.fixture
def decision_wait() -> float:
    """How long requests wait for a decision on its way; parametrize a test to change it."""
    return 5.0


@pytest.fixture
def settings(service_environment: dict[str, Any], decision_wait: float) -> IntakeSettings:
    return IntakeSettings(**service_environment, decision_wait_seconds=decision_wait)


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


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[db.SessionMaker]:
    """Intake's database, migrated, with no intake running on it."""
    engine = db.create_engine(database_url)
    await migrations.upgrade(engine, "intake.migrations")
    yield db.session_maker(engine)
    await engine.dispose()
