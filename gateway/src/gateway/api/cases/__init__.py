"""Cases, one resource in several rooms: reading them, working them through their steps, joining
and leaving them, the messages in them, where the complainant is told of them, and the session
that spares the complainant sending the receipt each time."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.api.cases import contact, joining, lifecycle, messages, reading, session

router = APIRouter()
for routes in (
    reading.router,
    lifecycle.router,
    joining.router,
    messages.router,
    contact.router,
    session.router,
):
    router.include_router(routes)
