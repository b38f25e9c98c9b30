from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import GatewaySettings
from nowrongdoor.testing.apps import running

from .fakes import FakeServices


@pytest.fixture
def services() -> FakeServices:
    return FakeServices()


@pytest.fixture
async def client(
    services: FakeServices, redis_url: str, redis_prefix: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = GatewaySettings(
        environment="test",
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        data_dir=tmp_path,
        intake_url="http://intake.internal:8001",
        routing_url="http://routing.internal:8002",
        case_tracking_url="http://cases.internal:8003",
    )
    async with running(create_app(settings, services.transport())) as client:
        yield client
