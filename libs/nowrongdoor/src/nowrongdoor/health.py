"""Liveness and readiness probes: `/healthz` says the process runs, `/readyz` that it can work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter
from fastapi.responses import JSONResponse

Check = Callable[[], Awaitable[None]]


def health_router(checks: Callable[[], Mapping[str, Check]]) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Every dependency answers")
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        try:
            named = checks()
        except AttributeError:
            # The lifespan has not built the resources yet.
            return JSONResponse({"status": "starting", "checks": {}}, status_code=503)
        for name, check in named.items():
            try:
                await asyncio.wait_for(check(), timeout=2.0)
                results[name] = "ok"
            except Exception as error:
                results[name] = f"failing: {type(error).__name__}"
        ready = all(result == "ok" for result in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": results},
            status_code=200 if ready else 503,
        )

    return router
