"""Routing's internal HTTP API: the directory, mandates, guide, decisions, triage, accreditations,
and whether an accreditation carries an NGO's alert.

Every route needs the gateway's signed token; who the caller is decides what it may change.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from nowrongdoor.auth import internal_principal
from routing.api import accreditations, decisions, guide, institutions, reliance, triage

router = APIRouter(prefix="/internal", tags=["routing"], dependencies=[Depends(internal_principal)])
router.include_router(institutions.router)
router.include_router(guide.router)
router.include_router(decisions.router)
router.include_router(triage.router)
router.include_router(accreditations.router)
router.include_router(reliance.router)

__all__ = ["router"]
