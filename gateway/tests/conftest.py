"""A gateway over stand-in services, with the real Redis and database the fixtures provide."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from gateway.app import create_app
from gateway.settings import GatewaySettings
from nowrongdoor.testing.apps import running

from .fakes import FakeServices


@pytest.fixture
def services() -> FakeServices:
    return FakeServices()


@pytest.fixture
def app_settings(
    redis_url: str, redis_prefix: str, tmp_path: Path, database_url: str
) -> GatewaySettings:
    return GatewaySettings(
        environment="test",
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        data_dir=tmp_path,
        database_url=database_url,
        # The stand-in services publish no events to keep a cache true.
        tracking_cache_seconds=0,
    )


@pytest.fixture
def app(app_settings: GatewaySettings, services: FakeServices) -> FastAPI:
    return create_app(app_settings, services.upstreams())


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        yield client
