"""The public REST API, version 1: one router per resource."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.api import (
    accreditations,
    cases,
    complaints,
    guide,
    inbox,
    institutions,
    oauth,
    personal_data,
    statistics,
    triage,
    webhooks,
)

ROUTERS: tuple[APIRouter, ...] = (
    oauth.router,
    complaints.router,
    cases.router,
    personal_data.router,
    institutions.router,
    accreditations.router,
    guide.router,
    triage.router,
    webhooks.router,
    inbox.router,
    statistics.router,
)
