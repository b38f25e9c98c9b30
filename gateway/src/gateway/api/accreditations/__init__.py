"""Accredited NGOs at the edge, one resource in three rooms: the public criteria and list, the
applications, and the institution's steps.

The gateway checks who is calling and what they sent, then asks routing, which keeps every
accreditation, on the caller's behalf; routing's refusals reach the caller unchanged.
"""

from __future__ import annotations

from fastapi import APIRouter

from gateway.api.accreditations import applications, public, steps

router = APIRouter()
for routes in (public.router, applications.router, steps.router):
    router.include_router(routes)
