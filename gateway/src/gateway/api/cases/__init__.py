"""Cases, one resource in four rooms: reading them, working them through their steps, joining
and leaving them, and the messages in them."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.api.cases import contact, joining, lifecycle, messages, reading

router = APIRouter()
for routes in (reading.router, lifecycle.router, joining.router, messages.router, contact.router):
    router.include_router(routes)
