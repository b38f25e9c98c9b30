"""A gateway over stand-in services, its tracking cache on a real NATS and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.tracking import CaseReads
from nowrongdoor.bus import Bus
from nowrongdoor.testing.apps import eventually, running

from ..fakes import FakeServices


@pytest.fixture
async def bus(nats_url: str, bus_namespace: str) -> AsyncIterator[Bus]:
    """The platform's streams, as the services create them when they start."""
    bus = await Bus.connect(nats_url, name="test", namespace=bus_namespace)
    await bus.ensure_streams()
    yield bus
    await bus.close()


@pytest.fixture
def app(
    bus: Bus,
    nats_url: str,
    bus_namespace: str,
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
    database_url: str,
    services: FakeServices,
) -> FastAPI:
    settings = GatewaySettings(
        environment="test",
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        data_dir=tmp_path,
        database_url=database_url,
        nats_url=nats_url,
        bus_namespace=bus_namespace,
    )
    services.cases.reusable_seconds = 600
    return create_app(settings, services.upstreams())


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        reads: CaseReads = app.state.case_reads
        invalidation = reads.invalidation
        assert invalidation is not None

        async def following() -> bool:
            return invalidation.live

        await eventually(following, timeout=30)
        yield client
