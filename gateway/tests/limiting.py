"""A gateway with injected time, talked to from chosen network addresses, for the limits tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import httpx
from fastapi import FastAPI
from redis.asyncio import Redis

from gateway.app import create_app
from gateway.edge.limits import Limits
from gateway.settings import GatewaySettings

from .fakes import FakeServices

# 08:00 UTC: hours can pass in a test before the day, and with it the anonymous buckets, changes.
START = 1_800_000_000.0


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeSleep:
    """Records the delays asked for instead of waiting them out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def gateway_settings(redis_url: str, redis_prefix: str, data_dir: Path) -> GatewaySettings:
    return GatewaySettings(
        environment="test",
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        data_dir=data_dir,
        tracking_cache_seconds=0,  # the stand-ins publish no events to keep a cache true
    )


class StartGateway(Protocol):
    """Starts a gateway with the limit settings given, every other limit roomy."""

    def __call__(self, **limits: object) -> AbstractAsyncContextManager[Gateway]: ...


class Gateway:
    """A running gateway; each client speaks to it from its own network address."""

    def __init__(self, app: FastAPI, stack: AsyncExitStack) -> None:
        self.app = app
        self._stack = stack

    async def client(
        self, address: str = "198.51.100.7", headers: dict[str, str] | None = None
    ) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(address, 50123))
        return await self._stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://gateway.test", headers=headers)
        )


@asynccontextmanager
async def running_gateway(
    settings: GatewaySettings, services: FakeServices, limits: Limits
) -> AsyncIterator[Gateway]:
    app = create_app(settings, services.upstreams(), limits)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        yield Gateway(app, stack)


async def stored_under(redis_url: str, prefix: str) -> dict[str, Any]:
    """Every key under `prefix` with its value, as Redis holds them."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        stored: dict[str, Any] = {}
        async for key in redis.scan_iter(match=f"{prefix}*"):
            kind = await redis.type(key)
            if kind == "hash":
                stored[key] = await redis.hgetall(key)
            else:
                stored[key] = await redis.get(key)
        return stored
    finally:
        await redis.aclose()


async def lifetimes_under(redis_url: str, prefix: str) -> dict[str, int]:
    """Milliseconds until each key under `prefix` expires; -1 for a key that never would.

    A short-lived key can expire between the scan and the question (Redis then answers -2, or 0
    in its last millisecond): it has forgotten by itself and is left out.
    """
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        lifetimes = {
            key: await redis.pttl(key) async for key in redis.scan_iter(match=f"{prefix}*")
        }
        return {
            key: lifetime for key, lifetime in lifetimes.items() if lifetime == -1 or lifetime > 0
        }
    finally:
        await redis.aclose()
