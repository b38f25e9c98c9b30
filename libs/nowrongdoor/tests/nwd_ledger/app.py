"""The ledger's app: health probes, and what `up` told it about where the other services are."""

from __future__ import annotations

import os

from fastapi import FastAPI

from nowrongdoor.health import health_router
from nowrongdoor.plugins import ServiceDeclaration


def create_app() -> FastAPI:
    app = FastAPI(title="ledger")
    app.include_router(health_router(lambda: {}))

    @app.get("/peers")
    async def peers() -> dict[str, str]:
        return {key: value for key, value in os.environ.items() if key.endswith("_URL")}

    return app


SERVICE = ServiceDeclaration(
    name="ledger",
    app_factory="nwd_ledger.app:create_app",
    settings_class="nwd_ledger.settings:LedgerSettings",
    migrations_package="nwd_ledger.migrations",
    default_port=8005,
    notes=(("ledger book", "kept by the ledger"),),
)
