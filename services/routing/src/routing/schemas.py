"""Routing's own API shapes; those the gateway shares live in `nowrongdoor.contracts.routing`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from nowrongdoor.contracts.routing import InstitutionView, OfficeView
from nowrongdoor.contracts.vocabulary import RoutingOutcome

__all__ = ["DecisionPublic", "InstitutionView", "OfficeView"]


class DecisionPublic(BaseModel):
    id: str
    reference: str
    revision: int
    registry_version: str
    outcome: RoutingOutcome
    competent: list[dict[str, object]]
    matched_rules: list[str]
    excluding_rules: list[str]
    candidates: list[str] | None = None
    advice: str | None
    triage_institution_id: str | None
    reason: str | None
    decided_by: str
    decided_at: datetime
