"""Helpers for tests that drive one service in-process, with its real lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import httpx
from fastapi import FastAPI

from nowrongdoor.auth import INTERNAL_AUDIENCE, Principal, development_signing_key, issue_token

T = TypeVar("T")


@asynccontextmanager
async def running(
    app: FastAPI, headers: dict[str, str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """Start the app's lifespan (database, bus, consumers) and talk to it over ASGI."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://service.test",
            headers=headers,
        ) as client,
    ):
        yield client


def internal_headers(data_dir: Path, principal: Principal | None = None) -> dict[str, str]:
    """What the gateway would send inward for `principal`, signed with the development key."""
    token = issue_token(
        development_signing_key(data_dir),
        principal or Principal.public(),
        audience=INTERNAL_AUDIENCE,
        ttl_seconds=300,
    )
    return {"Authorization": f"Bearer {token}"}


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 15.0, interval: float = 0.1
) -> T:
    """Poll `probe` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)
