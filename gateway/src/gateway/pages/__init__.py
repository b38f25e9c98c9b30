"""The citizens' web front end: pages rendered on the server in five languages.

The pages add no business rules: they call the same services through the same typed clients as
the API, under the same limits, and work without JavaScript.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from gateway.pages import guide, institutions, scoreboard, site, submit, track

ROUTERS: tuple[APIRouter, ...] = (
    site.router,
    institutions.router,
    guide.router,
    submit.router,
    track.router,
    scoreboard.router,
)


def install(app: FastAPI) -> None:
    """Mount the pages' files and routes; the edge shows their errors as pages."""
    static = resources.files("gateway.pages") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    for router in ROUTERS:
        app.include_router(router)
