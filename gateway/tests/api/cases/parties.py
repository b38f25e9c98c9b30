"""Who takes part in the case tests: complaints intake holds, institutions with their tokens."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from nowrongdoor.contracts.intake import ComplaintSubmission, IncomingComplaint
from nowrongdoor.contracts.routing import InstitutionSummary

from ...api_clients import access_token, bearer, register
from ...fakes import FakeServices, complaint

MEDIATEUR = InstitutionSummary(institution_id="ma-mediateur", name="Médiateur", role="lead")
CNDH = InstitutionSummary(institution_id="ma-cndh", name="CNDH", role="associated")
UNKNOWN = "NWD-0000000000AA"


def held(services: FakeServices, **overrides: Any) -> tuple[str, str]:
    """A complaint intake already holds, its case opened: its reference and receipt."""
    submission = ComplaintSubmission.model_validate(complaint(**overrides))
    accepted = services.intake.holds(IncomingComplaint(submission=submission, channel="web"))
    return accepted.reference, accepted.receipt


def routed(services: FakeServices, *parts: InstitutionSummary, **overrides: Any) -> tuple[str, str]:
    """A complaint whose case is open at these institutions (the Médiateur alone by default)."""
    reference, receipt = held(services, **overrides)
    services.cases.routed(reference, *(parts or (MEDIATEUR,)))
    return reference, receipt


async def institution_headers(
    app: FastAPI, client: httpx.AsyncClient, institution: str, *scopes: str
) -> dict[str, str]:
    registered = await register(app, institution=institution, scopes=scopes)
    return bearer(await access_token(client, registered))


async def client_headers(
    app: FastAPI, client: httpx.AsyncClient, kind: str, institution: str | None, *scopes: str
) -> dict[str, str]:
    registered = await register(app, kind=kind, institution=institution, scopes=scopes)
    return bearer(await access_token(client, registered))


def wrong(receipt: str) -> str:
    """Another well-formed receipt."""
    return receipt[:-1] + str((int(receipt[-1]) + 1) % 10)
