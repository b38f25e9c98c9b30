"""Routing's internal API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class OfficePublic(BaseModel):
    office_id: str
    name: str
    territories: list[str]


class InstitutionPublic(BaseModel):
    institution_id: str
    name: str
    territory: str
    languages: list[str]
    offices: list[OfficePublic]


class DecisionPublic(BaseModel):
    id: str
    reference: str
    registry_version: str
    outcome: str
    competent: list[dict[str, object]]
    matched_rules: list[str]
    excluding_rules: list[str]
    advice: str | None
    triage_institution_id: str | None
    reason: str | None
    decided_at: datetime
