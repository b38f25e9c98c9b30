from __future__ import annotations

from fastapi import FastAPI

from intake.api import router
from intake.settings import IntakeSettings
from nowrongdoor.crypto import Sealer
from nowrongdoor.runtime import service_app


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    app = service_app(
        name="intake",
        settings=settings,
        migrations_package="intake.migrations",
        routers=[router],
    )
    app.state.sealer = Sealer(settings.keys())
    return app
