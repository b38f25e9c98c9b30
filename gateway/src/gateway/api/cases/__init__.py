"""Cases, one resource in three rooms: reading them, working them through their steps, and the
messages in them."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.api.cases import lifecycle, messages, reading

router = APIRouter()
for routes in (reading.router, lifecycle.router, messages.router):
    router.include_router(routes)
